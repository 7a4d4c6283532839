"""Sending one webhook delivery: claim it, sign it, POST it, record the outcome.

A worker first claims the delivery with a conditional ``UPDATE`` (due, and not taken by another
worker) and commits; only the worker whose update changed a row sends. A task delivered twice
therefore sends once. The network call happens outside any transaction; the outcome is written
only if the claim is still this worker's. A worker that dies after sending leaves the delivery
``delivering``; once the claim times out it is sent again, so receivers must treat the event id
as idempotency key (at-least-once delivery, as every webhook system).

Failures are retried with exponential backoff: ``WEBHOOK_BACKOFF_BASE_SECONDS × 2^(attempt − 1)``,
until ``WEBHOOK_MAX_ATTEMPTS`` attempts, then the delivery is ``dead``. A test event is tried once.

The URL is checked again before each attempt (DNS can change since the endpoint was saved) and the
connection goes to the very address that was checked, with TLS verified against the host name, so
that a second DNS answer cannot point the request into a private network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from compliance.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from compliance.monitoring.webhooks import signing, urlguard
from compliance.monitoring.webhooks.events import TEST_PING
from hds_platform.models import Organisation
from hds_platform.tenancy import organisation_context

USER_AGENT = "Maillon-Webhooks/1.0"
RESPONSE_SNIPPET_BYTES = 512
#: A pending delivery is normally sent right after its commit; the retry dispatcher leaves it
#: alone for this long.
PENDING_GRACE = timedelta(minutes=2)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""
    final: bool = False  # no retry whatever the attempt count


def claim_timeout() -> timedelta:
    """Longer than any send can take: a claim older than this belongs to a worker that died."""
    return timedelta(seconds=max(60.0, 3 * settings.WEBHOOK_TIMEOUT_SECONDS))


def claimable(now) -> Q:
    return (Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.DELIVERING, claimed_at__lt=now - claim_timeout()))


def overdue(now) -> Q:
    """Deliveries the retry dispatcher must (re)enqueue: failed and due, pending for too long
    (their first message was lost), or claimed by a worker that died."""
    return (Q(status=DeliveryStatus.FAILED, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - PENDING_GRACE)
            | Q(status=DeliveryStatus.DELIVERING, claimed_at__lt=now - claim_timeout()))


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** (attempts - 1))


def deliver(organisation: Organisation, delivery_id: int, *,
            transport: httpx.BaseTransport | None = None) -> str | None:
    """Send one delivery if this caller wins the claim; return its new status, or None when it was
    not due or another worker holds it. Call with no organisation context set."""
    claimed_at = timezone.now()
    with organisation_context(organisation):
        claimed = WebhookDelivery.objects.filter(claimable(claimed_at), pk=delivery_id).update(
            status=DeliveryStatus.DELIVERING, claimed_at=claimed_at, attempts=F("attempts") + 1,
        )
        if not claimed:
            return None
        delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if not delivery.endpoint.is_active:
        outcome = Outcome(False, error="endpoint_inactive: the endpoint was disabled", final=True)
    else:
        outcome = send(delivery.endpoint, delivery, transport=transport)
    with organisation_context(organisation):
        return _record(delivery, claimed_at, outcome)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()


def send(endpoint: WebhookEndpoint, delivery: WebhookDelivery, *,
         transport: httpx.BaseTransport | None = None) -> Outcome:
    body = body_of(delivery)
    checked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        addresses = urlguard._resolve(host, port)
        checked.extend(addresses)
        return addresses

    try:
        urlguard.check_webhook_url(endpoint.url, resolve=resolve)
    except urlguard.UnsafeWebhookURL as exc:
        return Outcome(False, error=f"{exc.code}: {exc.message}")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Maillon-Event": delivery.event,
        "Maillon-Delivery": str(delivery.pk),
        signing.SIGNATURE_HEADER: signing.signature_header(endpoint.secret, body),
    }
    url = httpx.URL(endpoint.url)
    extensions = {}
    if checked:
        # Connect to the address just checked, not to whatever a second lookup answers.
        headers["Host"] = url.netloc.decode("ascii")
        extensions["sni_hostname"] = url.host
        url = url.copy_with(host=checked[0])
    try:
        with httpx.Client(transport=transport, timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
                          follow_redirects=False) as client:
            with client.stream("POST", url, content=body, headers=headers, extensions=extensions) as response:
                snippet = _read_some(response)
    except httpx.HTTPError as exc:
        return Outcome(False, error=f"{type(exc).__name__}: {exc}"[:2000])
    if 200 <= response.status_code < 300:
        return Outcome(True, response.status_code)
    return Outcome(False, response.status_code, f"HTTP {response.status_code}: {snippet}"[:2000])


def _read_some(response: httpx.Response) -> str:
    """The start of the response body (never the whole of it: the receiver is not trusted)."""
    data = b""
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) >= RESPONSE_SNIPPET_BYTES:
            break
    return data[:RESPONSE_SNIPPET_BYTES].decode("utf-8", "replace")


def _record(delivery: WebhookDelivery, claimed_at, outcome: Outcome) -> str | None:
    now = timezone.now()
    if outcome.ok:
        fields = {"status": DeliveryStatus.SUCCEEDED, "delivered_at": now, "next_attempt_at": None, "last_error": ""}
    elif outcome.final or delivery.event == TEST_PING or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        fields = {"status": DeliveryStatus.DEAD, "next_attempt_at": None, "last_error": outcome.error}
    else:
        fields = {"status": DeliveryStatus.FAILED, "next_attempt_at": now + backoff(delivery.attempts),
                  "last_error": outcome.error}
    updated = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.DELIVERING, claimed_at=claimed_at,
    ).update(claimed_at=None, last_response_status=outcome.status_code, **fields)
    return fields["status"] if updated else None
