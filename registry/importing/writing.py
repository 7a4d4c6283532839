"""Writing a plan in bulk: every write is a bulk statement, so the number of queries grows with
the number of batches, never with the number of rows.

Rows are inserted by COPY (PostgreSQL) or one INSERT run by ``executemany``, and updated by one
UPDATE run by ``executemany``. The ORM's bulk_create and bulk_update would build a model instance
and compile every value (bulk_update a CASE per field and row) in Python, which for 50,000 rows
costs most of the import. Table and column names come from the models, quoted; every value is a
query parameter.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from registry.importing.plan import CERTIFICATE_FIELDS, Plan
from registry.matching import normalise_certificate_number
from registry.models import CertifiedHost, Change, HostCertificate, Snapshot
from registry.parsing import HostRow

#: rows per ``executemany`` batch
BATCH_SIZE = 2000
#: ids per ``id IN (…)`` list
ID_CHUNK = 500


def apply_plan(plan: Plan, snapshot: Snapshot) -> set[int]:
    """Write ``plan`` for ``snapshot``; return the ids of the hosts it changed."""
    update_rows(CertifiedHost, [
        (pk, {"name": name, "normalised_name": normalised, "listed": True, "removed_in": None})
        for pk, name, normalised in plan.host_updates
    ])
    for ids in _chunks([host.id for host in plan.removed]):
        CertifiedHost.objects.filter(id__in=ids).update(listed=False, removed_in=snapshot)
    CertifiedHost.objects.filter(listed=True).update(last_seen=snapshot)
    insert_rows(CertifiedHost, [
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
    update_rows(HostCertificate, [(pk, {**_certificate_values(row), "current": True})
                                  for pk, row in plan.certificate_updates])
    HostCertificate.objects.filter(current=True).update(last_seen=snapshot)
    insert_rows(HostCertificate, [
        {"host": host_ids.get(key, key), **_certificate_values(row), "current": True, "first_seen": snapshot.pk,
         "last_seen": snapshot.pk}
        for key, row in plan.certificate_creates
    ])
    changes = [
        {"snapshot": snapshot.pk, "host": host_ids.get(change.host_key, change.host_key), "kind": change.kind,
         "before": change.before, "after": change.after}
        for change in plan.changes
    ]
    insert_rows(Change, changes)
    return {change["host"] for change in changes}


def _certificate_values(row: HostRow) -> dict:
    values = {name: getattr(row, name) for name in CERTIFICATE_FIELDS}
    values["normalised_number"] = normalise_certificate_number(row.certificate_number)
    return values


def insert_rows(model, rows: list[dict]) -> None:
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
        copy_rows(f"COPY {target} FROM STDIN", values)
    else:
        _execute_many(f"INSERT INTO {target} VALUES ({', '.join(['%s'] * len(fields))})", values)  # noqa: S608


def copy_rows(sql: str, rows: Iterable[list]) -> None:
    """Run a PostgreSQL ``COPY … FROM STDIN`` on the current connection and transaction."""
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def update_rows(model, rows: list[tuple[int, dict]]) -> None:
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
