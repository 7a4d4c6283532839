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

A certificate used for coverage whose certification body is not named still covers (the
certificate itself exists) but is reported as missing information (`validity.certifier_missing`):
only an accredited body may issue it, which cannot be checked without its name. One whose
recorded dates span more than three years is reported too (`validity.certificate_period_too_long`):
an HDS certificate is issued for three years, so its real end date is not known.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from ..findings import Finding, Localised, make_finding
from ..inputs import CertificateFacts, CertificateStatus
from ..views import Outcome

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
                    obsolete = code == "validity.certificate_v1_obsolete"
                    reason = {"v1_reason": _v1_reason(certificate)} if obsolete else {}
                    yield make_finding(
                        code, number=certificate.number, expires_on=certificate.expires_on,
                        issued_on=certificate.issued_on, **reason, **context,
                    )


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
