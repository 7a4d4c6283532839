from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    name = "hds_platform"
    label = "hds_platform"
    verbose_name = _("Plateforme")

    def ready(self):
        from hds_platform.schedules import ensure_schedules

        # Periodic dispatchers exist after the first migrate, editable in the admin afterwards.
        post_migrate.connect(ensure_schedules, sender=self, dispatch_uid="maillon_schedules")
