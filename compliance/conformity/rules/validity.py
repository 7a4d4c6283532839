"""Rule 5, validity of a certificate on the evaluation date.

A certificate is valid when it is in force (issued on or before the date, expiring on or after
it: a certificate expiring today is still valid), neither suspended nor withdrawn, and not an
HDS v1 certificate after 2026-05-16 (v1 holders had to hold a v2 certificate by that date). An
invalid certificate never covers an activity; when an activity ends up uncovered, each invalid
certificate of the same actor that lists it is reported with its number and the reason, once
per link.

A certificate used for coverage whose certification body is not named still covers (the
certificate itself exists) but is reported as missing information (`validity.certifier_missing`):
only an accredited body may issue it, which cannot be checked without its name.

`changes_on` gives the dates on which the validity of a certificate the chain may rely on turns
with time alone (see `engine.valid_until`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ..findings import Finding, make_finding
from ..inputs import CertificateFacts, CertificateStatus
from ..views import Outcome

if TYPE_CHECKING:
    from ..chain import Chain

V1_ACCEPTED_UNTIL = date(2026, 5, 16)
DAY = timedelta(days=1)


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
            if resolution.outcome is Outcome.PARENT:
                continue
            for certificate in chain.certificates(view.link.actor):
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


def certificate_changes_on(certificate: CertificateFacts, on: date) -> Iterator[date]:
    """The dates after `on` on which `certificate_problems` changes for the certificate: it starts
    (issued after `on`), it has expired (the day after its end), v1 stops counting."""
    if certificate.issued_on is not None and certificate.issued_on > on:
        yield certificate.issued_on
    if certificate.expires_on >= on:
        yield certificate.expires_on + DAY
    if on <= V1_ACCEPTED_UNTIL and is_referential_v1(certificate.referential_version):
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
