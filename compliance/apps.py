from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Conformité")

    def ready(self) -> None:
        from compliance import registry_link
        from compliance.web import audit_labels
        from registry import signals as registry_signals

        audit_labels.register()

        registry_signals.hosts_changed.connect(registry_link.enqueue_registry_refreshes,
                                               dispatch_uid="compliance.registry_hosts_changed")
