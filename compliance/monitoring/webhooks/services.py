"""Every write on webhook endpoints: create, change, delete, rotate the secret, send a test event,
send a delivery again.

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

from compliance.models import DeliveryStatus, PayloadVersion, WebhookDelivery, WebhookEndpoint
from compliance.monitoring.webhooks import catalogue, signing, urlguard
from compliance.monitoring.webhooks import events as webhook_events
from hds_platform import audit, outbox, writes
from hds_platform.accounts.verification import require_verified
from hds_platform.audit import Actor
from hds_platform.errors import Conflict, RateLimited, ServiceError
from hds_platform.models import Organisation
from hds_platform.tenancy import require_organisation

ENDPOINT_FIELDS = frozenset({"url", "events", "description", "is_active", "version"})


def _clean_events(value, version: str) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise ServiceError(_("Attendu : une liste d'événements."), code="webhook_events_invalid", field="events")
    offered = catalogue.subscribable(version)
    unknown = sorted(set(value) - set(webhook_events.EVENTS))
    if unknown:
        raise ServiceError(_("Événement inconnu : %s.") % ", ".join(unknown), code="webhook_event_unknown",
                           field="events")
    unversioned = sorted(set(value) - set(offered))
    if unversioned:
        raise ServiceError(
            _("Ces événements n'existent qu'en version %(version)s : %(events)s. Passez le webhook à cette "
              "version pour les recevoir.") % {"version": catalogue.VERSION, "events": ", ".join(unversioned)},
            code="webhook_event_needs_version", field="events")
    if not value:
        raise ServiceError(_("Choisissez au moins un événement."), code="webhook_events_required", field="events")
    return [event for event in offered if event in value]


def _clean_version(value) -> str:
    if value not in PayloadVersion.values:
        raise ServiceError(_("Version inconnue : choisissez parmi %s.") % ", ".join(PayloadVersion.values),
                           code="webhook_version_unknown", field="version")
    return value


def _refuse_duplicate_url(url: str, *, endpoint: WebhookEndpoint | None = None) -> None:
    """One endpoint per URL in an organisation (two would receive every event twice). Checked
    under the organisation's lock, so two creations at once cannot both pass."""
    Organisation.objects.select_for_update().filter(pk=require_organisation().pk).values_list("pk").get()
    others = WebhookEndpoint.objects.filter(url=url)
    if endpoint is not None:
        others = others.exclude(pk=endpoint.pk)
    if others.exists():
        raise ServiceError(_("Un webhook de cette organisation envoie déjà à cette adresse."),
                           code="duplicate_url", field="url")


def _check_url(url: str) -> None:
    try:
        urlguard.check_webhook_url(url)
    except urlguard.UnsafeWebhookURL as exc:
        raise ServiceError(exc.message, code=exc.code, field="url") from None


def webhook_endpoint_create(*, actor: Actor, url: str, events: list[str], description: str = "",
                            is_active: bool = True, version: str = catalogue.VERSION) -> WebhookEndpoint:
    """A new endpoint with a fresh secret (``endpoint.secret``: show it once, to its creator)."""
    organisation = require_organisation()
    require_verified(actor)
    version = _clean_version(version)
    subscribed = _clean_events(events, version)
    _check_url(url)
    with transaction.atomic():
        _refuse_duplicate_url(url)
        endpoint = WebhookEndpoint(organisation=organisation, url=url, events=subscribed, description=description,
                                   is_active=is_active, version=version, secret=signing.new_secret(),
                                   created_by=actor.user)
        endpoint.full_clean()
        endpoint.save()
        audit.record(organisation=organisation, actor=actor, action="webhook.created", target=endpoint,
                     changes={"url": url, "events": subscribed, "is_active": is_active, "version": version})
    return endpoint


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, actor: Actor, **fields) -> WebhookEndpoint:
    """Change an endpoint; ``version`` upgrades (or returns) it to another payload version."""
    writes.refuse_unknown_fields(fields, ENDPOINT_FIELDS)
    version = _clean_version(fields["version"]) if "version" in fields else endpoint.version
    if "events" in fields or "version" in fields:
        fields["events"] = _clean_events(fields.get("events", endpoint.events), version)
    if "url" in fields:
        _check_url(fields["url"])
    with transaction.atomic():
        if "url" in fields:
            _refuse_duplicate_url(fields["url"], endpoint=endpoint)
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
    """A new signing secret (``endpoint.secret``: show it once). For ``WEBHOOK_SECRET_GRACE_HOURS``
    the old one signs too (a second ``v1`` in the signature header), so the receiver can switch
    without losing a delivery; rotating again during the grace drops the oldest secret."""
    with transaction.atomic():
        grace_until = timezone.now() + timedelta(hours=settings.WEBHOOK_SECRET_GRACE_HOURS)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = grace_until
        endpoint.secret = signing.new_secret()
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
        audit.record(organisation=endpoint.organisation, actor=actor, action="webhook.secret_rotated",
                     target=endpoint, changes={"previous_secret_expires_at": grace_until.isoformat()})
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
                                            {"endpoint": endpoint.pk}, version=endpoint.version),
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
