"""Rule 5, validity of a certificate on the evaluation date.

A certificate is valid when it is in force (issued on or before the date, expiring on or after
it: a certificate expiring today is still valid), neither suspended nor withdrawn, and not an
HDS v1 certificate after 2026-05-16 (v1 holders had to hold a v2 certificate by that date). An
invalid certificate never covers an activity; when an activity ends up uncovered, each invalid
certificate of the same actor that lists it is reported with its number and the reason, once
per link.

The referential is decided by the facts, not by the label (`referential_of`): referential v2
was published on 2024-05-16 (arrêté of 26 April 2024), so a certificate issued before that
date is v1 whatever its version field says; from 2024-11-16 new certifications are v2, so a
certificate issued since then with no version recorded is v2. A blank version on a certificate
issued in between (or on a certificate whose issue date is unknown) leaves the referential
unknown: after 2026-05-16 that is missing information (`validity.referential_version_missing`),
before it the referential changes nothing.

A link that names the certificates it relies on is checked against those only: an invalid
certificate it does not name is not the reason its activity is uncovered.

A suspended or withdrawn certificate is news even when the same actor holds another valid
certificate that covers the same activities: it may be the very offer the service used belongs
to. When a link's activity is covered by one certificate while another certificate of the same
actor listing that activity is suspended or withdrawn, a warning names both
(`validity.suspended_beside_valid`, `validity.withdrawn_beside_valid`, once per link and
invalid certificate, unless it is already reported as the reason another activity of the link
is uncovered), whether or not the link named the valid one. An expired certificate beside
its renewal is the normal course of things and says nothing.

A certificate used for coverage whose certification body is not named still covers (the
certificate itself exists) but is reported as missing information (`validity.certifier_missing`):
only an accredited body may issue it, which cannot be checked without its name. One whose
recorded dates span more than three years is reported too (`validity.certificate_period_too_long`):
an HDS certificate is issued for three years, so its real end date is not known.

`changes_on` gives the dates on which the validity of a certificate the chain may rely on turns
with time alone (see `engine.valid_until`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ..findings import Finding, Localised, make_finding
from ..inputs import CertificateFacts, CertificateStatus
from ..views import LinkView, Outcome

if TYPE_CHECKING:
    from ..chain import Chain

V2_PUBLISHED_ON = date(2024, 5, 16)
"""Referential v2 published (arrêté of 26 April 2024): a certificate issued before is v1."""
V2_MANDATORY_FROM = date(2024, 11, 16)
"""New certifications are v2 from this date."""
V1_ACCEPTED_UNTIL = date(2026, 5, 16)
"""The last day a v1 certificate counts."""
CERTIFICATE_YEARS = 3

V1, V2 = "v1", "v2"
DAY = timedelta(days=1)


def referential_of(certificate: CertificateFacts) -> str | None:
    """"v1" or "v2" as the facts decide, the recorded version when the facts leave it (a
    notation kept as data, such as "v2.1"), or None when nothing tells."""
    issued_on = certificate.issued_on
    if issued_on is not None and issued_on < V2_PUBLISHED_ON:
        return V1
    version = certificate.referential_version.strip()
    if version:
        return version
    if issued_on is not None and issued_on >= V2_MANDATORY_FROM:
        return V2
    return None


def certificate_problems(certificate: CertificateFacts, on: date) -> tuple[str, ...]:
    """The validity finding codes that apply to the certificate on `on` (empty when valid)."""
    problems = []
    if certificate.status is CertificateStatus.SUSPENDED:
        problems.append("validity.certificate_suspended")
    elif certificate.status is CertificateStatus.WITHDRAWN:
        problems.append("validity.certificate_withdrawn")
    if certificate.expires_on < on:
        problems.append("validity.certificate_expired")
    if certificate.issued_on is not None and certificate.issued_on > on:
        problems.append("validity.certificate_not_yet_valid")
    if on > V1_ACCEPTED_UNTIL and referential_of(certificate) == V1:
        problems.append("validity.certificate_v1_obsolete")
    return tuple(problems)


def check(chain: Chain) -> Iterator[Finding]:
    for view in chain.hds_views:
        context = {"link": view.link.id, "supplier": view.supplier, "actor": view.actor.name}
        reported: set[int] = set()
        for resolution in view.resolutions:
            if resolution.outcome is Outcome.OWN:
                certificate = resolution.certificate
                if certificate.id in reported:
                    continue
                reported.add(certificate.id)
                yield from _used_certificate_findings(certificate, chain.on, context)
                continue
            if resolution.outcome in (Outcome.PARENT, Outcome.AMBIGUOUS):
                continue
            for certificate in chain.relied_on(view.link):
                if resolution.activity not in certificate.activities or certificate.id in reported:
                    continue
                problems = chain.problems(certificate)
                if not problems:
                    continue
                reported.add(certificate.id)
                for code in problems:
                    obsolete = code == "validity.certificate_v1_obsolete"
                    reason = {"v1_reason": _v1_reason(certificate)} if obsolete else {}
                    yield make_finding(
                        code, number=certificate.number, expires_on=certificate.expires_on,
                        issued_on=certificate.issued_on, **reason, **context,
                    )
        yield from _masked_findings(chain, view, context, reported)


def _used_certificate_findings(certificate: CertificateFacts, on: date, context: dict) -> Iterator[Finding]:
    """What a valid certificate used for coverage leaves unknown: its certifier, its referential
    once only v2 counts, its real end date."""
    if not certificate.certifier.strip():
        yield make_finding("validity.certifier_missing", number=certificate.number, **context)
    if on > V1_ACCEPTED_UNTIL and referential_of(certificate) is None:
        yield make_finding("validity.referential_version_missing", number=certificate.number, **context)
    issued_on = certificate.issued_on
    if issued_on is not None and certificate.expires_on > _years_after(issued_on, CERTIFICATE_YEARS):
        yield make_finding(
            "validity.certificate_period_too_long", number=certificate.number, issued_on=issued_on,
            expires_on=certificate.expires_on, **context,
        )


def _v1_reason(certificate: CertificateFacts) -> Localised:
    issued_on = certificate.issued_on
    if issued_on is not None and issued_on < V2_PUBLISHED_ON:
        return Localised(
            f"délivré le {issued_on:%d/%m/%Y}, avant la publication du référentiel v2 le "
            f"{V2_PUBLISHED_ON:%d/%m/%Y}",
            f"issued on {issued_on:%Y-%m-%d}, before referential v2 was published on {V2_PUBLISHED_ON:%Y-%m-%d}",
        )
    return Localised("version enregistrée : v1", "recorded version: v1")


def _years_after(day: date, years: int) -> date:
    """The same day `years` later (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


MASKED_CODES = {
    CertificateStatus.SUSPENDED: "validity.suspended_beside_valid",
    CertificateStatus.WITHDRAWN: "validity.withdrawn_beside_valid",
}


def _masked_findings(chain: Chain, view: LinkView, context: dict, reported: set[int]) -> Iterator[Finding]:
    """Suspended or withdrawn certificates of the link's actor for activities another of its
    certificates covers on this link, each with the activities and the covering certificates
    (a certificate already reported on the link as the reason an activity is uncovered is not
    repeated)."""
    covering_by_activity = {
        resolution.activity: resolution.certificate
        for resolution in view.resolutions if resolution.outcome is Outcome.OWN
    }
    if not covering_by_activity:
        return
    for certificate in chain.certificates(view.link.actor):
        code = MASKED_CODES.get(certificate.status)
        if code is None or certificate.id in reported:
            continue
        activities = sorted(
            activity for activity in certificate.activities & covering_by_activity.keys()
            if covering_by_activity[activity].id != certificate.id
        )
        if not activities:
            continue
        covering = {covering_by_activity[activity].id: covering_by_activity[activity] for activity in activities}
        yield make_finding(
            code, number=certificate.number, activities=", ".join(map(str, activities)),
            covering=", ".join(covering[key].number for key in sorted(covering)), **context,
        )


def certificate_changes_on(certificate: CertificateFacts, on: date) -> Iterator[date]:
    """The dates after `on` on which `certificate_problems` changes for the certificate: it starts
    (issued after `on`), it has expired (the day after its end), v1 stops counting (and an
    unknown referential becomes missing information)."""
    if certificate.issued_on is not None and certificate.issued_on > on:
        yield certificate.issued_on
    if certificate.expires_on >= on:
        yield certificate.expires_on + DAY
    if on <= V1_ACCEPTED_UNTIL and referential_of(certificate) in (V1, None):
        yield V1_ACCEPTED_UNTIL + DAY


def changes_on(chain: Chain) -> Iterator[date]:
    """Validity turns of every HDS certificate of the actors of links in HDS scope, and of the
    parents they are exempt under: coverage picks among them, and this rule reports the invalid
    ones, so any of them can change the answer, relied on or not."""
    actors = {view.link.actor for view in chain.hds_views}
    actors.update(view.parent.actor for view in chain.hds_views
                  if view.link.exempt_under_parent and view.parent is not None)
    for key in actors:
        for certificate in chain.certificates(key):
            yield from certificate_changes_on(certificate, chain.on)
