"""What an organisation is told: alerts and each member's e-mail digest preference.

The rules that create and change these rows live in ``compliance.monitoring``."""


from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from compliance.conformity.horizons import EXPIRED_THRESHOLD, EXPIRY_THRESHOLDS
from compliance.models.choices import AlertSeverity
from hds_platform.tenancy import TenantModel

_THRESHOLD_HELP = format_lazy(
    _("Expiry alerts: {thresholds}, or {expired} when expired."),
    thresholds=", ".join(str(days) for days in EXPIRY_THRESHOLDS if days != EXPIRED_THRESHOLD),
    expired=EXPIRED_THRESHOLD,
)


class AlertKind(models.TextChoices):
    CERTIFICATE_EXPIRING = "certificate_expiring", _("Certificat bientôt expiré")
    CERTIFICATE_EXPIRED = "certificate_expired", _("Certificat expiré")
    EVIDENCE_EXPIRING = "evidence_expiring", _("Pièce bientôt expirée")
    EVIDENCE_EXPIRED = "evidence_expired", _("Pièce expirée")
    CONFORMITY_CHANGED = "conformity_changed", _("Statut de conformité modifié")
    REGISTRY_HOST_CHANGED = "registry_host_changed", _("Hébergeur modifié dans la liste ANS")
    EVIDENCE_REQUEST_OVERDUE = "evidence_request_overdue", _("Demande de pièces en retard")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Ouverte")
    ACKNOWLEDGED = "acknowledged", _("Prise en compte")
    RESOLVED = "resolved", _("Résolue")


class AlertResolution(models.TextChoices):
    NONE = "", _("—")
    MANUAL = "manual", _("Résolue par un membre")
    RENEWED = "renewed", _("Date de fin modifiée")
    SUPERSEDED = "superseded", _("Remplacée par une alerte plus proche de l'échéance")
    GONE = "gone", _("Objet supprimé ou remplacé")


class Alert(TenantModel):
    """Something a member should know. ``dedupe_key`` makes every alert exist once, however many
    times (or on however many workers) the job that raises it runs."""

    kind = models.CharField(_("type"), max_length=32, choices=AlertKind.choices)
    severity = models.CharField(_("gravité"), max_length=16, choices=AlertSeverity.choices)
    status = models.CharField(_("état"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    dedupe_key = models.CharField(max_length=200, help_text=_("What makes this alert unique in the organisation."))
    threshold = models.PositiveSmallIntegerField(
        _("seuil (jours)"), null=True, blank=True, help_text=_THRESHOLD_HELP)
    due_on = models.DateField(_("échéance"), null=True, blank=True,
                              help_text=_("Expiry alerts: the end-of-validity date the alert is about."))
    data = models.JSONField(_("données"), default=dict, blank=True,
                            help_text=_("What the alert is about, kept even if the object is deleted."))
    certificate = models.ForeignKey("compliance.Certificate", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("certificat"))
    evidence = models.ForeignKey("compliance.Evidence", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("pièce justificative"))
    processing = models.ForeignKey("compliance.Processing", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("traitement"))
    supplier = models.ForeignKey("compliance.Supplier", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("fournisseur"))
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("prise en compte le"), null=True, blank=True)
    acknowledged_by = models.ForeignKey("hds_platform.User", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", verbose_name=_("prise en compte par"))
    resolved_at = models.DateTimeField(_("résolue le"), null=True, blank=True)
    resolved_by = models.ForeignKey("hds_platform.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("résolue par"))
    resolution = models.CharField(_("résolution"), max_length=16, blank=True, choices=AlertResolution.choices)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("alerte")
        verbose_name_plural = _("alertes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "dedupe_key"], name="alert_unique_dedupe_key"),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "-created_at"], name="alert_status_created"),
            models.Index(fields=["organisation", "kind", "-created_at"], name="alert_kind_created"),
        ]

    def __str__(self):
        return f"{self.kind}: {self.dedupe_key}"


class DigestFrequency(models.TextChoices):
    ROLE_DEFAULT = "", _("Selon le rôle")
    DAILY = "daily", _("Quotidien")
    WEEKLY = "weekly", _("Hebdomadaire")
    NEVER = "never", _("Jamais")


class NotificationPreference(TenantModel):
    """How one member of the organisation wants the e-mail digest of new alerts."""

    user = models.ForeignKey("hds_platform.User", on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(_("résumé par e-mail"), max_length=16, blank=True, choices=DigestFrequency.choices,
                              default=DigestFrequency.ROLE_DEFAULT,
                              help_text=_("Empty: daily for owners, admins and editors, weekly otherwise."))
    kinds = models.JSONField(_("types d'alertes"), default=list, blank=True,
                             help_text=_("Alert kinds to include; empty: all."))
    last_digest_at = models.DateTimeField(_("dernier résumé"), null=True, blank=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="notificationpreference_unique_user"),
        ]

    def __str__(self):
        return f"{self.user_id}@{self.organisation_id}: {self.digest or 'role'}"
