"""``Idempotency-Key``: a write retried with the same key gets the first answer back instead of
writing twice.

Every POST, PUT, PATCH and DELETE under ``/api/v1/orgs/{org}/`` may carry the header (visible
ASCII, 1 to 255 characters). Keys are the organisation's: the first successful answer (2xx) is
kept ``IDEMPOTENCY_KEY_HOURS`` (24 h) with a fingerprint of the request, the sha256 of its
method, path (query string included) and body — the JSON value, whatever its spacing or key
order; for a form or a multipart upload, its fields and the sha256 of each file's bytes (the
multipart boundary is not part of it). Then, for the same key:

- the same fingerprint answers the first response again, byte for byte, with its status and its
  ``Content-Type``, ``Location`` and ``ETag``, plus ``Idempotent-Replayed: true``; nothing runs;
- another fingerprint answers 422 ``idempotency_key_reused``;
- while the first request still runs, a second one answers 409 ``idempotency_key_in_use``
  (retry later): on PostgreSQL a transaction-level advisory lock on (organisation, key), taken
  without waiting; on the embedded default, a lock held by the process.

The key row is written in the request's own transaction, with the write it answers: a write that
fails (any 4xx or 5xx rolls the request back) leaves no key, so the same key may be sent again,
with the body fixed. Only successes are replayed.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status

from hds_platform.api.strict import FORM_KEYS
from hds_platform.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The headers of the first answer that a replay carries again.
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")
_VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")


class IdempotencyKeyInvalid(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "idempotency_key_invalid"
    default_detail = _("L'en-tête Idempotency-Key doit compter de 1 à 255 caractères ASCII visibles.")


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _("Cette clé d'idempotence a déjà servi pour une autre requête : utilisez une nouvelle clé.")


class IdempotencyKeyInUse(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_use"
    default_detail = _("Une requête avec cette clé d'idempotence est en cours : réessayez dans un instant.")


class Replay(Exception):
    """Raised from the view's ``initial()``: answer ``stored`` instead of running the view."""

    def __init__(self, stored: IdempotencyKey):
        super().__init__(stored.key)
        self.stored = stored


@dataclass
class Claim:
    """A write sent with a key, whose answer is to be recorded (or replayed: ``stored``)."""

    key: str
    fingerprint: str
    method: str
    path: str
    stored: IdempotencyKey | None


def claim(request, organisation, release_after: ExitStack) -> Claim | None:
    """The request's claim on its key, inside the organisation's context and transaction; None
    when it is not a write or carries no key. Raises what the API answers: a malformed key, a key
    in use by a running request, a key reused for another request."""
    if request.method not in WRITE_METHODS:
        return None
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _VALID_KEY.fullmatch(key):
        raise IdempotencyKeyInvalid()
    fingerprint = request_fingerprint(request)
    _lock(organisation.pk, key, release_after)
    stored = IdempotencyKey.objects.filter(key=key).first()
    if stored is not None and stored.expires_at <= timezone.now():
        stored.delete()
        stored = None
    if stored is not None and stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return Claim(key=key, fingerprint=fingerprint, method=request.method, path=request.get_full_path()[:2000],
                 stored=stored)


def record(claim: Claim, response) -> IdempotencyKey:
    """Keep the answer of ``claim``'s write (rendered), in the request's transaction."""
    now = timezone.now()
    return IdempotencyKey.objects.create(
        key=claim.key, fingerprint=claim.fingerprint, method=claim.method, path=claim.path,
        status_code=response.status_code, response_body=bytes(response.content),
        response_headers={name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)},
        created_at=now, expires_at=now + timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS),
    )


def replay(stored: IdempotencyKey) -> HttpResponse:
    """The first answer again: same status, same bytes, same headers."""
    response = HttpResponse(bytes(stored.response_body), status=stored.status_code)
    if "Content-Type" not in stored.response_headers:
        del response["Content-Type"]
    for name, value in stored.response_headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def request_fingerprint(request) -> str:
    """sha256 of the method, the path with its query string, and the body as parsed."""
    digest = hashlib.sha256()
    digest.update(f"{request.method}\n{request.get_full_path()}\n".encode())
    data = request.data
    if hasattr(data, "lists"):  # a form or a multipart body: fields, and each file's bytes
        for name, values in sorted(data.lists(), key=lambda item: item[0]):
            if name in FORM_KEYS:
                continue
            for value in values:
                digest.update(json.dumps([name, _form_value(value)]).encode())
    else:
        digest.update(json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode())
    return digest.hexdigest()


def _form_value(value) -> str | dict:
    if not hasattr(value, "chunks"):
        return str(value)
    file_digest = hashlib.sha256()
    for chunk in value.chunks():
        file_digest.update(chunk)
    value.seek(0)
    return {"file": value.name, "size": value.size, "sha256": file_digest.hexdigest()}


# Who holds a key -----------------------------------------------------------------------------

_held: set[tuple[int, str]] = set()
_held_lock = threading.Lock()


def _lock(organisation_id: int, key: str, release_after: ExitStack) -> None:
    if connection.vendor == "postgresql":
        # Held until the request's transaction ends, the key row committed with it; never waited for.
        lock_id = int.from_bytes(hashlib.blake2b(f"idempotency\0{organisation_id}\0{key}".encode(),
                                                 digest_size=8).digest(), "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_id])
            acquired = cursor.fetchone()[0]
        if not acquired:
            raise IdempotencyKeyInUse()
        return
    # The embedded default (one process): held until the request's transaction has ended.
    held = (organisation_id, key)
    with _held_lock:
        if held in _held:
            raise IdempotencyKeyInUse()
        _held.add(held)
    release_after.callback(_release, held)


def _release(held: tuple[int, str]) -> None:
    with _held_lock:
        _held.discard(held)
