"""Rule 8, evidence on file, and what the hosting contracts say.

Contracts are checked on direct contractors only (a link without parent, or whose parent is the
organisation itself): the organisation signs with them, and they bind their own subcontractors
(CSP R.1111-11 7°, GDPR art. 28(4)).

- hosting contract (CSP L.1111-8, clauses of R.1111-11): required when HDS applies, i.e. for
  health data; missing is an error, since the contract is a legal condition of hosting. A link
  whose actor is proven not to host at all (approved archiving service, short-term processing:
  see `coverage`) owes no HDS hosting contract;
- data processing agreement (GDPR art. 28(3)): required whenever personal data go to a
  processor, health data or not; missing is an error;
- each certificate used for coverage, on a link in HDS scope: a warning when it is not on file
  (and not taken from the registry), and when it expires within `EXPIRY_HORIZON_DAYS` (days left
  given).

What the contract says (CSP R.1111-11). The article lists the clauses a hosting contract
comprises "at least", 1° to 14° (`ContractClause`): a file called "contract" proves nothing until
someone has checked them. So, for each hosting contract on file:

- clauses not checked yet (`evidence.contract_clauses_unchecked`): a warning marking missing
  information (incomplete), not an error. The contract may well be complete; the file does not say.
- clauses checked and some missing (`evidence.contract_clauses_missing`, one finding per link
  listing them): an error. Every clause of R.1111-11 is mandatory, not only the four most often
  missing (1° certificate perimeter and dates, 3° hosting locations, 7° subcontractors, 12°–14°
  reversibility); a contract without one of them is not the contract L.1111-8 makes a condition
  of hosting, and what is missing has been established, not merely left unknown.
- 3° checked but the locations it names not recorded (`evidence.contract_locations_unrecorded`):
  missing information, since the storage countries cannot be compared with it.
- a country where the data are stored that the contract does not name
  (`evidence.contract_location_mismatch`): an error. Data stored in a place the contract does not
  indicate are hosted outside what R.1111-11 3° makes the host commit to; either the chain or
  the contract is wrong, and until one is corrected the file shows hosting the contract does not
  cover. The countries compared are those of the link and of the links under it (the contractor
  answers for its subcontractors, 7°).

Several valid contracts with the same actor (a framework contract and one for this processing)
are read together: the clauses and locations are the union of those checked.

When the organisation is itself the host (software editor, hosting provider, or processor role:
its own links are then in HDS scope), its own hosting contract with the controllers it serves is
checked the same way: missing is `evidence.own_hosting_contract_missing` (error, L.1111-8 binds
the host as much as its customer), and its clauses and locations as above, the locations compared
with every country where the chain stores the data. One finding per processing, on the first
link of the organisation itself; an own exemption (approved archiving, short-term processing)
proven on file makes it unnecessary.

`changes_on` gives the dates on which these findings turn with time alone (see
`engine.valid_until`): a relied-on certificate entering the horizon, then every day inside it
(the days left are in the message), and a dated document starting or ending (the loader's
`LinkFacts.documents_change_on`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ..findings import CONTRACT_CLAUSE_LABELS_EN, CONTRACT_CLAUSE_LABELS_FR, Finding, Localised, make_finding
from ..horizons import EXPIRY_HORIZON_DAYS
from ..inputs import ALL_CONTRACT_CLAUSES, CertificateSource, ContractClause, LinkFacts
from ..views import LinkView, Outcome

if TYPE_CHECKING:
    from ..chain import Chain

DAY = timedelta(days=1)
HORIZON = timedelta(days=EXPIRY_HORIZON_DAYS)
CLAUSES = tuple(ContractClause)  # iterating the enum class itself is slow, and this runs per link
CLAUSE_NUMBERS = {clause: number for number, clause in enumerate(CLAUSES, start=1)}


def check(chain: Chain) -> Iterator[Finding]:
    if not chain.personal:
        return
    storage_below = _StorageBelow(chain)
    for view in chain.supplier_views:
        if not view.direct:
            continue
        context = {"link": view.link.id, "supplier": view.supplier, "actor": view.actor.name}
        if chain.health and not view.not_hosting:
            if not view.link.has_hosting_contract:
                yield make_finding("evidence.hosting_contract_missing", **context)
            else:
                contract = Localised(f"Le contrat d'hébergement avec {view.actor.name}",
                                     f"The hosting contract with {view.actor.name}")
                yield from _contract_terms(view.link, storage_below(view.link), {**context, "contract": contract})
        if not view.link.has_dpa:
            yield make_finding("evidence.dpa_missing", **context)
    yield from _own_contract(chain)
    yield from _certificate_documents(chain)


def _own_contract(chain: Chain) -> Iterator[Finding]:
    """The organisation's own hosting contract with the controllers it serves, when it is a host."""
    own = next((view for view in chain.hds_views if view.supplier is None), None)
    if own is None or own.not_hosting:
        return
    context = {"link": own.link.id, "supplier": None, "actor": own.actor.name}
    if not own.link.has_hosting_contract:
        yield make_finding("evidence.own_hosting_contract_missing", **context)
        return
    contract = Localised("Votre contrat d'hébergement avec les responsables de traitement que vous servez",
                         "Your hosting contract with the controllers you serve")
    storage = _stored_in(view.link for view in chain.views)
    yield from _contract_terms(own.link, storage, {**context, "contract": contract})


