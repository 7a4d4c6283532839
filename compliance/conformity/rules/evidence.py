"""Rule 8, evidence on file.

Contracts are checked on direct contractors only (a link without parent, or whose parent is the
organisation itself): the organisation signs with them, and they bind their own subcontractors
(CSP R.1111-11 7°, GDPR art. 28(4)).

- hosting contract (CSP L.1111-8, clauses of R.1111-11): required when HDS applies, i.e. for
  health data; missing is an error, since the contract is a legal condition of hosting;
- data processing agreement (GDPR art. 28(3)): required whenever personal data go to a
  processor, health data or not; missing is an error;
- each certificate used for coverage, on a link in HDS scope: a warning when it is not on file
  (and not taken from the registry), and when it expires within `EXPIRY_HORIZON_DAYS` (days left
  given).

`changes_on` gives the dates on which these findings turn with time alone (see
`engine.valid_until`): a relied-on certificate entering the horizon, then every day inside it
(the days left are in the message), and a dated document starting or ending (the loader's
`LinkFacts.documents_change_on`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ..findings import Finding, make_finding
from ..horizons import EXPIRY_HORIZON_DAYS
from ..inputs import CertificateSource
from ..views import Outcome

if TYPE_CHECKING:
    from ..chain import Chain

DAY = timedelta(days=1)
HORIZON = timedelta(days=EXPIRY_HORIZON_DAYS)


def check(chain: Chain) -> Iterator[Finding]:
    if not chain.personal:
        return
    for view in chain.supplier_views:
        if not view.direct:
            continue
        context = {"link": view.link.id, "supplier": view.supplier, "actor": view.actor.name}
        if chain.health and not view.link.has_hosting_contract:
            yield make_finding("evidence.hosting_contract_missing", **context)
        if not view.link.has_dpa:
            yield make_finding("evidence.dpa_missing", **context)
    for view in chain.hds_views:
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
