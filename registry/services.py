"""Writes of the registry: importing a published ANS list as a snapshot.

An import is all or nothing. A file that cannot be read, a row that cannot be read, or a list
that would remove too many known hosts becomes a *rejected* snapshot (the raw file kept, the
reason and the row errors stored) and nothing else changes: the previous list stays current.
The same file as the current list is a no-op. Otherwise one transaction records the snapshot,
upserts hosts (identified by normalised name) and their certificates (by normalised number
within the host), and writes one :class:`~registry.models.Change` per host and changed aspect.
Every write is a bulk statement, so the number of queries grows with the number of batches,
never with the number of rows.

Registry rows are reference data, not tenant data: no audit event, a log line instead.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import logging
import operator
import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils.text import get_valid_filename

from hds_platform import outbox
from registry import selectors
from registry.matching import normalise_certificate_number, normalise_name
from registry.models import CertifiedHost, Change, HostCertificate, Snapshot
from registry.parsing import HostRow, RegistryFileError, RowError, parse_registry_file

logger = logging.getLogger(__name__)

Kind = Change.Kind

#: rows per ``executemany`` batch
BATCH_SIZE = 2000
#: ids per ``id IN (…)`` list
ID_CHUNK = 500
#: row errors kept on a rejected snapshot; the reason gives the total
MAX_STORED_ERRORS = 1000
# Serialises imports on PostgreSQL (SQLite transactions already start with a write lock).
_IMPORT_LOCK_KEY = 0x4D4C4E52

_CERTIFICATE_FIELDS = (
    "certificate_number", "certifier", "activities", "referential_version", "issued_on", "expires_on",
    "transparency_url", "scope",
)
# A scheme, a host, then no space; checked with expressions because Django's URLValidator costs a
# millisecond a row.
_WEB_ADDRESS = re.compile(r"https?://[^\s/?#@:]+(:\d+)?([/?#]\S*)?", re.IGNORECASE)
_BARE_DOMAIN = re.compile(r"[\w-]+(\.[\w-]+)+(/\S*)?")


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
    upload = _Upload(data=data, sha256=hashlib.sha256(data).hexdigest(), source=source[:500],
                     filename=filename, etag=etag, last_modified=last_modified, actor_label=actor_label[:200])

    current = selectors.current_snapshot()
    if current is not None and current.sha256 == upload.sha256:
        return _unchanged(current, upload)

    phase("parse")
    try:
        parsed = parse_registry_file(data, filename)
    except RegistryFileError as exc:
        return _reject(upload, code=exc.code, reason=exc.message)
    file_hosts, own_errors = _group_by_host(parsed.rows, parsed.columns)
    errors = sorted([*parsed.errors, *own_errors], key=lambda error: error.line)
    row_count = len(parsed.rows) + len({error.line for error in parsed.errors})
    if errors:
        return _reject(upload, code="row_errors", reason=_row_errors_reason(errors), errors=errors,
                       format=parsed.format, row_count=row_count)

    phase("compare")
    with _raw_files_kept_once_committed() as stored:
        _lock_imports()
        current = selectors.current_snapshot()
        if current is not None and current.sha256 == upload.sha256:  # imported meanwhile
            return _unchanged(current, upload)
        known = _load_known()
        plan = _plan(file_hosts, known)
        listed = sum(1 for host in known.hosts.values() if host.listed)
        if listed and len(plan.removed) / listed > limit:
            # In this transaction: its raw file is deleted with the rest if the commit fails.
            rejected = _save_rejected(upload, stored, code="too_many_removals",
                                      reason=_removals_reason(len(plan.removed), listed, limit),
                                      format=parsed.format, row_count=row_count)
            return _rejected(rejected, upload)
        phase("write")
        snapshot = _new_snapshot(upload, status=Snapshot.Status.IMPORTED, format=parsed.format,
                                 row_count=row_count, stored=stored)
        changed_host_ids = _apply(plan, snapshot)
        counts = Counter(change.kind for change in plan.changes)
        snapshot.added_count = counts[Kind.ADDED]
        snapshot.removed_count = counts[Kind.REMOVED]
        snapshot.changed_count = len(
            {change.host_key for change in plan.changes if change.kind not in (Kind.ADDED, Kind.REMOVED)}
        )
        snapshot.save(update_fields=["added_count", "removed_count", "changed_count"])
        if changed_host_ids:
            # Recorded with the snapshot: a broker that is down or a task that fails leaves the
            # message pending for the relay, never the import undone.
            outbox.enqueue("registry.tasks.after_import", snapshot.pk)
    logger.info(
        "registry import %s from %s by %s: %s rows, %s added, %s removed, %s changed",
        snapshot.pk, upload.source, upload.actor_label or "-", row_count,
        snapshot.added_count, snapshot.removed_count, snapshot.changed_count,
    )
    return ImportResult(
        snapshot=snapshot,
        status=ImportStatus.IMPORTED,
        counts={kind: counts[kind] for kind in Kind.values},
        changed_host_ids=frozenset(changed_host_ids),
        listed_hosts=listed - len(plan.removed) + counts[Kind.ADDED],
    )


# --- Snapshots -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Upload:
    data: bytes
    sha256: str
    source: str
    filename: str
    etag: str
    last_modified: str
    actor_label: str


def _unchanged(current: Snapshot, upload: _Upload) -> ImportResult:
    logger.info("registry import from %s: same file as snapshot %s, nothing to do", upload.source, current.pk)
    listed = CertifiedHost.objects.filter(listed=True).count()
    return ImportResult(snapshot=current, status=ImportStatus.UNCHANGED, listed_hosts=listed)


def _reject(upload: _Upload, **details) -> ImportResult:
    with _raw_files_kept_once_committed() as stored:
        snapshot = _save_rejected(upload, stored, **details)
    return _rejected(snapshot, upload)


def _save_rejected(upload: _Upload, stored: list[str], *, code: str, reason: str, errors: Sequence[RowError] = (),
                   format: str = "", row_count: int = 0) -> Snapshot:
    return _new_snapshot(
        upload, status=Snapshot.Status.REJECTED, format=format, row_count=row_count, stored=stored,
        reason_code=code, reason=reason,
        errors=[{"line": error.line, "reason": error.reason} for error in errors[:MAX_STORED_ERRORS]],
    )


def _rejected(snapshot: Snapshot, upload: _Upload) -> ImportResult:
    logger.warning("registry import from %s by %s rejected (%s): %s", upload.source,
                   upload.actor_label or "-", snapshot.reason_code, snapshot.reason)
    listed = CertifiedHost.objects.filter(listed=True).count()
    return ImportResult(snapshot=snapshot, status=ImportStatus.REJECTED, listed_hosts=listed)


def _new_snapshot(upload: _Upload, *, status: str, format: str, row_count: int, stored: list, **fields) -> Snapshot:
    """Save the raw file through the default storage, then the row (``stored`` gets the file name)."""
    snapshot = Snapshot(
        source=upload.source, sha256=upload.sha256, format=format, row_count=row_count, status=status,
        etag=upload.etag[:200], last_modified=upload.last_modified[:100], actor_label=upload.actor_label,
        **fields,
    )
    snapshot.raw_file.save(_stored_name(upload, format), ContentFile(upload.data), save=False)
    stored.append(snapshot.raw_file.name)
    snapshot.save()
    return snapshot


def _stored_name(upload: _Upload, format: str) -> str:
    base = posixpath.basename(upload.filename) or posixpath.basename(urlsplit(upload.source).path)
    try:
        base = get_valid_filename(base)[-100:]
    except SuspiciousFileOperation:
        base = ""
    return f"{upload.sha256[:12]}-{base or 'liste.' + (format or 'bin')}"


@contextmanager
def _raw_files_kept_once_committed() -> Iterator[list[str]]:
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
            _delete_stored(stored)
        raise


def _delete_stored(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _row_errors_reason(errors: Sequence[RowError]) -> str:
    lines = len({error.line for error in errors})
    plural = "s" if lines > 1 else ""
    return (f"{lines} ligne{plural} illisible{plural} : la liste n'a pas été importée, "
            "corrigez le fichier ou attendez la prochaine publication.")


def _removals_reason(removed: int, listed: int, limit: float) -> str:
    return (
        f"Cet import retirerait {removed} hébergeurs sur les {listed} de la liste actuelle "
        f"({removed / listed:.0%}), au-delà du maximum de {limit:.0%} : le fichier est probablement "
        "incomplet. La liste actuelle est conservée."
    )


def _lock_imports() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK_KEY])


# --- The file, host by host ----------------------------------------------------------------------


@dataclass
class _FileHost:
    normalised_name: str
    name: str
    rows: list[HostRow]
    numbers: set[str]


def _group_by_host(rows: Iterable[HostRow], columns: dict[str, str]) -> tuple[dict[str, _FileHost], list[RowError]]:
    """The file's rows grouped by host (normalised name), and the rows the database cannot take.

    A host may have several certificates; the same host twice with the same certificate number (or
    twice without one) is ambiguous and reported. Transparency pages that are not web addresses are
    dropped: the field feeds links.
    """
    limits = _field_limits()
    hosts: dict[str, _FileHost] = {}
    first_line: dict[tuple[str, str], int] = {}
    errors: list[RowError] = []
    dropped_urls = 0
    for row in rows:
        too_long = [
            RowError(row.line, f"colonne « {columns[name]} » : {len(getattr(row, name))} caractères, "
                               f"{limit} au plus")
            for name, limit in limits.items()
            if len(getattr(row, name)) > limit
        ]
        if too_long:
            errors.extend(too_long)
            continue
        key = normalise_name(row.name)
        if not key:
            errors.append(RowError(row.line, f"colonne « {columns['name']} » : « {row.name} » n'est pas un nom"))
            continue
        url = _web_address(row.transparency_url)
        if url != row.transparency_url:
            dropped_urls += not url
            row = replace(row, transparency_url=url)
        number = normalise_certificate_number(row.certificate_number)
        seen = first_line.setdefault((key, number), row.line)
        if seen != row.line:
            same = (f"même hébergeur et même numéro de certificat ({row.certificate_number}) que la ligne {seen}"
                    if number else
                    f"même hébergeur que la ligne {seen}, sans numéro de certificat dans les deux cas")
            errors.append(RowError(row.line, f"{same} : impossible de savoir quelle ligne est la bonne"))
            continue
        host = hosts.get(key)
        if host is None:
            host = hosts[key] = _FileHost(normalised_name=key, name=row.name, rows=[], numbers=set())
        host.rows.append(row)
        if number:
            host.numbers.add(number)
    if dropped_urls:
        logger.info("registry import: %s transparency page values were not web addresses and were left blank",
                    dropped_urls)
    return hosts, errors


def _field_limits() -> dict[str, int]:
    limits = {
        name: HostCertificate._meta.get_field(name).max_length
        for name in ("certificate_number", "certifier", "referential_version", "transparency_url")
    }
    limits["name"] = CertifiedHost._meta.get_field("name").max_length
    return limits


def _web_address(text: str) -> str:
    """``text`` if it is an http(s) address ("www.x.fr/hds" gains "https://"), else ""."""
    text = text.strip()
    if _WEB_ADDRESS.fullmatch(text):
        return text
    if _BARE_DOMAIN.fullmatch(text):
        return f"https://{text}"
    return ""


# --- What is known -------------------------------------------------------------------------------


@dataclass(slots=True)
class _KnownHost:
    id: int
    name: str
    normalised_name: str
    listed: bool


@dataclass(slots=True)
class _KnownCertificate:
    id: int
    host_id: int
    normalised_number: str
    certificate_number: str
    certifier: str
    activities: frozenset[int]
    referential_version: str
    issued_on: date | None
    expires_on: date | None
    transparency_url: str
    scope: str
    current: bool


@dataclass
class _Known:
    hosts: dict[str, _KnownHost]  # by normalised name
    certificates: dict[int, list[_KnownCertificate]]  # by host id


def _load_known() -> _Known:
    """Every host and certificate, in two queries (plain tuples, no model instances)."""
    hosts = {
        normalised: _KnownHost(pk, name, normalised, listed)
        for pk, name, normalised, listed in CertifiedHost.objects.order_by().values_list(
            "id", "name", "normalised_name", "listed"
        ).iterator(chunk_size=5000)
    }
    certificates: dict[int, list[_KnownCertificate]] = defaultdict(list)
    for values in HostCertificate.objects.order_by().values_list(
        "id", "host_id", "normalised_number", *_CERTIFICATE_FIELDS, "current"
    ).iterator(chunk_size=5000):
        certificate = _KnownCertificate(*values)
        certificates[certificate.host_id].append(certificate)
    return _Known(hosts, certificates)


# --- The plan: what the file changes, in plain data ----------------------------------------------


@dataclass(frozen=True)
class _PlannedChange:
    host_key: int | str  # a host id, or the normalised name of a host still to create
    kind: str
    before: dict
    after: dict


@dataclass
class _Plan:
    new_hosts: list[_FileHost] = field(default_factory=list)
    host_updates: list[tuple[int, str, str]] = field(default_factory=list)  # id, name, normalised name
    removed: list[_KnownHost] = field(default_factory=list)
    certificate_creates: list[tuple[int | str, HostRow]] = field(default_factory=list)
    certificate_updates: list[tuple[int, HostRow]] = field(default_factory=list)
    certificate_drops: list[int] = field(default_factory=list)
    changes: list[_PlannedChange] = field(default_factory=list)


def _plan(file_hosts: dict[str, _FileHost], known: _Known) -> _Plan:
    plan = _Plan()
    renamed = _renames(file_hosts, known)
    renamed_ids = {host.id for host in renamed.values()}
    for key, file_host in file_hosts.items():
        host = known.hosts.get(key) or renamed.get(key)
        if host is None:
            plan.new_hosts.append(file_host)
            plan.certificate_creates.extend((key, row) for row in file_host.rows)
            plan.changes.append(_PlannedChange(key, Kind.ADDED, {}, _state(file_host.name, file_host.rows)))
            continue
        certificates = known.certificates.get(host.id, [])
        # Certificates are matched by normalised number with every field compared, so a host
        # whose certificates need no write shows exactly what it showed: no aspect to compare.
        certificates_written = _plan_certificates(plan, host.id, certificates, file_host.rows)
        if not host.listed:
            plan.changes.append(_PlannedChange(host.id, Kind.ADDED, {}, _state(file_host.name, file_host.rows)))
        elif certificates_written or key != host.normalised_name:
            current = [certificate for certificate in certificates if certificate.current]
            kinds = _changed_aspects(current, file_host.rows) if certificates_written else []
            if key != host.normalised_name:
                kinds.insert(0, Kind.RENAMED)
            if kinds:
                before, after = _state(host.name, current), _state(file_host.name, file_host.rows)
                plan.changes.extend(_PlannedChange(host.id, kind, before, after) for kind in kinds)
        if not host.listed or file_host.name != host.name or key != host.normalised_name:
            plan.host_updates.append((host.id, file_host.name, key))
    for host in known.hosts.values():
        if host.listed and host.normalised_name not in file_hosts and host.id not in renamed_ids:
            current = [c for c in known.certificates.get(host.id, []) if c.current]
            plan.removed.append(host)
            plan.certificate_drops.extend(certificate.id for certificate in current)
            plan.changes.append(_PlannedChange(host.id, Kind.REMOVED, _state(host.name, current), {}))
    return plan


def _renames(file_hosts: dict[str, _FileHost], known: _Known) -> dict[str, _KnownHost]:
    """New names that are listed hosts renamed: the new name holds a current certificate number of
    exactly one listed host that the file no longer names, and no other new name claims that host."""
    by_id = {host.id: host for host in known.hosts.values()}
    owners: dict[str, set[int]] = defaultdict(set)
    for host in known.hosts.values():
        if host.listed and host.normalised_name not in file_hosts:
            for certificate in known.certificates.get(host.id, []):
                if certificate.current and certificate.normalised_number:
                    owners[certificate.normalised_number].add(host.id)
    if not owners:
        return {}
    candidates = {}
    for key, file_host in file_hosts.items():
        if key in known.hosts:
            continue
        claimed = set().union(*(owners.get(number, set()) for number in file_host.numbers))
        if len(claimed) == 1:
            candidates[key] = claimed.pop()
    claims = Counter(candidates.values())
    return {key: by_id[host_id] for key, host_id in candidates.items() if claims[host_id] == 1}


def _plan_certificates(plan: _Plan, host_id: int, certificates: list[_KnownCertificate],
                       rows: list[HostRow]) -> bool:
    """Plan the certificate writes of one host; True if there is any."""
    by_number = {certificate.normalised_number: certificate for certificate in certificates}
    in_file = set()
    written = False
    for row in rows:
        number = normalise_certificate_number(row.certificate_number)
        in_file.add(number)
        certificate = by_number.get(number)
        if certificate is None:
            plan.certificate_creates.append((host_id, row))
            written = True
        elif not certificate.current or _certificate_fields(certificate) != _certificate_fields(row):
            plan.certificate_updates.append((certificate.id, row))
            written = True
    for certificate in certificates:
        if certificate.current and certificate.normalised_number not in in_file:
            plan.certificate_drops.append(certificate.id)
            written = True
    return written


_certificate_fields = operator.attrgetter(*_CERTIFICATE_FIELDS)


def _changed_aspects(before: Sequence, after: Sequence) -> list[str]:
    """The change kinds between two sets of certificates of one host (in a stable order)."""
    old, new = _aspects(before), _aspects(after)
    return [kind for kind in old if old[kind] != new[kind]]


def _aspects(certificates: Sequence) -> dict[str, object]:
    return {
        Kind.ACTIVITIES_CHANGED: frozenset().union(*(c.activities for c in certificates)),
        Kind.DATES_CHANGED: sorted((_iso(c.issued_on), _iso(c.expires_on)) for c in certificates),
        Kind.CERTIFIER_CHANGED: sorted({c.certifier for c in certificates}),
        Kind.CERTIFICATE_CHANGED: sorted(
            (normalise_certificate_number(c.certificate_number), c.referential_version, c.transparency_url)
            for c in certificates
        ),
    }


def _state(name: str, certificates: Sequence) -> dict:
    """The host as a list shows it, for a change's ``before`` / ``after``."""
    return {
        "name": name,
        "activities": sorted(frozenset().union(*(c.activities for c in certificates))),
        "certificates": [
            {
                "certificate_number": c.certificate_number,
                "certifier": c.certifier,
                "activities": sorted(c.activities),
                "referential_version": c.referential_version,
                "issued_on": _iso(c.issued_on) or None,
                "expires_on": _iso(c.expires_on) or None,
                "transparency_url": c.transparency_url,
            }
            for c in sorted(
                certificates,
                key=lambda c: (normalise_certificate_number(c.certificate_number), _iso(c.issued_on)),
            )
        ],
    }


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