def _contract_terms(link: LinkFacts, storage: set[str], context: dict) -> Iterator[Finding]:
    """The clauses (R.1111-11 1° to 14°) and hosting locations (3°) of the contracts on file."""
    clauses = link.contract_clauses
    if clauses is None:
        yield make_finding("evidence.contract_clauses_unchecked", **context)
        return
    missing = [] if clauses >= ALL_CONTRACT_CLAUSES else [clause for clause in CLAUSES if clause not in clauses]
    if missing:
        yield make_finding(
            "evidence.contract_clauses_missing",
            clauses=Localised(_clause_list(missing, CONTRACT_CLAUSE_LABELS_FR),
                              _clause_list(missing, CONTRACT_CLAUSE_LABELS_EN)), **context,
        )
    if ContractClause.HOSTING_LOCATIONS not in clauses:
        return
    if not link.contract_locations:
        yield make_finding("evidence.contract_locations_unrecorded", **context)
        return
    outside = sorted(storage - set(link.contract_locations))
    if outside:
        yield make_finding("evidence.contract_location_mismatch", countries=", ".join(outside),
                           named=", ".join(link.contract_locations), **context)


def _clause_list(clauses: list[ContractClause], labels: dict[ContractClause, str]) -> str:
    return "; ".join(f"{CLAUSE_NUMBERS[clause]}° {labels[clause]}" for clause in clauses)


def _stored_in(links: Iterable[LinkFacts]) -> set[str]:
    """The countries where these links store health data."""
    return {country for link in links if link.stores_health_data for country in link.storage_countries}


class _StorageBelow:
    """Where a link and the links under it (its subcontractors, at any depth) store the data,
    computed once per link of the chain."""

    def __init__(self, chain: Chain) -> None:
        self._children: dict[int, list[LinkFacts]] = {}
        for view in chain.views:
            if view.link.parent_id is not None:
                self._children.setdefault(view.link.parent_id, []).append(view.link)
        self._known: dict[int, frozenset[str]] = {}

    def __call__(self, top: LinkFacts) -> set[str]:
        return set(self._below(top, set()))

    def _below(self, link: LinkFacts, visiting: set[int]) -> frozenset[str]:
        known = self._known.get(link.id)
        if known is not None:
            return known
        visiting.add(link.id)  # a malformed chain may loop: never walk into a link being walked
        countries = set(link.storage_countries) if link.stores_health_data else set()
        for child in self._children.get(link.id, ()):
            if child.id not in visiting:
                countries |= self._below(child, visiting)
        visiting.discard(link.id)
        known = self._known[link.id] = frozenset(countries)
        return known


def _certificate_documents(chain: Chain) -> Iterator[Finding]:
    for view in chain.hds_views:
        yield from _certificate_document_findings(chain, view)


def _certificate_document_findings(chain: Chain, view: LinkView) -> Iterator[Finding]:
    context = {"link": view.link.id, "supplier": view.supplier, "actor": view.actor.name}
    seen: set[int] = set()
    for resolution in view.resolutions:
        certificate = resolution.certificate
        if resolution.outcome is not Outcome.OWN or certificate.id in seen:
            continue
        seen.add(certificate.id)
        if not certificate.has_document and certificate.source is not CertificateSource.REGISTRY:
            yield make_finding(
                "evidence.certificate_document_missing", number=certificate.number, **context
            )
        days_left = (certificate.expires_on - chain.on).days
        if days_left <= EXPIRY_HORIZON_DAYS:
            yield make_finding(
                "evidence.certificate_expiring", number=certificate.number,
                expires_on=certificate.expires_on, days=days_left, **context,
            )


def changes_on(chain: Chain) -> Iterator[date]:
    for view in chain.hds_views:
        for resolution in view.resolutions:
            if resolution.outcome is Outcome.OWN:
                enters_horizon = resolution.certificate.expires_on - HORIZON
                yield enters_horizon if enters_horizon > chain.on else chain.on + DAY
    for view in chain.views:
        if view.link.documents_change_on is not None:
            yield view.link.documents_change_on
