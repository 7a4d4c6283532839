"""What the registry announces, for the apps that depend on it.

The registry knows hosts, not organisations, and never imports the apps above it: they connect
receivers to these signals when they are ready (``compliance``: the re-checks of the
organisations whose suppliers are matched to a changed host; ``compliance.monitoring``: their
alerts). A receiver runs in the sender's transaction and records its follow-up work in the
outbox, so what it enqueues commits or rolls back with the others.
"""

from django.dispatch import Signal

#: An import changed hosts (added, removed, renamed, or their certificates). Sent by
#: ``registry.tasks.after_import``, sender :class:`~registry.models.Snapshot`. Arguments:
#: ``snapshot_id``, ``host_ids`` (the changed hosts, sorted, never empty).
hosts_changed = Signal()
