"""Importing a published ANS list as a snapshot: the registry's one write.

An import is all or nothing. A file that cannot be read, a row that cannot be read, or a list
that would remove too many known hosts becomes a *rejected* snapshot (the raw file kept, the
reason and the row errors stored) and nothing else changes: the previous list stays current.
The same file as the current list is a no-op. Otherwise one transaction records the snapshot,
upserts hosts (identified by normalised name) and their certificates (by normalised number
within the host), writes one :class:`~registry.models.Change` per host and changed aspect, and
records the fan-out (``registry.tasks.after_import``) in the outbox.

- :mod:`~registry.importing.service`: :func:`registry_import`, the steps in order;
- :mod:`~registry.importing.plan`: the file host by host, what is known, what changes;
- :mod:`~registry.importing.writing`: the plan written in bulk statements;
- :mod:`~registry.importing.snapshots`: raw files, their names, rejected snapshots.

Registry rows are reference data, not tenant data: no audit event, a log line instead.
"""

from registry.importing.service import ImportResult, ImportStatus, registry_import

__all__ = ["ImportResult", "ImportStatus", "registry_import"]