# --- Writing the plan ----------------------------------------------------------------------------
# Rows are inserted by COPY (PostgreSQL) or one INSERT run by ``executemany``, and updated by one
# UPDATE run by ``executemany``. The ORM's bulk_create and bulk_update would build a model
# instance and compile every value (bulk_update a CASE per field and row) in Python, which for
# 50,000 rows costs most of the import.


def _apply(plan: _Plan, snapshot: Snapshot) -> set[int]:
    """Write ``plan`` for ``snapshot``; return the ids of the hosts it changed."""
    _update_rows(CertifiedHost, [
        (pk, {"name": name, "normalised_name": normalised, "listed": True, "removed_in": None})
        for pk, name, normalised in plan.host_updates
    ])
    for ids in _chunks([host.id for host in plan.removed]):
        CertifiedHost.objects.filter(id__in=ids).update(listed=False, removed_in=snapshot)
    CertifiedHost.objects.filter(listed=True).update(last_seen=snapshot)
    _insert_rows(CertifiedHost, [
        {"name": host.name, "normalised_name": host.normalised_name, "listed": True, "first_seen": snapshot.pk,
         "last_seen": snapshot.pk, "removed_in": None}
        for host in plan.new_hosts
    ])
    host_ids = (
        dict(CertifiedHost.objects.filter(first_seen=snapshot).values_list("normalised_name", "id"))
        if plan.new_hosts else {}
    )

    for ids in _chunks(plan.certificate_drops):
        HostCertificate.objects.filter(id__in=ids).update(current=False)
    _update_rows(HostCertificate, [(pk, {**_certificate_values(row), "current": True})
                                   for pk, row in plan.certificate_updates])
    HostCertificate.objects.filter(current=True).update(last_seen=snapshot)
    _insert_rows(HostCertificate, [
        {"host": host_ids.get(key, key), **_certificate_values(row), "current": True, "first_seen": snapshot.pk,
         "last_seen": snapshot.pk}
        for key, row in plan.certificate_creates
    ])
    changes = [
        {"snapshot": snapshot.pk, "host": host_ids.get(change.host_key, change.host_key), "kind": change.kind,
         "before": change.before, "after": change.after}
        for change in plan.changes
    ]
    _insert_rows(Change, changes)
    return {change["host"] for change in changes}


