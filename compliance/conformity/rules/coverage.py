"""Rule 2, coverage: each supplier activity is covered by that supplier's own valid certificate.

Certification is not transitive: a parent's or a datacenter's certificate never covers another
actor. The one exception is a link marked `exempt_under_parent` (a subcontractor controlled by
the certified host and audited within its certification): its activity counts as covered when
the parent link's actor holds a valid certificate for it and the exemption evidence is on file
(`coverage.exempt_under_parent`, info, once per link). Without the evidence the activity is
reported as an error (`coverage.exemption_unproven`): as far as the file shows, an uncertified
actor performs it, and the customer's duty is precisely to be able to show otherwise. When the
parent is not certified for the activity either, or the link has no parent, the exemption
cannot help and the activity is simply not covered.

One finding per (link, uncovered activity). The organisation's own links are reported by the
`own_certificate` rule; a link in scope with no activity recorded is missing information.

A certificate has a perimeter (the offer or service it certifies). When the actor holds two or
more valid certificates with different perimeters that could each cover an activity of the
link, and the link names none of them, which one the service used falls under is unknown: one
finding per link (`coverage.certificate_ambiguous`, missing information, for the organisation's
own links too) names the activities and the candidates, until someone names the certificate on
the link. It is not an error: a valid certificate does cover the activity, only which one is
not known yet (see `chain` for how a certificate is chosen).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding, make_finding
from ..views import Outcome, Resolution

if TYPE_CHECKING:
    from ..chain import Chain


def check(chain: Chain) -> Iterator[Finding]:
    for view in chain.hds_views:
        context = {"link": view.link.id, "supplier": view.supplier, "actor": view.actor.name}
        if not view.activities:
            yield make_finding("coverage.link_activities_missing", **context)
            continue
        exempted = False
        ambiguous = [resolution for resolution in view.resolutions if resolution.outcome is Outcome.AMBIGUOUS]
        if ambiguous:
            yield make_finding(
                "coverage.certificate_ambiguous", activities=", ".join(str(r.activity) for r in ambiguous),
                candidates=_candidates(ambiguous), **context,
            )
        for resolution in view.resolutions:
            if resolution.outcome is Outcome.PARENT:
                exempted = True
            elif resolution.outcome is Outcome.UNPROVEN_EXEMPTION:
                yield make_finding(
                    "coverage.exemption_unproven", activity=resolution.activity,
                    parent=chain.actor(view.parent.actor).name, **context,
                )
            elif resolution.outcome is Outcome.NONE and view.supplier is not None:
                yield make_finding("coverage.activity_not_covered", activity=resolution.activity, **context)
        if exempted:
            yield make_finding("coverage.exempt_under_parent", parent=chain.actor(view.parent.actor).name, **context)


def _candidates(resolutions: list[Resolution]) -> str:
    """The candidate certificates, each once, as "number — perimeter", by id."""
    seen = {}
    for resolution in resolutions:
        for certificate in resolution.candidates:
            seen.setdefault(certificate.id, certificate)
    return " ; ".join(
        f"{certificate.number} — {certificate.perimeter.strip()}" if certificate.perimeter.strip()
        else certificate.number
        for _id, certificate in sorted(seen.items())
    )
