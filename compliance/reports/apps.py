from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reports (PDF, CSV, XLSX, ZIP) generated as jobs, and signed conformity attestations."""

    name = "compliance.reports"
    label = "reports"
    verbose_name = _("Rapports")
