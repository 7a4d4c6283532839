from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """What an organisation is told: alerts, the expiry scan, e-mail digests and webhooks.

    An app of its own (label ``monitoring``) so that Django and Celery find its modules; it owns no
    table: its models are the ``compliance`` app's (``compliance/models/alerts.py`` and
    ``webhooks.py``), so no table moved when it left the compliance core.
    """

    name = "compliance.monitoring"
    label = "monitoring"
    verbose_name = _("Suivi")

    def ready(self) -> None:
        from django.core import signals as request_signals

        from compliance import signals
        from compliance.monitoring import receivers
        from compliance.monitoring.webhooks import inprocess
        from hds_platform import signals as platform_signals
        from registry import signals as registry_signals

        signals.status_changed.connect(receivers.alert_on_status_changes, dispatch_uid="monitoring.status_changed")
        signals.evidence_stored.connect(receivers.announce_evidence, dispatch_uid="monitoring.evidence_stored")
        signals.supplier_changed.connect(receivers.announce_supplier, dispatch_uid="monitoring.supplier_changed")
        signals.evidence_request_answered.connect(receivers.announce_evidence_request_answer,
                                                  dispatch_uid="monitoring.evidence_request_answered")
        signals.evidence_request_overdue.connect(receivers.alert_evidence_request_overdue,
                                                 dispatch_uid="monitoring.evidence_request_overdue")
        registry_signals.hosts_changed.connect(receivers.alert_on_registry_changes,
                                               dispatch_uid="monitoring.registry_hosts_changed")
        request_signals.request_started.connect(inprocess.request_started, dispatch_uid="monitoring.request_started")
        request_signals.request_finished.connect(inprocess.request_finished,
                                                 dispatch_uid="monitoring.request_finished")
        platform_signals.member_leaving.connect(receivers.stop_webhooks_of_leaving_member,
                                                dispatch_uid="monitoring.member_leaving")
