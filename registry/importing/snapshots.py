"""Snapshots: each imported or rejected file kept with its raw bytes in the default storage.

A raw file is saved before its row and deleted again only if the transaction that holds the row
does not commit (:func:`raw_files_kept_once_committed`): a committed snapshot always has its file.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.text import get_valid_filename

from registry.models import Snapshot
from registry.parsing import RowError

#: row errors kept on a rejected snapshot; the reason gives the total
MAX_STORED_ERRORS = 1000


@dataclass(frozen=True)
class Upload:
    """A file to import and what is known of where it came from."""

    data: bytes
    sha256: str
    source: str
    filename: str
    etag: str
    last_modified: str
    actor_label: str

    @classmethod
    def of(cls, data: bytes, *, source: str, filename: str, etag: str, last_modified: str,
           actor_label: str) -> Upload:
        return cls(data=data, sha256=hashlib.sha256(data).hexdigest(), source=source[:500], filename=filename,
                   etag=etag, last_modified=last_modified, actor_label=actor_label[:200])


@contextmanager
def raw_files_kept_once_committed() -> Iterator[list[str]]:
    """A transaction, and the list in which its raw files are named as they are saved.

    If the block fails before its transaction commits, the files are deleted: no row refers to
    them. Once it has committed they are the snapshots' own files and stay, even if something run
    at commit raises afterwards.
    """
    stored: list[str] = []
    committed = False

    def mark_committed() -> None:
        nonlocal committed
        committed = True

    try:
        with transaction.atomic():
            transaction.on_commit(mark_committed)
            yield stored
    except BaseException:
        if not committed:
            for name in stored:
                default_storage.delete(name)
        raise


def save_snapshot(upload: Upload, stored: list[str], *, status: str, format: str, row_count: int,
                  **fields) -> Snapshot:
    """Save the raw file through the default storage, then the row (``stored`` gets the file name)."""
    snapshot = Snapshot(
        source=upload.source, sha256=upload.sha256, format=format, row_count=row_count, status=status,
        etag=upload.etag[:200], last_modified=upload.last_modified[:100], actor_label=upload.actor_label,
        **fields,
    )
    snapshot.raw_file.save(stored_name(upload, format), ContentFile(upload.data), save=False)
    stored.append(snapshot.raw_file.name)
    snapshot.save()
    return snapshot


def save_rejected(upload: Upload, stored: list[str], *, code: str, reason: str, errors: Sequence[RowError] = (),
                  format: str = "", row_count: int = 0) -> Snapshot:
    """A rejected snapshot: the file kept with the reason and the first row errors."""
    return save_snapshot(
        upload, stored, status=Snapshot.Status.REJECTED, format=format, row_count=row_count,
        reason_code=code, reason=reason,
        errors=[{"line": error.line, "reason": error.reason} for error in errors[:MAX_STORED_ERRORS]],
    )


def stored_name(upload: Upload, format: str) -> str:
    """The raw file's name: the start of its digest, then the file's own name when it has a usable one."""
    base = posixpath.basename(upload.filename) or posixpath.basename(urlsplit(upload.source).path)
    try:
        base = get_valid_filename(base)[-100:]
    except SuspiciousFileOperation:
        base = ""
    return f"{upload.sha256[:12]}-{base or 'liste.' + (format or 'bin')}"


def row_errors_reason(errors: Sequence[RowError]) -> str:
    lines = len({error.line for error in errors})
    plural = "s" if lines > 1 else ""
    return (f"{lines} ligne{plural} illisible{plural} : la liste n'a pas été importée, "
            "corrigez le fichier ou attendez la prochaine publication.")


def removals_reason(removed: int, listed: int, limit: float) -> str:
    return (
        f"Cet import retirerait {removed} hébergeurs sur les {listed} de la liste actuelle "
        f"({removed / listed:.0%}), au-delà du maximum de {limit:.0%} : le fichier est probablement "
        "incomplet. La liste actuelle est conservée."
    )
