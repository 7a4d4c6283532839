"""The import of a published list, step by step: parse, compare with what is known, write.

See :mod:`registry.importing` for what an import guarantees.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from hds_platform import outbox
from registry import selectors
from registry.importing import plan, snapshots, writing
from registry.models import CertifiedHost, Change, Snapshot
from registry.parsing import RegistryFileError, parse_registry_file

logger = logging.getLogger(__name__)

Kind = Change.Kind

# Serialises imports on PostgreSQL (SQLite transactions already start with a write lock).
_IMPORT_LOCK_KEY = 0x4D4C4E52


class ImportStatus:
    IMPORTED = "imported"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ImportResult:
    """What an import did. ``snapshot`` is the current one when the file was unchanged."""

    snapshot: Snapshot
    status: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Kind.values, 0))
    changed_host_ids: frozenset[int] = frozenset()
    listed_hosts: int = 0

    @property
    def imported(self) -> bool:
        return self.status == ImportStatus.IMPORTED

    @property
    def unchanged(self) -> bool:
        return self.status == ImportStatus.UNCHANGED

    @property
    def rejected(self) -> bool:
        return self.status == ImportStatus.REJECTED

    @property
    def reason_code(self) -> str:
        return self.snapshot.reason_code if self.rejected else ""

    @property
    def reason(self) -> str:
        return self.snapshot.reason if self.rejected else ""


def registry_import(
    *,
    data: bytes,
    source: str,
    filename: str = "",
    etag: str = "",
    last_modified: str = "",
    actor_label: str = "",
    max_removed_share: float | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> ImportResult:
    """Import a published list (CSV, XLSX or JSON bytes) from ``source`` (a URL or a file name).

    Never raises for a bad file: a rejection is returned (``result.rejected``) and recorded.
    ``max_removed_share`` overrides ``settings.REGISTRY_MAX_REMOVED_SHARE`` for this import.
    ``on_phase`` is told "parse", "compare" and "write" as the import goes (progress display).
    """
    phase = on_phase or (lambda name: None)
    limit = settings.REGISTRY_MAX_REMOVED_SHARE if max_removed_share is None else max_removed_share
    upload = snapshots.Upload.of(data, source=source, filename=filename, etag=etag, last_modified=last_modified,
                                 actor_label=actor_label)

    current = selectors.current_snapshot()
    if current is not None and current.sha256 == upload.sha256:
        return _unchanged(current, upload)

    phase("parse")
    try:
        parsed = parse_registry_file(data, filename)
    except RegistryFileError as exc:
        return _reject(upload, code=exc.code, reason=exc.message)
    file_hosts, own_errors = plan.group_by_host(parsed.rows, parsed.columns)
    errors = sorted([*parsed.errors, *own_errors], key=lambda error: error.line)
    row_count = len(parsed.rows) + len({error.line for error in parsed.errors})
    if errors:
        return _reject(upload, code="row_errors", reason=snapshots.row_errors_reason(errors), errors=errors,
                       format=parsed.format, row_count=row_count)

    phase("compare")
    with snapshots.raw_files_kept_once_committed() as stored:
        _lock_imports()
        current = selectors.current_snapshot()
        if current is not None and current.sha256 == upload.sha256:  # imported meanwhile
            return _unchanged(current, upload)
        known = plan.load_known()
        diff = plan.build_plan(file_hosts, known)
        listed = sum(1 for host in known.hosts.values() if host.listed)
        if listed and len(diff.removed) / listed > limit:
            # In this transaction: its raw file is deleted with the rest if the commit fails.
            rejected = snapshots.save_rejected(
                upload, stored, code="too_many_removals",
                reason=snapshots.removals_reason(len(diff.removed), listed, limit),
                format=parsed.format, row_count=row_count,
            )
            return _rejected(rejected, upload)
        phase("write")
        snapshot = snapshots.save_snapshot(upload, stored, status=Snapshot.Status.IMPORTED, format=parsed.format,
                                           row_count=row_count)
        result = _write(snapshot, diff, listed)
    logger.info(
        "registry import %s from %s by %s: %s rows, %s added, %s removed, %s changed",
        snapshot.pk, upload.source, upload.actor_label or "-", row_count,
        snapshot.added_count, snapshot.removed_count, snapshot.changed_count,
    )
    return result


def _write(snapshot: Snapshot, diff: plan.Plan, listed: int) -> ImportResult:
    """Write the plan for the new snapshot, its counts, and the fan-out of what it changed."""
    changed_host_ids = writing.apply_plan(diff, snapshot)
    counts = Counter(change.kind for change in diff.changes)
    snapshot.added_count = counts[Kind.ADDED]
    snapshot.removed_count = counts[Kind.REMOVED]
    snapshot.changed_count = len(
        {change.host_key for change in diff.changes if change.kind not in (Kind.ADDED, Kind.REMOVED)}
    )
    snapshot.save(update_fields=["added_count", "removed_count", "changed_count"])
    if changed_host_ids:
        # Recorded with the snapshot: a broker that is down or a task that fails leaves the
        # message pending for the relay, never the import undone.
        outbox.enqueue("registry.tasks.after_import", snapshot.pk)
    return ImportResult(
        snapshot=snapshot,
        status=ImportStatus.IMPORTED,
        counts={kind: counts[kind] for kind in Kind.values},
        changed_host_ids=frozenset(changed_host_ids),
        listed_hosts=listed - len(diff.removed) + counts[Kind.ADDED],
    )


def _unchanged(current: Snapshot, upload: snapshots.Upload) -> ImportResult:
    logger.info("registry import from %s: same file as snapshot %s, nothing to do", upload.source, current.pk)
    listed = CertifiedHost.objects.filter(listed=True).count()
    return ImportResult(snapshot=current, status=ImportStatus.UNCHANGED, listed_hosts=listed)


def _reject(upload: snapshots.Upload, **details) -> ImportResult:
    with snapshots.raw_files_kept_once_committed() as stored:
        snapshot = snapshots.save_rejected(upload, stored, **details)
    return _rejected(snapshot, upload)


def _rejected(snapshot: Snapshot, upload: snapshots.Upload) -> ImportResult:
    logger.warning("registry import from %s by %s rejected (%s): %s", upload.source,
                   upload.actor_label or "-", snapshot.reason_code, snapshot.reason)
    listed = CertifiedHost.objects.filter(listed=True).count()
    return ImportResult(snapshot=snapshot, status=ImportStatus.REJECTED, listed_hosts=listed)


def _lock_imports() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK_KEY])
