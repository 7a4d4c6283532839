from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    name = "hds_platform"
    label = "hds_platform"
    verbose_name = _("Plateforme")
