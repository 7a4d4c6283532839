"""Every write on webhook endpoints: create, change, delete, send a test event.

Each runs in a transaction inside the organisation's context and records its audit event in it
(never the secret). A URL is checked against :mod:`compliance.monitoring.webhooks.urlguard` when saved; the
guard's code is the error code.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from compliance.monitoring.webhooks import events as webhook_events
from compliance.monitoring.webhooks import signing, urlguard
from hds_platform import audit, outbox, writes
from hds_platform.accounts.verification import require_verified
from hds_platform.audit import Actor
from hds_platform.errors import Conflict, RateLimited, ServiceError
from hds_platform.models import Organisation
from hds_platform.tenancy import require_organisation

ENDPOINT_FIELDS = frozenset({"url", "events", "description", "is_active"})


def _clean_events(value) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise ServiceError(_("Attendu : une liste d'événements."), code="webhook_events_invalid", field="events")
    unknown = sorted(set(value) - set(webhook_events.EVENTS))
    if unknown:
        raise ServiceError(_("Événement inconnu : %s.") % ", ".join(unknown), code="webhook_event_unknown",
                           field="events")
    if not value:
        raise ServiceError(_("Choisissez au moins un événement."), code="webhook_events_required", field="events")
    return [event for event in webhook_events.EVENTS if event in value]


def _check_url(url: str) -> None:
    try:
        urlguard.check_webhook_url(url)
    except urlguard.UnsafeWebhookURL as exc:
        raise ServiceError(exc.message, code=exc.code, field="url") from None


def webhook_endpoint_create(*, actor: Actor, url: str, events: list[str], description: str = "",
                            is_active: bool = True) -> WebhookEndpoint:
    """A new endpoint with a fresh secret (``endpoint.secret``: show it once, to its creator)."""
    organisation = require_organisation()
    require_verified(actor)
    subscribed = _clean_events(events)
    _check_url(url)
    with transaction.atomic():
        endpoint = WebhookEndpoint(organisation=organisation, url=url, events=subscribed, description=description,
                                   is_active=is_active, secret=signing.new_secret(), created_by=actor.user)
        endpoint.full_clean()
        endpoint.save()
        audit.record(organisation=organisation, actor=actor, action="webhook.created", target=endpoint,
                     changes={"url": url, "events": subscribed, "is_active": is_active})
    return endpoint


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, actor: Actor, **fields) -> WebhookEndpoint:
    writes.refuse_unknown_fields(fields, ENDPOINT_FIELDS)
    if "events" in fields:
        fields["events"] = _clean_events(fields["events"])
    if "url" in fields:
        _check_url(fields["url"])
    with transaction.atomic():
        changes = writes.assign_changes(endpoint, fields)
        if not changes:
            return endpoint
        endpoint.full_clean()
        endpoint.save()
        audit.record(organisation=endpoint.organisation, actor=actor, action="webhook.updated", target=endpoint,
                     changes=changes)
    return endpoint


def webhook_endpoints_of_leaving_member(*, user, actor: Actor, reassign_to=None) -> int:
    """A member leaves: the endpoints they created are disabled (their deliveries stop), or pass to
    ``reassign_to``. Each change is audited; returns how many endpoints changed."""
    organisation = require_organisation()
    endpoints = list(WebhookEndpoint.objects.filter(created_by=user).order_by("pk"))
    with transaction.atomic():
        for endpoint in endpoints:
            if reassign_to is None:
                was_active = endpoint.is_active
                endpoint.is_active = False
                endpoint.save(update_fields=["is_active", "updated_at"])
                audit.record(organisation=organisation, actor=actor, action="webhook.disabled", target=endpoint,
                             changes={"is_active": [was_active, False], "reason": "creator_removed"})
            else:
                endpoint.created_by = reassign_to
                endpoint.save(update_fields=["created_by", "updated_at"])
                audit.record(organisation=organisation, actor=actor, action="webhook.reassigned", target=endpoint,
                             changes={"created_by": [user.pk, audit.person(reassign_to)]})
    return len(endpoints)


def webhook_rotate_secret(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookEndpoint:
    """A new signing secret (``endpoint.secret``: show it once); the old one stops at once."""
    with transaction.atomic():
        endpoint.secret = signing.new_secret()
        endpoint.save(update_fields=["secret", "updated_at"])
        audit.record(organisation=endpoint.organisation, actor=actor, action="webhook.secret_rotated",
                     target=endpoint, changes={})
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor: Actor) -> None:
    """Delete an endpoint and its delivery log; deliveries in flight are not sent."""
    with transaction.atomic():
        audit.record(organisation=endpoint.organisation, actor=actor, action="webhook.deleted", target=endpoint,
                     changes={"url": endpoint.url})
        endpoint.delete()


def webhook_send_test(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookDelivery:
    """Send ``test.ping`` to ``endpoint`` now (after commit), whatever it subscribed to; tried once."""
    if not endpoint.is_active:
        raise Conflict(_("Ce webhook est désactivé : activez-le avant de l'essayer."), code="webhook_inactive")
    organisation = endpoint.organisation
    with transaction.atomic():
        # Counted under the organisation's lock (taken by the audit record below, held to the commit).
        Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list("pk").get()
        recent = WebhookDelivery.objects.filter(event=webhook_events.TEST_PING,
                                                created_at__gt=timezone.now() - timedelta(minutes=1)).count()
        if recent >= settings.WEBHOOK_TEST_EVENTS_PER_MINUTE:
            raise RateLimited(
                _("Trop d'événements de test en une minute (%(max)s au plus) : réessayez dans une minute.")
                % {"max": settings.WEBHOOK_TEST_EVENTS_PER_MINUTE},
                code="webhook_test_rate_limited", retry_after=60)
        event_id = uuid.uuid4()
        delivery = WebhookDelivery(
            organisation=organisation, endpoint=endpoint, event=webhook_events.TEST_PING, event_id=event_id,
            payload=webhook_events.envelope(organisation, webhook_events.TEST_PING, event_id,
                                            {"endpoint": endpoint.pk}),
        )
        webhook_events.enqueue_deliveries(organisation, [delivery])
        audit.record(organisation=organisation, actor=actor, action="webhook.test_sent", target=endpoint,
                     changes={"delivery": delivery.pk})
    return delivery


def webhook_redeliver(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send a failed or abandoned delivery again, now, with the same event id (receivers that
    already handled it recognise it); its attempts start again from zero."""
    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(
            pk=delivery.pk, status__in=[DeliveryStatus.FAILED, DeliveryStatus.DEAD],
        ).update(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_at=None)
        if not updated:
            raise Conflict(_("Seul un envoi en échec ou abandonné peut être renvoyé."),
                           code="webhook_delivery_not_failed")
        delivery.refresh_from_db()
        outbox.enqueue("compliance.monitoring.tasks.deliver_webhook", delivery.organisation_id, delivery.pk)
        audit.record(organisation=delivery.organisation, actor=actor, action="webhook.redelivered",
                     target=delivery.endpoint, changes={"delivery": delivery.pk, "event": delivery.event})
    return delivery