def _certificate_values(row: HostRow) -> dict:
    values = {name: getattr(row, name) for name in _CERTIFICATE_FIELDS}
    values["normalised_number"] = normalise_certificate_number(row.certificate_number)
    return values


# Table and column names come from the models, quoted; every value is a query parameter.


def _insert_rows(model, rows: list[dict]) -> None:
    """INSERT ``rows`` (field name -> value, the same names in every row) into ``model``'s table.

    PostgreSQL gets them through COPY: Django's psycopg cursors bind parameters on the client,
    quoting each value in Python, which for 50,000 rows costs eight times the COPY. SQLite binds
    parameters natively, so one INSERT run by ``executemany`` is as fast there.
    """
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in rows[0]]
    quote = connection.ops.quote_name
    target = f"{quote(model._meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"
    prepare = _preparer(fields)
    values = (prepare([row[field.name] for field in fields]) for row in rows)
    if connection.vendor == "postgresql":
        _copy_rows(f"COPY {target} FROM STDIN", values)
    else:
        _execute_many(f"INSERT INTO {target} VALUES ({', '.join(['%s'] * len(fields))})", values)  # noqa: S608


def _copy_rows(sql: str, rows: Iterable[list]) -> None:
    """Run a PostgreSQL ``COPY … FROM STDIN`` on the current connection and transaction."""
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _update_rows(model, rows: list[tuple[int, dict]]) -> None:
    """UPDATE each (primary key, field name -> value) of ``rows`` (the same names in every row)."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in rows[0][1]]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
    prepare = _preparer(fields)
    _execute_many(sql, ([*prepare([values[field.name] for field in fields]), pk] for pk, values in rows))


# Values these fields hold are already what the database driver takes (text, booleans, ids).
_PASSED_AS_IS = (models.CharField, models.TextField, models.BooleanField, models.ForeignKey)


def _preparer(fields) -> Callable[[list], list]:
    """Database values for a row of ``fields``: ``get_db_prep_save`` where the field needs it (dates,
    activity sets, JSON), with the connection resolved once rather than through its proxy."""
    database = connections[DEFAULT_DB_ALIAS]
    converters = [
        None if isinstance(field, _PASSED_AS_IS) else functools.partial(field.get_db_prep_save, connection=database)
        for field in fields
    ]
    pairs = list(enumerate(converters))

    def prepare(values: list) -> list:
        for index, convert in pairs:
            if convert is not None:
                values[index] = convert(values[index])
        return values

    return prepare


def _execute_many(sql: str, params: Iterable[list]) -> None:
    iterator = iter(params)
    with connection.cursor() as cursor:
        while batch := list(itertools.islice(iterator, BATCH_SIZE)):
            cursor.executemany(sql, batch)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start:start + ID_CHUNK]
