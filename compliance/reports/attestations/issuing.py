"""What an attestation states: the organisation's conformity answers on a date, signed.

The claims::

    iss   SITE_URL                       iat, exp  seconds since the epoch
    jti   a random id                    scope     "organisation" or "processing"
    organisation  {name, slug, siren, siret}
    processings   [{id, name, status, hosting_status, register_status, evaluated_at, valid_until,
                    actors: [{name, siren, self, activities, certificates: [{number, activities,
                    expires_on}]}]}]

``exp`` is the first moment an answer may change: midnight (Europe/Paris) starting the earliest
``valid_until`` of the processings stated, and never more than 30 days after issue. An answer
whose ``valid_until`` is today (something ends today) is stated until the end of the day.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from compliance.reports.answers import Answers, answer_fields
from compliance.reports.attestations import keys, tokens

MAX_VALIDITY = timedelta(days=30)


@dataclass(frozen=True)
class Attestation:
    token: str
    kid: str
    issued_at: datetime
    expires_at: datetime

    @property
    def verification_url(self) -> str:
        return verification_url(self.token)


def verification_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('attestation-verify')}?{urlencode({'token': token})}"


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def expiry(issued_at: datetime, valid_until: date | None) -> datetime:
    latest = issued_at + MAX_VALIDITY
    if valid_until is None:
        return latest
    ends = _midnight(valid_until)
    if ends <= issued_at:
        ends = _midnight(timezone.localdate(issued_at) + timedelta(days=1))
    return min(latest, ends)


def _certificate(certificate) -> dict:
    return {"number": certificate.certificate_number, "activities": sorted(certificate.activities or ()),
            "expires_on": certificate.expires_on.isoformat()}


def processing_claims(answers: Answers, processing) -> dict:
    result = answers.results.get(processing.pk)
    hosting_status, valid_until = answer_fields(result)
    return {
        "id": processing.pk,
        "name": processing.name,
        "status": result.status if result else None,
        "hosting_status": hosting_status,
        "register_status": result.register_status if result else None,
        "evaluated_at": result.evaluated_at.isoformat() if result else None,
        "valid_until": valid_until.isoformat() if valid_until else None,
        "actors": [
            {"name": actor.name, "siren": actor.siren, "self": actor.is_self,
             "activities": sorted(actor.activities),
             "certificates": [_certificate(c) for c in answers.valid_hds_certificates(actor)]}
            for actor in answers.actors(processing)
        ],
    }


def claims_for(answers: Answers, *, scope: str, issued_at: datetime) -> dict:
    organisation = answers.organisation
    ends = [answer_fields(answers.results.get(p.pk))[1] for p in answers.processings]
    valid_until = min((day for day in ends if day is not None), default=None)
    return {
        "iss": settings.SITE_URL,
        "jti": uuid.uuid4().hex,
        "iat": int(issued_at.timestamp()),
        "exp": int(expiry(issued_at, valid_until).timestamp()),
        "scope": scope,
        "organisation": {"name": organisation.name, "slug": organisation.slug, "siren": organisation.siren,
                         "siret": organisation.siret},
        "processings": [processing_claims(answers, p) for p in answers.processings],
    }


def issue(answers: Answers, *, scope: str = "organisation", issued_at: datetime | None = None) -> Attestation:
    """Sign the answers with the first configured key."""
    issued_at = (issued_at or timezone.now()).replace(microsecond=0)
    signing_key = keys.signing_keys()[0]
    claims = claims_for(answers, scope=scope, issued_at=issued_at)
    return Attestation(token=tokens.sign(claims, signing_key), kid=signing_key.kid, issued_at=issued_at,
                       expires_at=datetime.fromtimestamp(claims["exp"], tz=issued_at.tzinfo))


def verify_with_published_keys(token: str, *, now: float | None = None) -> dict:
    """Verify against this server's published key set (the verification page does)."""
    return tokens.verify(token, tokens.public_keys(keys.public_jwks()), now=now)
