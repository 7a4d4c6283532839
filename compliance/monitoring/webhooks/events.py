"""Emitting events: store each once, deliver it to the endpoints subscribed.

:func:`emit` runs in the caller's transaction. It builds the event's payload from the catalogue
(:mod:`compliance.monitoring.webhooks.catalogue`), stores the event (``…/events/`` lists it for
``WEBHOOK_EVENTS_RETENTION_DAYS`` days, whether or not an endpoint subscribes), records one
delivery per active endpoint subscribed to it, carrying the payload of the endpoint's version, and,
through the outbox, enqueues the sending for after the commit. A rolled-back write therefore
sends and stores nothing, and a broker outage only delays the sending.

The body of version ``2026-12-01``::

    {"id": "<event uuid>", "type": "conformity.changed", "version": "2026-12-01",
     "occurred_at": "2026-12-01T08:00:00Z", "organisation": "<slug>", "data": {…}}

and of the ``legacy`` version (endpoints created before versions, five event types only)::

    {"id": "<event uuid>", "type": "conformity.changed", "created_at": "<ISO 8601>",
     "organisation": "<slug>", "data": {…}}
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.utils import timezone

from compliance.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from compliance.monitoring.webhooks import catalogue
from compliance.monitoring.webhooks.catalogue import (  # noqa: F401  (the names callers use)
    CERTIFICATE_EXPIRED,
    CERTIFICATE_EXPIRING,
    CONFORMITY_CHANGED,
    EVIDENCE_UPLOADED,
    REGISTRY_HOST_CHANGED,
    TEST_PING,
)
from hds_platform import outbox
from hds_platform.models import Organisation

#: Every event type of the catalogue.
EVENTS = tuple(catalogue.CATALOGUE)


def envelope(organisation: Organisation, event: str, event_id: uuid.UUID, data: dict, *,
             version: str = catalogue.VERSION, occurred_at=None) -> dict:
    occurred_at = occurred_at or timezone.now()
    if version == catalogue.LEGACY:
        return {"id": str(event_id), "type": event, "created_at": occurred_at.isoformat(),
                "organisation": organisation.slug, "data": data}
    return {"id": str(event_id), "type": event, "version": version,
            "occurred_at": catalogue.timestamp(occurred_at), "organisation": organisation.slug, "data": data}


def emit(organisation: Organisation, event: str, **context) -> list[WebhookDelivery]:
    """Emit one event of the catalogue; ``context`` are its builder's keyword arguments."""
    return emit_many(organisation, [(event, context)])


def emit_many(organisation: Organisation, emitted: Iterable[tuple[str, dict]]) -> list[WebhookDelivery]:
    """Emit ``(event, context)`` pairs: one insert of events, one read of the endpoints, one insert
    of deliveries (whatever their number)."""
    emitted = list(emitted)
    if not emitted:
        return []
    for event, _context in emitted:
        if event not in catalogue.CATALOGUE:
            raise ValueError(f"unknown webhook event {event!r}")
    now = timezone.now()
    stored = []
    for event, context in emitted:
        kind = catalogue.CATALOGUE[event]
        event_id = uuid.uuid4()
        legacy = None
        if kind.legacy is not None:
            legacy = envelope(organisation, event, event_id, kind.legacy(**context), version=catalogue.LEGACY,
                              occurred_at=now)
        stored.append(WebhookEvent(
            organisation=organisation, event_id=event_id, type=event, occurred_at=now,
            payload=envelope(organisation, event, event_id, kind.build(**context), occurred_at=now),
            legacy_payload=legacy,
        ))
    WebhookEvent.objects.bulk_create(stored)
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True).order_by("id"))
    deliveries = []
    for event in stored:
        for endpoint in endpoints:
            if event.type not in endpoint.events:
                continue
            payload = event.legacy_payload if endpoint.version == catalogue.LEGACY else event.payload
            if payload is None:
                continue  # a legacy endpoint cannot subscribe to a type without a legacy payload
            deliveries.append(WebhookDelivery(organisation=organisation, endpoint=endpoint, event=event.type,
                                              event_id=event.event_id, payload=payload))
    return enqueue_deliveries(organisation, deliveries)


def enqueue_deliveries(organisation: Organisation, deliveries: list[WebhookDelivery]) -> list[WebhookDelivery]:
    WebhookDelivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        outbox.enqueue("compliance.monitoring.tasks.deliver_webhook", organisation.pk, delivery.pk)
    return deliveries
