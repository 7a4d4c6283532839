"""Rule 1, scope: does HDS certification apply to this processing at all?

- Anonymised data are not personal data: nothing applies (`scope.anonymised`).
- Personal data that are not health data: HDS does not apply (`scope.not_health_data`); the GDPR
  rules (register, DPA) still run.
- Identified or pseudonymised health data: every supplier in the chain hosts for a third party
  and is in scope, whatever the declared hosting mode (CSP L.1111-8: anything a professional
  outsources brings that provider into scope). The organisation's own links are in scope only
  when it acts for others (software editor, hosting provider, or processor role).
- A health professional, establishment or other controller self-hosting its own data with no
  supplier: not applicable, and the GDPR duties of self-hosting are listed as information.
- Hosting mode unknown and nothing in the chain decides: undetermined (incomplete).
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import TYPE_CHECKING

from ..findings import Finding, make_finding
from ..inputs import HostingMode, Identifiability

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
    if not processing.health_data:
        yield make_finding("scope.not_health_data")
        return
    if processing.hosting_mode is None:
        yield make_finding("scope.hosting_mode_unknown")
    if chain.self_hosting_own_data:
        if chain.scope is Scope.NOT_APPLICABLE:
            yield make_finding("scope.self_hosted_own_patients")
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
