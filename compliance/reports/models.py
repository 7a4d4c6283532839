"""A report: one requested document, its progress while it is generated, then its file."""

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compliance.models import Processing, Supplier
from hds_platform.models import User
from hds_platform.tenancy import TenantModel


class ReportKind(models.TextChoices):
    CONFORMITY = "conformity", _("Dossier de conformité")
    REGISTER = "register", _("Registre des traitements (art. 30)")
    SUPPLIERS = "suppliers", _("Fournisseurs")
    EVIDENCE_PACK = "evidence_pack", _("Dossier de preuves")


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    ZIP = "zip", "ZIP"


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Prêt")
    FAILED = "failed", _("Échec")


class ReportLanguage(models.TextChoices):
    FR = "fr", "Français"
    EN = "en", "English"


def report_storage_name(organisation_id: int, extension: str) -> str:
    """A private, unguessable storage path (the download name is kept apart, in ``file_name``)."""
    now = timezone.now()
    return f"reports/{organisation_id}/{now:%Y/%m}/{secrets.token_hex(16)}.{extension}"


class Report(TenantModel):
    """A document asked for by a member or a token, generated on the ``reports`` queue.

    ``processing`` or ``supplier`` narrow the report to one processing or one supplier (which
    kinds accept which is said in :mod:`compliance.reports.kinds`). The file is reachable only
    through the authorised download views.
    """

    kind = models.CharField(_("type"), max_length=16, choices=ReportKind.choices)
    format = models.CharField(_("format"), max_length=8, choices=ReportFormat.choices)
    processing = models.ForeignKey(Processing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("traitement"))
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("fournisseur"))
    language = models.CharField(_("langue"), max_length=2, choices=ReportLanguage.choices,
                                default=ReportLanguage.FR)
    status = models.CharField(_("état"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("avancement"), default=0, help_text=_("0 to 100."))
    error = models.TextField(_("erreur"), blank=True)
    file = models.FileField(_("fichier"), max_length=300, blank=True)
    file_name = models.CharField(_("nom du fichier"), max_length=200, blank=True)
    content_type = models.CharField(_("type de contenu"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("taille (octets)"), null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("demandé par"))
    requested_by_label = models.CharField(_("demandeur"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("rapport")
        verbose_name_plural = _("rapports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-created_at"], name="report_recent")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.format})"

    @property
    def finished(self) -> bool:
        return self.status in (ReportStatus.DONE, ReportStatus.FAILED)
