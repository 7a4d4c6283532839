"""Stored conformity answers: the latest evaluation of each processing and its status history."""


from django.db import models
from django.utils.translation import gettext_lazy as _

from compliance.models.choices import ConformityStatus
from compliance.models.processings import Processing
from hds_platform.tenancy import TenantModel


class RowPlaceholderJSONField(models.JSONField):
    """A JSONField bulk-inserted with one placeholder per row.

    On PostgreSQL, Django inserts many rows through ``UNNEST`` of one array per column unless a
    field defines its own placeholder; psycopg then adapts the jsonb array element by element in
    Python, which made writing a batch of evaluation results several times slower.
    """

    def get_placeholder(self, value, compiler, connection):
        return "%s"



class ConformityResult(TenantModel):
    """The latest evaluation of a processing (one row per processing)."""

    processing = models.ForeignKey(Processing, on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("traitement"))
    status = models.CharField(_("statut"), max_length=16, choices=ConformityStatus.choices)
    findings = RowPlaceholderJSONField(_("constats"), default=list)
    evaluated_at = models.DateTimeField(_("évalué le"))
    evaluated_on = models.DateField(_("date d'évaluation"), help_text=_("The date the rules were applied to."))
    inputs_digest = models.CharField(max_length=64, help_text=_("sha256 of the engine's inputs."))

    class Meta(TenantModel.Meta):
        verbose_name = _("résultat de conformité")
        verbose_name_plural = _("résultats de conformité")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "processing"], name="conformity_one_per_processing"),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="conformity_status")]

    def __str__(self):
        return f"{self.processing_id}: {self.status}"


class ConformityStatusChange(TenantModel):
    """One change of a processing's status, with the finding codes that appeared and disappeared."""

    processing = models.ForeignKey(Processing, on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("traitement"))
    from_status = models.CharField(_("ancien statut"), max_length=16, blank=True, choices=ConformityStatus.choices,
                                   help_text=_("Empty for the first evaluation."))
    to_status = models.CharField(_("nouveau statut"), max_length=16, choices=ConformityStatus.choices)
    changed_at = models.DateTimeField(_("le"))
    appeared = RowPlaceholderJSONField(_("constats apparus"), default=list)
    disappeared = RowPlaceholderJSONField(_("constats disparus"), default=list)

    class Meta(TenantModel.Meta):
        verbose_name = _("changement de statut")
        verbose_name_plural = _("historique des statuts")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["organisation", "processing", "-changed_at"], name="conformity_history")]

    def __str__(self):
        return f"{self.processing_id}: {self.from_status or '∅'} → {self.to_status}"
