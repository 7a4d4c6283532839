"""The events practice software can subscribe to, and emitting them.

:func:`emit_events` runs in the caller's transaction: it records one delivery per active endpoint
subscribed to the event and, through the outbox, enqueues its sending for after the commit. A
rolled-back write therefore sends nothing, and a broker outage only delays the sending.

Every delivery's body is the same envelope::

    {"id": "<event uuid>", "type": "conformity.changed", "created_at": "<ISO 8601>",
     "organisation": "<slug>", "data": {…}}
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.utils import timezone

from compliance.models import Evidence, WebhookDelivery, WebhookEndpoint
from hds_platform import outbox
from hds_platform.models import Organisation

CONFORMITY_CHANGED = "conformity.changed"
CERTIFICATE_EXPIRING = "certificate.expiring"
CERTIFICATE_EXPIRED = "certificate.expired"
REGISTRY_HOST_CHANGED = "registry.host_changed"
EVIDENCE_UPLOADED = "evidence.uploaded"
PROVIDER_CERTIFICATE_CHANGED = "provider.certificate_changed"
EVENTS = (CONFORMITY_CHANGED, CERTIFICATE_EXPIRING, CERTIFICATE_EXPIRED, REGISTRY_HOST_CHANGED, EVIDENCE_UPLOADED,
          PROVIDER_CERTIFICATE_CHANGED)
#: Sent by "send test event" to one endpoint, whatever it subscribed to.
TEST_PING = "test.ping"


def envelope(organisation: Organisation, event: str, event_id: uuid.UUID, data: dict) -> dict:
    return {"id": str(event_id), "type": event, "created_at": timezone.now().isoformat(),
            "organisation": organisation.slug, "data": data}


def emit_events(organisation: Organisation, emitted: Iterable[tuple[str, dict]]) -> list[WebhookDelivery]:
    """Record and enqueue the deliveries of ``(event, data)`` pairs; one query for the endpoints."""
    emitted = list(emitted)
    if not emitted:
        return []
    for event, _data in emitted:
        if event not in EVENTS:
            raise ValueError(f"unknown webhook event {event!r}")
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True).order_by("id"))
    deliveries = []
    for event, data in emitted:
        subscribed = [endpoint for endpoint in endpoints if event in endpoint.events]
        if not subscribed:
            continue
        event_id = uuid.uuid4()
        payload = envelope(organisation, event, event_id, data)
        deliveries.extend(
            WebhookDelivery(organisation=organisation, endpoint=endpoint, event=event, event_id=event_id,
                            payload=payload)
            for endpoint in subscribed
        )
    return enqueue_deliveries(organisation, deliveries)


def emit_event(organisation: Organisation, event: str, data: dict) -> list[WebhookDelivery]:
    return emit_events(organisation, [(event, data)])


def enqueue_deliveries(organisation: Organisation, deliveries: list[WebhookDelivery]) -> list[WebhookDelivery]:
    WebhookDelivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        outbox.enqueue("compliance.monitoring.tasks.deliver_webhook", organisation.pk, delivery.pk)
    return deliveries


def evidence_data(evidence: Evidence, *, supersedes: Evidence | None = None) -> dict:
    return {
        "evidence": {
            "id": evidence.pk, "kind": evidence.kind, "title": evidence.title, "sha256": evidence.sha256,
            "size": evidence.size, "content_type": evidence.content_type,
            "issued_on": evidence.issued_on.isoformat() if evidence.issued_on else None,
            "valid_until": evidence.valid_until.isoformat() if evidence.valid_until else None,
            "supplier": evidence.supplier_id, "processing": evidence.processing_id,
            "certificate": evidence.certificate_id, "version": evidence.version,
            "supersedes": supersedes.pk if supersedes is not None else None,
        },
    }


def evidence_uploaded(evidence: Evidence, *, supersedes: Evidence | None = None) -> list[WebhookDelivery]:
    """``evidence.uploaded``: call in the transaction that stores the evidence."""
    return emit_event(evidence.organisation, EVIDENCE_UPLOADED, evidence_data(evidence, supersedes=supersedes))
