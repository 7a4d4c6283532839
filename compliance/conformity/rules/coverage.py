"""Rule 2, coverage: each supplier activity is covered by that supplier's own valid certificate.

Certification is not transitive: a parent's or a datacenter's certificate never covers another
actor. Three exemptions exist (see `ExemptionReason`), each a reason recorded on the link (or, for
the organisation's own links, on the processing) **with its evidence**; a reason alone, like the
old checkbox alone, never exempts:

- `covered_by_parent_audit` (the older `exempt_under_parent`): a subcontractor controlled by the
  certified host and audited within its certification ("Exempté" in the HDS v2 guarantee tables,
  EXI 12/14). Its activity counts as covered when the parent link's actor holds a valid
  certificate for it and the evidence is on file (`coverage.exempt_under_parent`, info, once per
  link). When the parent is not certified for the activity either, or the link has no parent,
  the exemption cannot help and the activity is simply not covered.
- `archiving_approved`: an electronic archiving service approved by the Culture ministry needs
  that approval instead of an HDS certificate (CSP L.1111-8). With the approval on file, each
  activity of the link is exempt (`coverage.exempt_archiving_approved`, info, once per link).
- `short_term_processing`: short-term reception of the data for entry, formatting, printing or
  dematerialisation is not hosting (CSP R.1111-8-8 I). With the proof on file, each activity of
  the link is exempt (`coverage.exempt_short_term_processing`, info, once per link).

Without the evidence, each activity the exemption would cover is an error
(`coverage.exemption_unproven` for the parent's audit, `coverage.exemption_archiving_unproven`,
`coverage.exemption_short_term_unproven`): as far as the file shows, an uncertified actor
performs it, and the customer's duty (R.1111-8-8 II) is precisely to be able to show otherwise.
A certificate of the actor's own still covers what it covers: the exemption is only consulted for
the activities it leaves out.

One finding per (link, uncovered activity). The organisation's own links are reported by the
`own_certificate` rule when nothing covers them; their exemptions are reported here, since the
finding is about the exemption. A link in scope with no activity recorded is missing information.

A certificate has a perimeter (the offer or service it certifies). When the actor holds two or
more valid certificates with different perimeters that could each cover an activity of the
link, and the link names none of them, which one the service used falls under is unknown: one
finding per link (`coverage.certificate_ambiguous`, missing information, for the organisation's
own links too) names the activities and the candidates, until someone names the certificate on
the link. It is not an error: a valid certificate does cover the activity, only which one is
not known yet (see `chain` for how a certificate is chosen).

A provider linked on the instance shares its certificates with its clients (read-only copies that
follow it). Once the link ends or the share is withdrawn, the actor's certificates are not known
any more rather than known to be missing: its uncovered activities are one finding per link,
`coverage.provider_share_ended`, missing information, instead of `coverage.activity_not_covered`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding, make_finding
from ..inputs import ExemptionReason, ProviderShare
from ..views import Outcome, Resolution

if TYPE_CHECKING:
    from ..chain import Chain

EXEMPT_CODES = {
    ExemptionReason.COVERED_BY_PARENT_AUDIT: "coverage.exempt_under_parent",
    ExemptionReason.ARCHIVING_APPROVED: "coverage.exempt_archiving_approved",
    ExemptionReason.SHORT_TERM_PROCESSING: "coverage.exempt_short_term_processing",
}
UNPROVEN_CODES = {
    ExemptionReason.COVERED_BY_PARENT_AUDIT: "coverage.exemption_unproven",
    ExemptionReason.ARCHIVING_APPROVED: "coverage.exemption_archiving_unproven",
    ExemptionReason.SHORT_TERM_PROCESSING: "coverage.exemption_short_term_unproven",
}


def check(chain: Chain) -> Iterator[Finding]:
    for view in chain.hds_views:
        context = {"link": view.link.id, "supplier": view.supplier, "actor": view.actor.name}
        if not view.activities:
            yield make_finding("coverage.link_activities_missing", **context)
            continue
        if view.exemption is ExemptionReason.COVERED_BY_PARENT_AUDIT and view.parent is not None:
            context["parent"] = chain.actor(view.parent.actor).name
        exempted = False
        share_ended = view.actor.provider_share is ProviderShare.ENDED
        unknown: list[int] = []
        ambiguous = [resolution for resolution in view.resolutions if resolution.outcome is Outcome.AMBIGUOUS]
        if ambiguous:
            yield make_finding(
                "coverage.certificate_ambiguous", activities=", ".join(str(r.activity) for r in ambiguous),
                candidates=_candidates(ambiguous), **context,
            )
        for resolution in view.resolutions:
            if resolution.outcome in (Outcome.PARENT, Outcome.EXEMPT):
                exempted = True
            elif resolution.outcome is Outcome.UNPROVEN_EXEMPTION:
                yield make_finding(UNPROVEN_CODES[view.exemption], activity=resolution.activity, **context)
            elif resolution.outcome is Outcome.NONE and view.supplier is not None and share_ended:
                unknown.append(resolution.activity)
            elif resolution.outcome is Outcome.NONE and view.supplier is not None:
                yield make_finding("coverage.activity_not_covered", activity=resolution.activity, **context)
        if unknown:
            yield make_finding("coverage.provider_share_ended", activities=", ".join(map(str, unknown)), **context)
        if exempted:
            yield make_finding(EXEMPT_CODES[view.exemption], **context)


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
