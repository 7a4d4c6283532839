"""Rule 6, agreement with the official ANS list of certified hosts: the official list outranks a claim.

Applies to supplier links in HDS scope (the organisation itself has no registry match). A
"claimed" certificate is one used for coverage that does not come from the registry (source
document or manual):

- no registry match, certificate claimed: warning, the supplier has not been matched with the
  official list (nobody confirmed which host of the list it is, so nothing says it is absent);
- match only suggested: information, and the result stays incomplete until someone confirms;
- match confirmed, host removed from the list: error, whatever the certificate's source (the
  removal usually means suspension, withdrawal or non-renewal);
- match confirmed, host absent from the latest list, certificate claimed: the list contradicts
  the claim, incomplete until someone checks, both versions shown;
- match confirmed and present: a claimed activity the list does not show (one finding per
  activity, with the activities the list shows), or a list end date earlier than the claimed
  certificate's (already past: `registry.expired_in_list`; still ahead:
  `registry.end_date_earlier_in_list`), each incomplete with both versions shown.

Why incomplete and not an error: the list is published with a delay and a renewal may not be on
it yet, so the contradiction is a question to the supplier, not a proof; but the official list
outranks a supplier's own document, so the chain cannot read compliant until the question is
answered.

`changes_on` gives the day after the list's expiry date of each confirmed host present in the
list: `registry.end_date_earlier_in_list` turns into `registry.expired_in_list` then (see
`engine.valid_until`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ..findings import Finding, make_finding
from ..inputs import CertificateFacts, CertificateSource, RegistryMatch, RegistryView
from ..views import Outcome

if TYPE_CHECKING:
    from ..chain import Chain


def check(chain: Chain) -> Iterator[Finding]:
    for view in chain.hds_views:
        if view.supplier is None:
            continue
        actor = view.actor
        claimed: dict[int, CertificateFacts] = {}
        claimed_activities: list[tuple[int, CertificateFacts]] = []
        for resolution in view.resolutions:
            certificate = resolution.certificate
            if resolution.outcome is Outcome.OWN and certificate.source is not CertificateSource.REGISTRY:
                claimed.setdefault(certificate.id, certificate)
                claimed_activities.append((resolution.activity, certificate))
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
        latest = max(claimed.values(), key=lambda certificate: (certificate.expires_on, certificate.id))
        if listed is None:
            yield make_finding("registry.not_found", **context)
        elif not listed.present:
            yield make_finding(
                "registry.host_absent", number=_numbers(claimed), expires_on=latest.expires_on,
                activities=_activities(activity for activity, _certificate in claimed_activities), **context,
            )
        else:
            yield from _contradictions(listed, claimed_activities, latest, chain.on, context)


def _contradictions(
    listed: RegistryView, claimed_activities: list[tuple[int, CertificateFacts]], latest: CertificateFacts,
    on: date, context: dict,
) -> Iterator[Finding]:
    """What the list says against a claim: activities it does not show, an earlier end date."""
    for activity, certificate in claimed_activities:
        if activity not in listed.activities:
            yield make_finding(
                "registry.activities_narrower", activity=activity, number=certificate.number,
                listed_activities=_activities(listed.activities), **context,
            )
    if listed.expires_on is not None and listed.expires_on < latest.expires_on:
        code = "registry.expired_in_list" if listed.expires_on < on else "registry.end_date_earlier_in_list"
        yield make_finding(
            code, registry_expires_on=listed.expires_on, expires_on=latest.expires_on, number=latest.number,
            **context,
        )


def _numbers(claimed: dict[int, CertificateFacts]) -> str:
    return ", ".join(claimed[key].number for key in sorted(claimed))


def _activities(activities) -> str:
    return ", ".join(map(str, sorted(set(activities)))) or "—"


def changes_on(chain: Chain) -> Iterator[date]:
    for view in chain.hds_views:
        listed = view.actor.registry if view.supplier is not None else None
        if listed is not None and listed.present and listed.expires_on is not None and listed.expires_on >= chain.on:
            yield listed.expires_on + timedelta(days=1)
