"""Rule 7, sovereignty (HDS referential v2, EXI 28 to 30), for every link in HDS scope.

- A link storing health data must record its storage countries (unknown: incomplete) and they
  must all be in the EEA (EU, its outermost regions, Iceland, Liechtenstein, Norway); one error
  per link listing the countries outside it.
- Remote access from outside the EEA needs an adequacy decision for that country (GDPR art. 45)
  or documented safeguards (art. 46). No basis, or adequacy claimed for a country without a
  decision: error. Adequacy for the United States holds only for organisations certified under
  the Data Privacy Framework: an information finding asks to check it.
- An actor subject to non-EU law (flagged, or seated outside the EEA) must have the laws named
  and the mitigations and residual risk documented. This is a warning, not an error: EXI 30 asks
  the host to disclose the exposure in the contract, and the exposure itself is not unlawful;
  what the customer lacks is the documentation to weigh it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..findings import Finding, make_finding
from ..geography import ADEQUACY_BY_SELF_CERTIFICATION, ADEQUACY_COUNTRIES, EEA
from ..inputs import ActorFacts, LinkFacts, RemoteAccess, TransferBasis

if TYPE_CHECKING:
    from ..chain import Chain


def check(chain: Chain) -> Iterator[Finding]:
    for view in chain.hds_views:
        context = {"link": view.link.id, "supplier": view.supplier, "actor": view.actor.name}
        yield from _storage_findings(view.link, context)
        yield from _remote_access_findings(view.link, context)
        yield from _non_eu_law_findings(view.actor, context)


def _storage_findings(link: LinkFacts, context: dict) -> Iterator[Finding]:
    """Where a link storing health data stores it: recorded, and inside the EEA."""
    if not link.stores_health_data:
        return
    outside = set(link.storage_countries) - EEA
    if not link.storage_countries:
        yield make_finding("sovereignty.storage_location_unknown", **context)
    elif outside:
        yield make_finding("sovereignty.storage_outside_eea", countries=_listed(outside), **context)


def _remote_access_findings(link: LinkFacts, context: dict) -> Iterator[Finding]:
    """One finding per kind of problem, listing the countries remote access comes from."""
    without_basis, no_adequacy, self_certification = _remote_access_problems(link.remote_access)
    if without_basis:
        yield make_finding(
            "sovereignty.remote_access_without_basis", countries=_listed(without_basis), **context
        )
    if no_adequacy:
        yield make_finding(
            "sovereignty.remote_access_no_adequacy", countries=_listed(no_adequacy), **context
        )
    if self_certification:
        yield make_finding(
            "sovereignty.remote_access_dpf_check", countries=_listed(self_certification), **context
        )


def _remote_access_problems(accesses: Iterable[RemoteAccess]) -> tuple[list[str], list[str], list[str]]:
    """The countries outside the EEA accessing with no basis, with adequacy claimed where there is no
    decision, and with adequacy that holds only for self-certified (DPF) organisations."""
    without_basis, no_adequacy, self_certification = [], [], []
    for access in accesses:
        if access.country in EEA:
            continue
        if access.basis is TransferBasis.NONE:
            without_basis.append(access.country)
        elif access.basis is TransferBasis.ADEQUACY:
            if access.country not in ADEQUACY_COUNTRIES:
                no_adequacy.append(access.country)
            elif access.country in ADEQUACY_BY_SELF_CERTIFICATION:
                self_certification.append(access.country)
    return without_basis, no_adequacy, self_certification


def _non_eu_law_findings(actor: ActorFacts, context: dict) -> Iterator[Finding]:
    """An actor exposed to non-EU law: the laws named, then the mitigations documented."""
    if not is_exposed_to_non_eu_law(actor):
        return
    laws = [law.strip() for law in actor.non_eu_laws if law.strip()]
    if not laws:
        yield make_finding("sovereignty.non_eu_law_unnamed", **context)
    elif not actor.non_eu_law_mitigations:
        yield make_finding("sovereignty.non_eu_law_unmitigated", laws=", ".join(laws), **context)


def is_exposed_to_non_eu_law(actor: ActorFacts) -> bool:
    return actor.subject_to_non_eu_law or bool(actor.country and actor.country not in EEA)


def _listed(countries: Iterable[str]) -> str:
    return ", ".join(sorted(set(countries)))
