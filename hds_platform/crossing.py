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


class FoundToken:
    """An API token found by its prefix: the columns its checks and the front door read
    (:mod:`hds_platform.response_cache`), and its model instance with its organisation built only
    when the whole stack asks for it (:meth:`model`). A cached answer then costs no model."""

    __slots__ = (
        "_build",
        "_model",
        "data_generations",
        "digest",
        "expires_at",
        "last_used_at",
        "organisation_id",
        "pk",
        "plan",
        "revoked_at",
        "scope",
    )

    def __init__(self, digest, expires_at, last_used_at, revoked_at, scope, pk, organisation_id, plan,
                 data_generations: generations.Generations | None, build):
        self.digest, self.expires_at, self.last_used_at, self.revoked_at = digest, expires_at, last_used_at, revoked_at
        self.scope, self.pk, self.organisation_id, self.plan = scope, pk, organisation_id, plan
        self.data_generations = data_generations
        self._build = build
        self._model = None

    @classmethod
    def of(cls, token: ApiToken) -> FoundToken:
        return cls(token.digest, token.expires_at, token.last_used_at, token.revoked_at, token.scope, token.pk,
                   token.organisation_id, token.organisation.plan,
                   getattr(token.organisation, "data_generations", None), lambda: token)

    def model(self) -> ApiToken:
        """The token, with its organisation (and the organisation's data generations)."""
        if self._model is None:
            self._model = self._build()
        return self._model


#: The columns of :class:`FoundToken`, in its constructor's order, before the generations.
_FOUND_TOKEN_COLUMNS = (("t", "digest"), ("t", "expires_at"), ("t", "last_used_at"), ("t", "revoked_at"),
                        ("t", "scope"), ("t", "id"), ("o", "id"), ("o", "plan"))


def find_api_tokens(prefix: str) -> list[FoundToken]:
    """The tokens with this public prefix (unique per organisation, so practically one), each
    with its organisation, in one indexed query. On PostgreSQL the same query reads the data
    generations of the token's organisation and of the registry (:mod:`hds_platform.generations`),
    which name the answers the cache may hold for it: one prepared statement, binary results."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return [FoundToken.of(token) for token in
                ApiToken.all_organisations.select_related("organisation").filter(prefix=prefix)]
    read = _function_read(connection, ApiToken, "maillon_find_api_tokens", "t.id", True)
    with _prepared_cursor(connection, binary=True) as cursor:
        cursor.execute(read.sql, [prefix])
        rows = cursor.fetchall()
    positions = read.positions(_FOUND_TOKEN_COLUMNS)
    found = []
    for row in rows:
        columns = [row[i] for i in positions]
        found.append(FoundToken(*columns, generations.Generations(*row[-2:]),
                                functools.partial(_instances_of, connection, read, row)))
    return found


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


def _through_function(model: type[models.Model], function: str, argument, order_by: str = "t.id"):
    """Rows of ``model`` returned by a lookup function, with their organisation, as model instances."""
    connection = connections["default"]
    read = _function_read(connection, model, function, order_by, False)
    with _prepared_cursor(connection) as cursor:
        cursor.execute(read.sql, [argument])
        rows = cursor.fetchall()
    return [_instances_of(connection, read, row) for row in rows]


def _instances_of(connection, read: _FunctionRead, row):
    """The model instance of one row of a lookup function, with its organisation (and the
    organisation's data generations, when the read has them)."""
    split = len(read.own_names)
    end = split + len(read.organisation_names)
    instance = read.model.from_db("default", read.own_names, _convert(connection, read.own_converters, row[:split]))
    instance.organisation = Organisation.from_db(
        "default", read.organisation_names, _convert(connection, read.organisation_converters, row[split:end]),
    )
    if read.with_generations:
        instance.organisation.data_generations = generations.Generations(*row[end:])
    return instance


@dataclass(frozen=True, eq=False)
class _FunctionRead:
    """A lookup function's statement (the looked-up model's columns, then its organisation's, then
    the generations when asked) and how to turn a row into instances."""

    model: type[models.Model]
    sql: str
    own_names: list[str]
    own_converters: list
    organisation_names: list[str]
    organisation_converters: list
    with_generations: bool

    @functools.cache  # noqa: B019 -- a handful of reads per process, kept for its life
    def positions(self, columns: tuple[tuple[str, str], ...]) -> tuple[int, ...]:
        """Where each (``"t"`` for the model or ``"o"`` for the organisation, column) is in a row."""
        split = len(self.own_names)
        return tuple(self.own_names.index(name) if side == "t" else split + self.organisation_names.index(name)
                     for side, name in columns)


_FUNCTION_READS: dict = {}


def _prepared_cursor(connection, *, binary: bool = False):
    """A cursor (logged like any other) whose statements PostgreSQL parses and plans once per
    connection: the lookups run on every request, and their planning cost as much as their
    execution. Only where the connection allows it (``prepare_threshold``, set by
    ``DATABASE_PREPARED_LOOKUPS``): Django keeps prepared statements off for the sake of poolers
    that share server connections per transaction.

    When no query is logged and no execute wrapper installed, psycopg's cursor is used as it is,
    without Django's wrapper around each call; its errors are still Django's. ``binary``: results
    in PostgreSQL's binary format (no text to parse for dates)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        return connection.cursor()
    raw = _preparing_cursor_class(binary)(connection.connection)
    if connection.queries_logged:
        return _LoggedStatement(raw, connection)
    if connection.execute_wrappers:
        return connection.make_cursor(raw)
    return _Unwrapped(raw, connection)


class _Unwrapped:
    """psycopg's cursor as it is, its errors turned into Django's (``wrap_database_errors``, which
    also marks the connection as unusable on a lost connection)."""

    __slots__ = ("connection", "cursor")

    def __init__(self, cursor, connection):
        self.cursor, self.connection = cursor, connection

    def execute(self, sql, params):
        self.connection.validate_no_broken_transaction()
        with self.connection.wrap_database_errors:
            return self.cursor.execute(sql, params)

    def fetchall(self):
        with self.connection.wrap_database_errors:
            return self.cursor.fetchall()

    def fetchone(self):
        with self.connection.wrap_database_errors:
            return self.cursor.fetchone()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.cursor.close()


class _LoggedStatement(CursorDebugWrapper):
    """Logged with its SQL as written: a prepared statement's execution leaves psycopg no query
    text, which Django's debug cursor would log as None."""

    def execute(self, sql, params=None):
        with self.debug_sql(sql, params, use_last_executed_query=False):
            return super(CursorDebugWrapper, self).execute(sql, params)


@functools.cache
def _preparing_cursor_class(binary: bool = False):
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=binary):
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
        prepared = _FUNCTION_READS[key] = _FunctionRead(
            model, sql, [f.attname for f in own_fields], _converters(connection, own_fields),
            [f.attname for f in organisation_fields], _converters(connection, organisation_fields), with_generations,
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
