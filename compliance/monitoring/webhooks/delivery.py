"""Sending one webhook delivery: claim it, sign it, POST it, record the outcome.

A worker first claims the delivery with a conditional ``UPDATE`` (due, and not taken by another
worker) and commits; only the worker whose update changed a row sends. A task delivered twice
therefore sends once. The network call happens outside any transaction; the outcome is written
only if the claim is still this worker's. A worker that dies after sending leaves the delivery
``delivering``; once the claim times out it is sent again, so receivers must treat the event id
as idempotency key (at-least-once delivery, as every webhook system).

Failures are retried with exponential backoff: ``WEBHOOK_BACKOFF_BASE_SECONDS × 2^(attempt − 1)``,
until ``WEBHOOK_MAX_ATTEMPTS`` attempts, then the delivery is ``dead``. A test event is tried once.

One organisation cannot stall the others (nor its own other endpoints):

* an attempt is bounded: each network step within ``WEBHOOK_TIMEOUT_SECONDS``, the whole attempt
  within ``WEBHOOK_DEADLINE_SECONDS`` (checked while the answer streams in, and by the task's soft
  time limit, which is caught here), so the failure is recorded well before the task is killed;
  a claim taken again after its worker died counts as an attempt, so a delivery whose attempts
  never finish still ends ``dead`` instead of being re-sent forever;
* at most ``WEBHOOK_MAX_IN_FLIGHT_PER_ORGANISATION`` deliveries of an organisation are in flight
  at once and at most ``WEBHOOK_ATTEMPTS_PER_MINUTE_PER_ORGANISATION`` attempts start per minute:
  a delivery over either cap is not sent but enqueued again a few seconds later, which frees the
  worker for other organisations at once;
* a circuit breaker: after ``WEBHOOK_CIRCUIT_FAILURES`` failed attempts in a row an endpoint is
  left alone for ``WEBHOOK_CIRCUIT_OPEN_SECONDS`` (its deliveries wait, they are not lost); a test
  event still goes (it is how an administrator checks the repair) and any success closes it.

The URL is checked again before each attempt (DNS can change since the endpoint was saved) and the
connection goes to the very address that was checked, with TLS verified against the host name, so
that a second DNS answer cannot point the request into a private network.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from compliance.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from compliance.monitoring.webhooks import signing, urlguard
from compliance.monitoring.webhooks.catalogue import TEST_PING
from hds_platform import outbox
from hds_platform.models import Organisation
from hds_platform.tenancy import organisation_context

USER_AGENT = "Maillon-Webhooks/1.0"
RESPONSE_SNIPPET_BYTES = 512
#: A pending delivery is normally sent right after its commit; the retry dispatcher leaves it
#: alone for this long.
PENDING_GRACE = timedelta(minutes=2)
#: A delivery over its organisation's caps is enqueued again this much later.
DEFER_SECONDS = 5
DEFERRED = "deferred"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""
    final: bool = False  # no retry whatever the attempt count


def claim_timeout() -> timedelta:
    """Longer than any send can take: a claim older than this belongs to a worker that died."""
    return timedelta(seconds=max(60.0, 3 * settings.WEBHOOK_DEADLINE_SECONDS))


def max_attempts(delivery: WebhookDelivery) -> int:
    return 1 if delivery.event == TEST_PING else settings.WEBHOOK_MAX_ATTEMPTS


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
    """Send one delivery if this caller wins the claim; return its new status, ``"deferred"`` when
    its organisation's caps or its endpoint's circuit make it wait (it is enqueued again), or None
    when it was not due or another worker holds it. Call with no organisation context set."""
    claimed_at = timezone.now()
    with organisation_context(organisation):
        wait = _wait_seconds(organisation, delivery_id, claimed_at)
        if wait is None:
            return None
        if wait:
            WebhookDelivery.objects.filter(claimable(claimed_at), pk=delivery_id).update(
                next_attempt_at=claimed_at + timedelta(seconds=wait))
            outbox.enqueue_later("compliance.monitoring.tasks.deliver_webhook", wait, organisation.pk, delivery_id)
            return DEFERRED
        claimed = WebhookDelivery.objects.filter(claimable(claimed_at), pk=delivery_id).update(
            status=DeliveryStatus.DELIVERING, claimed_at=claimed_at, last_attempt_at=claimed_at,
            attempts=F("attempts") + 1,
        )
        if not claimed:
            return None
        delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.attempts > max_attempts(delivery):
        # Earlier attempts were claimed and never finished (their worker was killed): give up.
        outcome = Outcome(False, error="abandoned: earlier attempts never finished", final=True)
    elif not delivery.endpoint.is_active:
        outcome = Outcome(False, error="endpoint_inactive: the endpoint was disabled", final=True)
    else:
        try:
            outcome = send(delivery.endpoint, delivery, transport=transport)
        except SoftTimeLimitExceeded:
            outcome = Outcome(False, error="timeout: the attempt reached the task's time limit")
    with organisation_context(organisation):
        status = _record(delivery, claimed_at, outcome)
        if status is not None:
            _update_circuit(delivery.endpoint_id, outcome.ok, claimed_at)
        return status


def _wait_seconds(organisation: Organisation, delivery_id: int, now) -> float | None:
    """None: nothing to send. 0: send now. Otherwise how long the delivery must wait (the
    organisation is at its caps, or the endpoint's circuit is open). Inside the organisation's
    context; the organisation's row is locked so that two workers cannot both take the last slot."""
    Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list("pk").get()
    delivery = (WebhookDelivery.objects.filter(claimable(now), pk=delivery_id)
                .values("event", "endpoint__circuit_open_until").first())
    if delivery is None:
        return None
    open_until = delivery["endpoint__circuit_open_until"]
    if open_until is not None and open_until > now and delivery["event"] != TEST_PING:
        return (open_until - now).total_seconds()
    in_flight = WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERING,
                                               claimed_at__gte=now - claim_timeout()).count()
    recent = WebhookDelivery.objects.filter(last_attempt_at__gt=now - timedelta(minutes=1)).count()
    if (in_flight >= settings.WEBHOOK_MAX_IN_FLIGHT_PER_ORGANISATION
            or recent >= settings.WEBHOOK_ATTEMPTS_PER_MINUTE_PER_ORGANISATION):
        return DEFER_SECONDS
    return 0


