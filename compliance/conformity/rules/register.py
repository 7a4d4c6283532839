"""Rule 9, completeness of the GDPR art. 30 register entry (personal data only).

Controller role: art. 30(1) fields (contact, purposes, categories of data subjects and data,
recipients, retention, security measures), the art. 6 legal basis, the art. 9(2) condition for
health data, and the DPIA (art. 35). Processor role: art. 30(2) fields (contact, controllers
served, categories of processing, security measures); the legal basis, art. 9 condition and
DPIA are the controller's.

A missing field is a warning marking missing information (the processing may be fine, the
register does not show it). That includes a blank art. 9(2) condition: it proves no condition
is missing, only that the register does not name it (for care, 9(2)(h) with professional
secrecy, 9(3), usually applies). A DPIA required but not done is an error: it shows the
processing is not lawful as recorded (art. 35(1)). The CNIL list (art. 35(4), délibération
n° 2018-327) requires one for patient care by health establishments: for an establishment's
care processing it is required whatever the register's flag says. A processing is taken as
care when it holds health data as controller and its data subjects, when recorded, include
patients (a professional practising alone is exempt, délibération n° 2019-118, and is not an
establishment). A transfer listed to a third country that has neither an adequacy decision in
force nor a safeguard is an error (art. 44 to 46). Conversely a supplier storing data in, or
accessing them from, a third country that the register does not list is missing information.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..adequacy import adequacy_decision
from ..findings import Finding, make_finding
from ..geography import EEA
from ..inputs import OrganisationKind, ProcessingFacts, Role
from ..text import fold

if TYPE_CHECKING:
    from ..chain import Chain

CONTROLLER_FIELDS = (
    ("controller_contact", "register.contact_missing"),
    ("purposes", "register.purposes_missing"),
    ("data_subject_categories", "register.data_subject_categories_missing"),
    ("data_categories", "register.data_categories_missing"),
    ("recipients", "register.recipients_missing"),
    ("retention", "register.retention_missing"),
    ("security_measures", "register.security_measures_missing"),
    ("legal_basis", "register.legal_basis_missing"),
)
# Data subjects of patient care, matched on words of the folded text ("Patients", "résidents de
# l'EHPAD", "usagers", "personnes prises en charge", "patients").
CARE_SUBJECTS = re.compile(r"\b(?:patient|resident|usager|malade|hospitalise|pris(?:e|es)? en charge|care recipient)")

PROCESSOR_FIELDS = (
    ("controller_contact", "register.contact_missing"),
    ("controllers_served", "register.controllers_served_missing"),
    ("purposes", "register.purposes_missing"),
    ("security_measures", "register.security_measures_missing"),
)


def check(chain: Chain) -> Iterator[Finding]:
    if not chain.personal:
        return
    processing = chain.processing
    controller = processing.role is Role.CONTROLLER
    for name, code in CONTROLLER_FIELDS if controller else PROCESSOR_FIELDS:
        if _is_blank(getattr(processing, name)):
            yield make_finding(code)
    if controller:
        if processing.health_data and not processing.art9_condition.strip():
            yield make_finding("register.art9_condition_missing")
        yield from _dpia_findings(chain)

    unprotected = sorted({
        transfer.country
        for transfer in processing.transfers
        if transfer.country not in EEA
        and adequacy_decision(transfer.country, chain.on) is None
        and not transfer.safeguard.strip()
    })
    if unprotected:
        yield make_finding("register.transfer_safeguard_missing", countries=", ".join(unprotected))

    listed = {transfer.country for transfer in processing.transfers}
    for view in chain.supplier_views:
        link = view.link
        countries = set(link.storage_countries)
        countries.update(access.country for access in link.remote_access)
        unlisted = sorted(countries - EEA - listed)
        if unlisted:
            yield make_finding(
                "register.transfer_not_listed", link=link.id, supplier=view.supplier,
                actor=view.actor.name, countries=", ".join(unlisted),
            )


def _dpia_findings(chain: Chain) -> Iterator[Finding]:
    processing = chain.processing
    if is_establishment_care(chain.organisation.kind, processing):
        if not processing.dpia_done:
            yield make_finding("register.dpia_required_care")
    elif processing.dpia_required is None:
        yield make_finding("register.dpia_unknown")
    elif processing.dpia_required and not processing.dpia_done:
        yield make_finding("register.dpia_missing")


def is_establishment_care(kind: OrganisationKind, processing: ProcessingFacts) -> bool:
    """A health establishment's patient-care processing (on the CNIL list of délibération
    n° 2018-327): health data as controller, patients among the data subjects when recorded."""
    if kind is not OrganisationKind.HEALTH_ESTABLISHMENT or not processing.health_data:
        return False
    subjects = [fold(category) for category in processing.data_subject_categories if category.strip()]
    return not subjects or any(CARE_SUBJECTS.search(subject) for subject in subjects)


def _is_blank(value: str | tuple[str, ...]) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return not any(item.strip() for item in value)
