"""Stored conformity answers: the latest evaluation of each processing and its status history."""

from datetime import date

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
    """The latest evaluation of a processing (one row per processing).

    ``status`` is the worse of ``hosting_status`` (the chain) and ``register_status`` (the GDPR
    register). The answer holds from ``evaluated_on`` until the day before ``valid_until``: with
    the same inputs, time alone cannot change it earlier.
    """

    processing = models.ForeignKey(Processing, on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("traitement"))
    status = models.CharField(_("statut"), max_length=16, choices=ConformityStatus.choices)
    hosting_status = models.CharField(_("statut de l'hébergement"), max_length=16, choices=ConformityStatus.choices,
                                      help_text=_("The answer for the hosting chain (HDS)."))
    register_status = models.CharField(_("statut du registre"), max_length=16, choices=ConformityStatus.choices,
                                       help_text=_("The answer for the GDPR register (art. 30, 9 and 35)."))
    findings = RowPlaceholderJSONField(_("constats"), default=list)
    evaluated_at = models.DateTimeField(_("évalué le"))
    evaluated_on = models.DateField(_("date d'évaluation"), help_text=_("The date the rules were applied to."))
    valid_until = models.DateField(
        _("valable jusqu'au"), null=True, blank=True,
        help_text=_("The first date the answer may change with the same inputs; empty when nothing in it can."),
    )
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

    def is_due(self, on: date) -> bool:
        """Whether this answer cannot be served as the answer on ``on`` without a new look."""
        return answer_is_due(self.evaluated_on, self.valid_until, on)


def answer_is_due(evaluated_on: date, valid_until: date | None, on: date) -> bool:
    """An answer evaluated on another day than ``on``, or whose ``valid_until`` has been reached, is due."""
    return evaluated_on != on or (valid_until is not None and valid_until <= on)


def due_on(on: date) -> models.Q:
    """The stored results whose answer is due on ``on`` (:func:`answer_is_due`), as a filter."""
    return models.Q(evaluated_on__lt=on) | models.Q(evaluated_on__gt=on) | models.Q(valid_until__lte=on)


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