def _update_circuit(endpoint_id: int, ok: bool, now) -> None:
    endpoints = WebhookEndpoint.objects.filter(pk=endpoint_id)
    if ok:
        endpoints.exclude(consecutive_failures=0, circuit_open_until=None).update(
            consecutive_failures=0, circuit_open_until=None)
        return
    endpoints.update(consecutive_failures=F("consecutive_failures") + 1)
    endpoints.filter(consecutive_failures__gte=settings.WEBHOOK_CIRCUIT_FAILURES).update(
        circuit_open_until=now + timedelta(seconds=settings.WEBHOOK_CIRCUIT_OPEN_SECONDS))


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
        "Maillon-Event-Id": str(delivery.event_id),
        "Maillon-Webhook-Id": str(endpoint.pk),
        "Maillon-Delivery-Id": str(delivery.pk),
        "Maillon-Delivery": str(delivery.pk),  # the header's first name, kept for existing receivers
        signing.SIGNATURE_HEADER: signing.signature_header(endpoint.secret, body,
                                                           previous_secret=_previous_secret(endpoint)),
    }
    url = httpx.URL(endpoint.url)
    extensions = {}
    if checked:
        # Connect to the address just checked, not to whatever a second lookup answers.
        headers["Host"] = url.netloc.decode("ascii")
        extensions["sni_hostname"] = url.host
        url = url.copy_with(host=checked[0])
    deadline = time.monotonic() + settings.WEBHOOK_DEADLINE_SECONDS
    try:
        with httpx.Client(transport=transport, timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
                          follow_redirects=False) as client:
            with client.stream("POST", url, content=body, headers=headers, extensions=extensions) as response:
                snippet = _read_some(response, deadline)
    except httpx.HTTPError as exc:
        return Outcome(False, error=f"{type(exc).__name__}: {exc}"[:2000])
    except DeadlineExceeded:
        return Outcome(False, error=f"timeout: no complete answer within {settings.WEBHOOK_DEADLINE_SECONDS:g} s")
    if 200 <= response.status_code < 300:
        return Outcome(True, response.status_code)
    return Outcome(False, response.status_code, f"HTTP {response.status_code}: {snippet}"[:2000])


def _previous_secret(endpoint: WebhookEndpoint) -> str:
    """The secret replaced by the last rotation while its grace period lasts, else ""."""
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > timezone.now():
        return endpoint.previous_secret
    return ""


class DeadlineExceeded(Exception):
    """The receiver answers, but too slowly to finish within the attempt's deadline."""


def _read_some(response: httpx.Response, deadline: float) -> str:
    """The start of the response body (never the whole of it: the receiver is not trusted), read
    before ``deadline`` (a receiver trickling bytes would otherwise reset the read timeout forever)."""
    data = b""
    if time.monotonic() > deadline:  # the status line and headers came in too slowly
        raise DeadlineExceeded
    for chunk in response.iter_bytes():
        if time.monotonic() > deadline:
            raise DeadlineExceeded
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
