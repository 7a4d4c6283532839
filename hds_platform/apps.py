from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    name = "hds_platform"
    label = "hds_platform"
    verbose_name = _("Plateforme")

    def ready(self):
        from hds_platform import checks  # noqa: F401  (registers the system checks)
        from hds_platform.accounts import receivers  # noqa: F401  (audits authentication events)
        from hds_platform.schedules import ensure_schedules

        # Periodic dispatchers exist after the first migrate, editable in the admin afterwards.
        post_migrate.connect(ensure_schedules, sender=self, dispatch_uid="maillon_schedules")

        # Once per ``migrate``, after every app's migrations: new tenant tables
        # get their row-level security policy without anyone adding it.
        post_migrate.connect(_install_row_level_security, sender=self,
                             dispatch_uid="maillon_install_row_level_security")


def _install_row_level_security(sender, using, **kwargs):
    from django.db import connections

    from hds_platform import generations, rls

    rls.install(connections[using])
    generations.install(connections[using])
