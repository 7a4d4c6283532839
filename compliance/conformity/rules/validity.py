"""Rule 5, validity of a certificate on the evaluation date.

A certificate is valid when it is in force (issued on or before the date, expiring on or after
it: a certificate expiring today is still valid), neither suspended nor withdrawn, and not an
HDS v1 certificate after 2026-05-16 (v1 holders had to hold a v2 certificate by that date). An
invalid certificate never covers an activity; when an activity ends up uncovered, each invalid
certificate of the same actor that lists it is reported with its number and the reason, once
per link.

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
only an accredited body may issue it, which cannot be checked without its name.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from ..findings import Finding, make_finding
from ..inputs import CertificateFacts, CertificateStatus
from ..views import LinkView, Outcome

if TYPE_CHECKING:
    from ..chain import Chain

V1_ACCEPTED_UNTIL = date(2026, 5, 16)


def is_referential_v1(version: str) -> bool:
    """True for "v1", "V1", "1", "1.0", "v1.1"... (the version is kept as written)."""
    number = version.strip().lower().removeprefix("hds").strip().removeprefix("v").strip()
    return number == "1" or number.startswith("1.")


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
    if on > V1_ACCEPTED_UNTIL and is_referential_v1(certificate.referential_version):
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
                if not certificate.certifier.strip():
                    yield make_finding("validity.certifier_missing", number=certificate.number, **context)
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
                    yield make_finding(
                        code, number=certificate.number, expires_on=certificate.expires_on,
                        issued_on=certificate.issued_on, **context,
                    )
        yield from _masked_findings(chain, view, context, reported)


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
