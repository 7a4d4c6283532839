"""Rule 7, sovereignty (HDS referential v2, EXI 28 to 30), for every link in HDS scope.

- A link storing health data must record its storage countries (unknown: incomplete) and they
  must all be in the EEA (EU with its outermost regions and the Åland Islands, Iceland,
  Liechtenstein, Norway); one error per link listing the countries outside it.
- Remote access from outside the EEA (EXI 29) is lawful under an adequacy decision in force on
  the evaluation date (GDPR art. 45, `adequacy`) or documented safeguards (art. 46). A decision
  applies by itself: access from such a country needs no typed basis and is reported as
  information naming the decision. With no decision in force, access with no basis, or with
  adequacy claimed, is an error. The US decision (Data Privacy Framework) covers only certified
  organisations: until the actor's certification is recorded, the access is missing information,
  unless safeguards are documented.
- An actor exposed to non-EU law (flagged, or seated in a third country without an adequacy
  decision covering it) must have the laws named and the mitigations and residual risk
  documented (EXI 30). This is a warning, not an error: EXI 30 asks the host to disclose the
  exposure in the contract, and the exposure itself is not unlawful; what the customer lacks is
  the documentation to weigh it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING

from ..adequacy import AdequacyDecision, adequacy_decision, adequate_for, decision_changes_on
from ..findings import Finding, Localised, make_finding
from ..geography import EEA
from ..inputs import ActorFacts, LinkFacts, TransferBasis

if TYPE_CHECKING:
    from ..chain import Chain


def check(chain: Chain) -> Iterator[Finding]:
    for view in chain.hds_views:
        context = {"link": view.link.id, "supplier": view.supplier, "actor": view.actor.name}
        yield from _storage_findings(view.link, context)
        yield from _remote_access_findings(view.link, view.actor, chain.on, context)
        yield from _non_eu_law_findings(view.actor, chain.on, context)


def changes_on(chain: Chain) -> Iterator[date]:
    """Adequacy decisions have dates: the day one takes effect or lapses for a country remote
    access comes from, an actor is seated in, or the register lists a transfer to (the register
    rule reads them too), the answer may change (see `engine.valid_until`)."""
    countries = {transfer.country for transfer in chain.processing.transfers}
    for view in chain.hds_views:
        countries.update(access.country for access in view.link.remote_access)
        countries.add(view.actor.country)
    for country in sorted(countries - EEA - {""}):
        yield from decision_changes_on(country, chain.on)


def _storage_findings(link: LinkFacts, context: dict) -> Iterator[Finding]:
    """Where a link storing health data stores it: recorded, and inside the EEA."""
    if not link.stores_health_data:
        return
    outside = set(link.storage_countries) - EEA
    if not link.storage_countries:
        yield make_finding("sovereignty.storage_location_unknown", **context)
    elif outside:
        yield make_finding("sovereignty.storage_outside_eea", countries=_listed(outside), **context)


def _remote_access_findings(link: LinkFacts, actor: ActorFacts, on: date, context: dict) -> Iterator[Finding]:
    """One finding per kind of answer, listing the countries remote access comes from."""
    without_basis: list[str] = []
    no_adequacy: list[str] = []
    certification_unrecorded: list[AdequacyDecision] = []
    under_adequacy: list[AdequacyDecision] = []
    for access in link.remote_access:
        if access.country in EEA or access.basis is TransferBasis.SAFEGUARDS:
            continue
        decision = adequacy_decision(access.country, on)
        if decision is None:
            (without_basis if access.basis is TransferBasis.NONE else no_adequacy).append(access.country)
        elif decision.requires_certification and not actor.dpf_certified:
            certification_unrecorded.append(decision)
        else:
            under_adequacy.append(decision)
    if without_basis:
        yield make_finding(
            "sovereignty.remote_access_without_basis", countries=_listed(without_basis), **context
        )
    if no_adequacy:
        yield make_finding("sovereignty.remote_access_no_adequacy", countries=_listed(no_adequacy), **context)
    if certification_unrecorded:
        yield make_finding(
            "sovereignty.remote_access_dpf_check", countries=_listed(d.country for d in certification_unrecorded),
            decisions=_cited(certification_unrecorded), **context,
        )
    if under_adequacy:
        yield make_finding("sovereignty.remote_access_adequacy", decisions=_cited(under_adequacy), **context)


def _non_eu_law_findings(actor: ActorFacts, on: date, context: dict) -> Iterator[Finding]:
    """An actor exposed to non-EU law: the laws named, then the mitigations documented."""
    if not is_exposed_to_non_eu_law(actor, on):
        return
    laws = [law.strip() for law in actor.non_eu_laws if law.strip()]
    if not laws:
        yield make_finding("sovereignty.non_eu_law_unnamed", **context)
    elif not actor.non_eu_law_mitigations:
        yield make_finding("sovereignty.non_eu_law_unmitigated", laws=", ".join(laws), **context)


def is_exposed_to_non_eu_law(actor: ActorFacts, on: date) -> bool:
    """Flagged, or seated in a third country with no adequacy decision covering the actor on `on`."""
    if actor.subject_to_non_eu_law:
        return True
    country = actor.country
    return bool(country) and country not in EEA and not adequate_for(country, on, certified=actor.dpf_certified)


def _cited(decisions: Iterable[AdequacyDecision]) -> Localised:
    unique = sorted(set(decisions), key=lambda decision: (decision.country, decision.in_force_from))
    return Localised(" ; ".join(d.cited_fr() for d in unique), "; ".join(d.cited_en() for d in unique))


def _listed(countries: Iterable[str]) -> str:
    return ", ".join(sorted(set(countries)))
