"""Rule 1, scope: does HDS certification apply to this processing at all?

- Anonymised data are not personal data: nothing applies (`scope.anonymised`). "Anonymised"
  with identifying data among the data categories (identity, NIR, contact details) is a
  contradiction, not an exemption (`scope.anonymised_contradiction`, missing information): the
  data are then evaluated as personal data.
- Personal data that are not health data: HDS does not apply (`scope.not_health_data`); the GDPR
  rules (register, DPA) still run.
- Identified or pseudonymised health data: every supplier in the chain hosts for a third party
  and is in scope, whatever the declared hosting mode (CSP L.1111-8: anything a professional
  outsources brings that provider into scope). The organisation's own links are in scope only
  when it acts for others (software editor, hosting provider, processor role), or hosts the
  data on behalf of the patients themselves (CSP L.1111-8 I, `hosts_for_patients`).
- A health professional, establishment or other controller self-hosting its own data with no
  supplier: not applicable, and the GDPR duties of self-hosting are listed as information.
- Hosting mode unknown and nothing in the chain decides: undetermined (incomplete).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import StrEnum
from typing import TYPE_CHECKING

from ..findings import Finding, Localised, make_finding
from ..inputs import HostingMode, Identifiability, OrganisationKind
from ..text import fold

if TYPE_CHECKING:
    from ..chain import Chain


class Scope(StrEnum):
    APPLIES = "applies"
    NOT_APPLICABLE = "not_applicable"
    UNDETERMINED = "undetermined"


SELF_HOSTING_DUTIES = (
    "scope.self_hosting_security",
    "scope.self_hosting_register",
    "scope.self_hosting_patient_rights",
    "scope.self_hosting_privacy_notice",
    "scope.self_hosting_backups",
)


# Data categories that identify a person, matched on words of the folded text as registers write
# them ("Identité", "NIR", "Numéro de sécurité sociale", "Coordonnées", "Adresse e-mail"...). A bare
# "nom" is left out: "nom du médicament" names no one.
IDENTIFYING_CATEGORIES = re.compile(
    r"\b(?:identite|identity|identities|identification|etat civil|prenoms?|surnames?"
    r"|noms?(?: de famille| de naissance| d'usage)|(?:full|first|last) names?"
    r"|nir|ins|identifiant national de sante|numero de securite sociale|securite sociale|social security"
    r"|coordonnees|contacts?|adresses?|address(?:es)?|telephones?|phones?|e-?mails?|courriels?)\b"
)

SELF_HOSTING_BY_KIND = {
    OrganisationKind.HEALTH_PROFESSIONAL: Localised(
        "Les données de vos propres patients sont hébergées sur vos propres équipements",
        "Your own patients' data are hosted on your own equipment",
    ),
    OrganisationKind.HEALTH_ESTABLISHMENT: Localised(
        "L'établissement héberge les données de ses propres patients sur son propre système d'information",
        "The establishment hosts its own patients' data on its own information system",
    ),
}
SELF_HOSTING_OTHERWISE = Localised(
    "Vous hébergez vous-même, pour votre propre compte, les données de santé que vous traitez",
    "You host the health data you process yourself, on your own behalf",
)


def identifying_categories(data_categories: tuple[str, ...]) -> list[str]:
    """The data categories, as written, that identify a person."""
    return [category.strip() for category in data_categories if IDENTIFYING_CATEGORIES.search(fold(category))]


def decide_scope(chain: Chain) -> Scope:
    if not chain.health:
        return Scope.NOT_APPLICABLE
    mode = chain.processing.hosting_mode
    if chain.hds_views or chain.hosts_for_others or mode is HostingMode.OUTSOURCED:
        return Scope.APPLIES
    if mode is HostingMode.SELF_HOSTED:
        return Scope.NOT_APPLICABLE
    return Scope.UNDETERMINED


def check(chain: Chain) -> Iterator[Finding]:
    processing = chain.processing
    if not chain.personal:
        yield make_finding("scope.anonymised")
        return
    if chain.anonymised_contradiction:
        yield make_finding(
            "scope.anonymised_contradiction", categories=", ".join(identifying_categories(processing.data_categories))
        )
    if not processing.health_data:
        yield make_finding("scope.not_health_data")
        return
    if processing.hosting_mode is None:
        yield make_finding("scope.hosting_mode_unknown")
    if chain.self_hosting_own_data:
        if chain.scope is Scope.NOT_APPLICABLE:
            self_hosting = SELF_HOSTING_BY_KIND.get(chain.organisation.kind, SELF_HOSTING_OTHERWISE)
            yield make_finding("scope.self_hosted_own_patients", self_hosting=self_hosting)
        for code in SELF_HOSTING_DUTIES:
            yield make_finding(code)
    if chain.scope is not Scope.APPLIES:
        return
    if processing.identifiability is Identifiability.PSEUDONYMISED:
        yield make_finding("scope.pseudonymised_in_scope")
    if not chain.views:
        yield make_finding("scope.chain_empty")
    elif processing.hosting_mode is HostingMode.OUTSOURCED and not chain.supplier_views:
        yield make_finding("scope.outsourced_without_supplier")
