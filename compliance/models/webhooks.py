"""Webhook endpoints of an organisation and the deliveries made to them.

The rules that create and send these rows live in ``compliance.monitoring.webhooks``."""


from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hds_platform.tenancy import TenantModel

#: The payload version of new subscriptions (``compliance.monitoring.webhooks.catalogue``).
PAYLOAD_VERSION = "2026-12-01"
#: The payloads sent before payloads were versioned, kept for the subscriptions made then.
LEGACY_PAYLOAD_VERSION = "legacy"


class PayloadVersion(models.TextChoices):
    V2026_12_01 = PAYLOAD_VERSION, PAYLOAD_VERSION
    LEGACY = LEGACY_PAYLOAD_VERSION, _("historique (sans version)")


class WebhookEndpoint(TenantModel):
    """A URL of practice software that receives the organisation's events, signed with ``secret``."""

    url = models.URLField(_("adresse"), max_length=500)
    version = models.CharField(_("version des contenus"), max_length=16, choices=PayloadVersion.choices,
                               default=PAYLOAD_VERSION,
                               help_text=_("Payload version sent to this endpoint."))
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("événements"), default=list,
                              help_text=_("Event types sent to this endpoint."))
    # Kept readable: every delivery is signed with it (HMAC needs the key itself).
    secret = models.CharField(max_length=100, editable=False)
    # After a rotation the previous secret signs too, until previous_secret_expires_at.
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("actif"), default=True)
    created_by = models.ForeignKey("hds_platform.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    # Circuit breaker: after WEBHOOK_CIRCUIT_FAILURES failures in a row nothing is sent until
    # circuit_open_until (test events still go, and a success closes the circuit).
    consecutive_failures = models.PositiveIntegerField(_("échecs consécutifs"), default=0)
    circuit_open_until = models.DateTimeField(_("suspendu jusqu'au"), null=True, blank=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["id"]

    def __str__(self):
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    DELIVERING = "delivering", _("En cours d'envoi")
    SUCCEEDED = "succeeded", _("Délivré")
    FAILED = "failed", _("Échec, nouvel essai prévu")
    DEAD = "dead", _("Abandonné")


class WebhookDelivery(TenantModel):
    """One event sent (or to send) to one endpoint, with its attempts."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("événement"), max_length=64)
    event_id = models.UUIDField(help_text=_("Identifies the event; the same across retries."))
    payload = models.JSONField()
    status = models.CharField(_("état"), max_length=16, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochain essai"), null=True, blank=True, default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_response_status = models.PositiveSmallIntegerField(_("dernier code HTTP"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    delivered_at = models.DateTimeField(_("délivré le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta(TenantModel.Meta):
        verbose_name = _("envoi de webhook")
        verbose_name_plural = _("envois de webhooks")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "endpoint", "event_id"],
                                    name="webhookdelivery_unique_event"),
        ]
        indexes = [
            models.Index(fields=["organisation", "endpoint", "-created_at"], name="webhookdelivery_log"),
            models.Index(fields=["next_attempt_at"], name="webhookdelivery_due",
                         condition=Q(status__in=["pending", "failed"])),
            models.Index(fields=["claimed_at"], name="webhookdelivery_claimed",
                         condition=Q(status="delivering")),
            models.Index(fields=["organisation", "last_attempt_at"], name="webhookdelivery_recent"),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.status})"


class WebhookEvent(TenantModel):
    """An event as emitted, stored once whether or not an endpoint subscribes to it, for
    ``…/events/`` (kept ``WEBHOOK_EVENTS_RETENTION_DAYS`` days). ``payload`` is the body a delivery
    of the current version carries; ``legacy_payload`` the one of unversioned subscriptions."""

    event_id = models.UUIDField(help_text=_("The event's id: the payload's id and every delivery's event_id."))
    type = models.CharField(_("type"), max_length=64)
    occurred_at = models.DateTimeField(_("survenu le"))
    payload = models.JSONField()
    legacy_payload = models.JSONField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "event_id"], name="webhookevent_unique_event"),
        ]
        indexes = [
            models.Index(fields=["organisation", "occurred_at", "id"], name="webhookevent_feed"),
            models.Index(fields=["organisation", "type", "occurred_at"], name="webhookevent_type"),
        ]

    def __str__(self):
        return f"{self.type} {self.event_id}"
