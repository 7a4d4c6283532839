"""Monitoring listens to the compliance domain (:mod:`compliance.signals`); connected in
:meth:`MonitoringConfig.ready`. Each receiver runs in the transaction of the write it follows."""

from compliance.monitoring import alerts
from compliance.monitoring.webhooks import events


def alert_on_status_changes(sender, *, organisation, changes, **kwargs) -> None:
    alerts.on_status_changes(organisation, changes)


def announce_evidence(sender, *, evidence, supersedes, **kwargs) -> None:
    events.evidence_uploaded(evidence, supersedes=supersedes)
