"""Every read that crosses organisations.

Authentication has to find an API token, an invitation link or a user's
memberships before any organisation context exists. These few lookups live
here, and only here, so that they stay explicit and reviewable; everything
else reads through the scoped managers.

On PostgreSQL the tenant tables are under row-level security, so these lookups
go through narrow ``SECURITY DEFINER`` functions (installed by migration
``hds_platform.0001_squashed``, see :mod:`hds_platform.rls`): a token
by its exact prefix, an invitation by its exact digest, the memberships of one
user, each joined to its organisation in the same single query. Elsewhere
(SQLite) they are plain ORM queries.

The few jobs that must truly read across organisations (fan-out dispatchers,
the staff admin) name themselves in :data:`CROSS_TENANT_READERS` and read
through :func:`cross_tenant_alias`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models
from django.db.backends.utils import CursorDebugWrapper

from hds_platform import generations
from hds_platform.models import ApiToken, Invitation, Membership, Organisation, User

CROSS_TENANT_ALIAS = "cross_tenant"

#: Who may read across organisations, and why. Add a line (reviewed like any
#: access grant) before calling :func:`cross_tenant_alias` from a new place.
CROSS_TENANT_READERS: dict[str, str] = {
    "admin": "the Django admin of platform staff: read-only lists of tenant rows",
    "registry_recheck": "after a registry import: find the organisations whose suppliers match changed hosts",
    "webhook_retry": "every minute: find the organisations with webhook deliveries due again (their ids only)",
    "erasure": "erasing a person: find the organisations whose rows name them (ids only), then clear each",
    "network_invitation": "a client invitation link: find the invitation by the digest of its secret",
    "network_share": "a linked client: read what its provider shares through the link's offers (active links only)",
    "network_status": "a provider: the conformity status of consenting clients' processings relying on it",
}


def cross_tenant_alias(reader: str) -> str:
    """The database alias through which ``reader`` reads every organisation's rows.

    ``cross_tenant`` (``CROSS_TENANT_DATABASE_URL``: a read-only role with
    BYPASSRLS) when configured; otherwise ``default``, which is the same
    database on the embedded SQLite default and in development. Writes never go
    through it: a dispatcher finds organisations here, then works for each one
    in its own ``organisation_context`` (one task per organisation).
    """
    if reader not in CROSS_TENANT_READERS:
        raise ImproperlyConfigured(
            f"{reader!r} is not a named cross-tenant reader; add it to hds_platform.crossing.CROSS_TENANT_READERS."
        )
    return CROSS_TENANT_ALIAS if CROSS_TENANT_ALIAS in settings.DATABASES else "default"


def find_api_tokens(prefix: str) -> list[ApiToken]:
    """The tokens with this public prefix (unique per organisation, so practically one),
    each with its organisation, in one indexed query. On PostgreSQL the same query reads the data
    generations of the token's organisation and of the registry (``organisation.data_generations``,
    :mod:`hds_platform.generations`), which name the answers the cache may hold for it."""
    if connections["default"].vendor == "postgresql":
        return _through_function(ApiToken, "maillon_find_api_tokens", prefix, with_generations=True)
    return list(ApiToken.all_organisations.select_related("organisation").filter(prefix=prefix))


def find_invitation(digest: str) -> Invitation | None:
    if connections["default"].vendor == "postgresql":
        found = _through_function(Invitation, "maillon_find_invitation", digest)
    else:
        found = list(Invitation.all_organisations.select_related("organisation").filter(token_digest=digest))
    return found[0] if found else None


def find_evidence_request(digest: str):
    """The evidence request whose upload link has this digest, with its organisation, or None.

    The public upload page knows only the link: this finds which organisation to work for."""
    # The platform cannot import compliance (it sits above): the model is named, not imported.
    model = apps.get_model("compliance", "EvidenceRequest")
    if connections["default"].vendor == "postgresql":
        found = _through_function(model, "maillon_find_evidence_request", digest)
    else:
        found = list(model.all_organisations.select_related("organisation").filter(token_digest=digest))
    return found[0] if found else None


def memberships_of(user: User) -> list[Membership]:
    """The organisations a user belongs to, by organisation name, for the switcher and /me/."""
    if connections["default"].vendor == "postgresql":
        return _through_function(Membership, "maillon_memberships_of", user.pk, order_by="o.name, o.id")
    return list(
        Membership.all_organisations.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name", "organisation_id")
    )


def _through_function(model: type[models.Model], function: str, argument, order_by: str = "t.id",
                      with_generations: bool = False):
    """Rows of ``model`` returned by a lookup function, with their organisation, as model instances
    (and the organisation's data generations when asked)."""
    connection = connections["default"]
    sql, own_names, own_converters, organisation_names, organisation_converters = _function_read(
        connection, model, function, order_by, with_generations)
    with _prepared_cursor(connection) as cursor:
        cursor.execute(sql, [argument])
        rows = cursor.fetchall()
    split = len(own_names)
    end = split + len(organisation_names)
    instances = []
    for row in rows:
        instance = model.from_db("default", own_names, _convert(connection, own_converters, row[:split]))
        instance.organisation = Organisation.from_db(
            "default", organisation_names, _convert(connection, organisation_converters, row[split:end]),
        )
        if with_generations:
            instance.organisation.data_generations = generations.Generations(*row[end:])
        instances.append(instance)
    return instances


_FUNCTION_READS: dict = {}


def _prepared_cursor(connection):
    """A cursor (logged like any other) whose statements PostgreSQL parses and plans once per
    connection: the lookups run on every request, and their planning cost as much as their
    execution. Only where the connection allows it (``prepare_threshold``, set by
    ``DATABASE_PREPARED_LOOKUPS``): Django keeps prepared statements off for the sake of poolers
    that share server connections per transaction."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        return connection.cursor()
    raw = _preparing_cursor_class()(connection.connection)
    return _LoggedStatement(raw, connection) if connection.queries_logged else connection.make_cursor(raw)


class _LoggedStatement(CursorDebugWrapper):
    """Logged with its SQL as written: a prepared statement's execution leaves psycopg no query
    text, which Django's debug cursor would log as None."""

    def execute(self, sql, params=None):
        with self.debug_sql(sql, params, use_last_executed_query=False):
            return super(CursorDebugWrapper, self).execute(sql, params)


@functools.cache
def _preparing_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


def _function_read(connection, model, function: str, order_by: str, with_generations: bool):
    """The statement and the row conversions of a lookup function, built once per process (the
    token lookup runs on every API request)."""
    key = (connection.alias, connection.vendor, model, function, order_by, with_generations)
    prepared = _FUNCTION_READS.get(key)
    if prepared is None:
        qn = connection.ops.quote_name
        own_fields = model._meta.concrete_fields
        organisation_fields = Organisation._meta.concrete_fields
        columns = [f"t.{qn(f.column)}" for f in own_fields] + [f"o.{qn(f.column)}" for f in organisation_fields]
        if with_generations:
            counters = qn(generations.TABLE)
            columns += [f"coalesce((SELECT g.value FROM {counters} g WHERE g.scope = o.id), 0)",  # noqa: S608
                        f"coalesce((SELECT g.value FROM {counters} g "  # noqa: S608
                        f"WHERE g.scope = {generations.REGISTRY_SCOPE}), 0)"]
        # Identifiers come from model metadata and this module's constants; the value is a parameter.
        sql = (
            f"SELECT {', '.join(columns)} FROM {function}(%s) AS t "  # noqa: S608
            f"JOIN {qn(Organisation._meta.db_table)} AS o ON o.id = t.organisation_id ORDER BY {order_by}"
        )
        prepared = _FUNCTION_READS[key] = (
            sql, [f.attname for f in own_fields], _converters(connection, own_fields),
            [f.attname for f in organisation_fields], _converters(connection, organisation_fields),
        )
    return prepared


def _converters(connection, fields):
    converters = []
    for field in fields:
        column = field.get_col(field.model._meta.db_table)
        converters.append((column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
    return converters


def _convert(connection, converters, values):
    converted = []
    for (column, functions), value in zip(converters, values, strict=True):
        for function in functions:
            value = function(value, column, connection)
        converted.append(value)
    return converted


def session_data(session_key: str, now) -> str | None:
    """The encoded data of a login session still valid at ``now`` (Django's session table, read
    as its database engine does, in one prepared statement)."""
    connection = connections["default"]
    qn = connection.ops.quote_name
    table = qn(Session._meta.db_table)
    with _prepared_cursor(connection) as cursor:
        cursor.execute(f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",  # noqa: S608
                       [session_key, now])
        row = cursor.fetchone()
    return row[0] if row else None


@dataclass(frozen=True)
class Caller:
    """A logged-in person as a page answered from the cache needs them (:mod:`hds_platform.page_cache`):
    their row, whether the second factor their session names is still theirs, and each of their
    organisations with its role there and its data generation."""

    user: User
    device_confirmed: bool | None
    #: (organisation id, slug, role, second factor required, data generation), by organisation id.
    memberships: tuple[tuple[int, str, str, bool, int], ...]
    registry_generation: int


def page_caller(user_id: int, device: tuple[type[models.Model], int] | None = None) -> Caller | None:
    """One prepared query, PostgreSQL only: the user, their second-factor device (``device``: its
    model and id, as their session names it), their memberships across organisations (through
    ``maillon_memberships_of``) with the generations, and the registry's generation."""
    connection = connections["default"]
    sql, names, converters = _caller_read(connection, device[0] if device else None)
    params = [device[1], user_id] if device else [user_id]
    with _prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(names)
    user = User.from_db("default", names, _convert(connection, converters, row[:split]))
    memberships, registry, *confirmed = row[split:]
    parsed = tuple((int(organisation_id), slug, role, require_mfa == "1", int(generation))
                   for organisation_id, slug, role, require_mfa, generation
                   in (entry.split(":") for entry in (memberships.split(",") if memberships else ())))
    return Caller(user=user, device_confirmed=confirmed[0] if confirmed else None, memberships=parsed,
                  registry_generation=registry)


_CALLER_READS: dict = {}


def _caller_read(connection, device_model):
    key = (connection.alias, device_model)
    prepared = _CALLER_READS.get(key)
    if prepared is None:
        qn = connection.ops.quote_name
        fields = User._meta.concrete_fields
        counters = qn(generations.TABLE)
        columns = [f"u.{qn(f.column)}" for f in fields] + [
            # Slugs are [-a-z0-9], roles words: ':' and ',' cannot occur inside an entry.
            "(SELECT string_agg(concat_ws(':', o.id, o.slug, t.role, o.require_mfa::int, "  # noqa: S608
            f"coalesce(g.value, 0)), ',' ORDER BY o.id) FROM maillon_memberships_of(u.id) AS t "
            f"JOIN {qn(Organisation._meta.db_table)} AS o ON o.id = t.organisation_id "
            f"LEFT JOIN {counters} AS g ON g.scope = o.id)",
            f"coalesce((SELECT g.value FROM {counters} g WHERE g.scope = {generations.REGISTRY_SCOPE}), 0)",  # noqa: S608
        ]
        if device_model is not None:
            columns.append(f"(SELECT d.confirmed FROM {qn(device_model._meta.db_table)} AS d "  # noqa: S608
                           "WHERE d.id = %s AND d.user_id = u.id)")
        # Identifiers come from model metadata and this module's constants; values are parameters.
        sql = f"SELECT {', '.join(columns)} FROM {qn(User._meta.db_table)} AS u WHERE u.id = %s"  # noqa: S608
        prepared = _CALLER_READS[key] = (sql, [f.attname for f in fields], _converters(connection, fields))
    return prepared
