"""Rule 6, agreement with the official ANS list of certified hosts.

Applies to supplier links in HDS scope (the organisation itself has no registry match). A
"claimed" certificate is one used for coverage that does not come from the registry (source
document or manual):

- no registry match, certificate claimed: warning, not found in the official list;
- match only suggested: information, and the result stays incomplete until someone confirms;
- match confirmed, host removed from the list: error, whatever the certificate's source (the
  removal usually means suspension, withdrawal or non-renewal);
- match confirmed, host absent from the latest list, certificate claimed: warning;
- match confirmed and present: a claimed activity the list does not show (one warning per
  activity), or a list entry expired before the evaluation date while the claimed certificate
  runs on: warning.

`changes_on` gives the day after the list's expiry date of each confirmed host present in the
list: `registry.expired_in_list` may appear then (see `engine.valid_until`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ..findings import Finding, make_finding
from ..inputs import CertificateSource, RegistryMatch
from ..views import Outcome

if TYPE_CHECKING:
    from ..chain import Chain


def check(chain: Chain) -> Iterator[Finding]:
    for view in chain.hds_views:
        if view.supplier is None:
            continue
        actor = view.actor
        claimed = [
            resolution
            for resolution in view.resolutions
            if resolution.outcome is Outcome.OWN
            and resolution.certificate.source is not CertificateSource.REGISTRY
        ]
        context = {"link": view.link.id, "supplier": view.supplier, "actor": actor.name}
        if actor.registry_match is RegistryMatch.SUGGESTED:
            yield make_finding("registry.match_suggested", **context)
            continue
        listed = actor.registry
        if listed is not None and listed.removed:
            yield make_finding("registry.host_removed", **context)
            continue
        if not claimed:
            continue
        if listed is None:
            yield make_finding("registry.not_found", **context)
        elif not listed.present:
            yield make_finding("registry.host_absent", **context)
        else:
            for resolution in claimed:
                if resolution.activity not in listed.activities:
                    yield make_finding(
                        "registry.activities_narrower", activity=resolution.activity, **context
                    )
            claimed_expiry = max(resolution.certificate.expires_on for resolution in claimed)
            if listed.expires_on is not None and listed.expires_on < chain.on:
                yield make_finding(
                    "registry.expired_in_list", registry_expires_on=listed.expires_on,
                    expires_on=claimed_expiry, **context,
                )


def changes_on(chain: Chain) -> Iterator[date]:
    for view in chain.hds_views:
        listed = view.actor.registry if view.supplier is not None else None
        if listed is not None and listed.present and listed.expires_on is not None and listed.expires_on >= chain.on:
            yield listed.expires_on + timedelta(days=1)
