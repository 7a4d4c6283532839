from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Conformité")

    def ready(self) -> None:
        from compliance import registry_link
        from registry import signals as registry_signals

        registry_signals.hosts_changed.connect(registry_link.enqueue_registry_refreshes,
                                               dispatch_uid="compliance.registry_hosts_changed")
