"""Row-level security: PostgreSQL's own wall between organisations.

The organisation filter in code (:mod:`hds_platform.tenancy`) is the first
wall; this is the second, for whatever gets past the first (a forgotten
filter, raw SQL, a shell, a new endpoint).

Every table of a concrete :class:`~hds_platform.tenancy.TenantModel` has row-level
security *enabled* and *forced* (so that the table owner is subject to it too)
and one policy, ``tenant_isolation``::

    USING / WITH CHECK (organisation_id = NULLIF(current_setting('app.organisation_id', true), '')::bigint)

``organisation_context`` sets ``app.organisation_id`` with ``set_config(…, true)``
inside the transaction it opens, so the setting dies with the transaction and
never leaks through a pooled connection. With no organisation set the
expression is NULL: no row is visible and no row can be written (fail closed).

How the policies get there, so that nobody has to remember:

* migration ``hds_platform.0001_squashed`` installs the SQL function
  ``maillon_apply_tenant_rls(regclass)`` (idempotent: it only alters what is
  missing) and applies it to the tenant tables of that time;
* :func:`install` runs after every ``migrate`` (``post_migrate``) and applies the
  function to every tenant table that exists, so a model added later gets its
  policy by the same ``migrate`` that creates its table;
* the system check ``maillon.E003`` (``manage.py check --database default``) and
  the test suite fail when a tenant table lacks it.

:func:`install` also grants the runtime role (``DATABASE_RUNTIME_ROLE``, by
default the user of ``DATABASE_URL``) what it needs and no more: data
privileges on the tables, none of UPDATE/DELETE/TRUNCATE on audit events (they
are append-only), only SELECT on the migration history, and EXECUTE on the
three lookup functions of
:mod:`hds_platform.crossing`. The cross-tenant reader
(``DATABASE_CROSS_TENANT_ROLE``) gets SELECT only.

The lookup functions (``maillon_find_api_tokens``, ``maillon_find_invitation``,
``maillon_memberships_of``) are ``SECURITY DEFINER``, owned by the role that ran
the migration. Because row-level security is forced, the owner is subject to
the policies too; each lookup table therefore has a second policy,
``tenant_lookup``: SELECT only, for the owner only, and only while
``maillon.lookup`` holds that table's key, which the function sets before its
one query and clears after it. The runtime role can call the functions but
gains nothing by setting ``maillon.lookup`` itself: the policy is not for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from hds_platform.tenancy import RLS_SETTING, TenantModel

POLICY_NAME = "tenant_isolation"
LOOKUP_POLICY_NAME = "tenant_lookup"
APPLY_FUNCTION = "maillon_apply_tenant_rls"

#: How PostgreSQL prints the policy expression back (``pg_get_expr``); the
#: check compares it exactly, so a policy loosened by hand is reported.
POLICY_EXPRESSION = (
    f"(organisation_id = (NULLIF(current_setting('{RLS_SETTING}'::text, true), ''::text))::bigint)"
)

#: table → (lookup function, its argument type, the ``maillon.lookup`` value)
LOOKUP_FUNCTIONS = {
    "hds_platform_apitoken": ("maillon_find_api_tokens", "text", "api_token"),
    "hds_platform_invitation": ("maillon_find_invitation", "text", "invitation"),
    "hds_platform_membership": ("maillon_memberships_of", "bigint", "membership"),
    # Installed by migration compliance.0008 (the upload link of an evidence request).
    "compliance_evidencerequest": ("maillon_find_evidence_request", "text", "evidence_request"),
}

def reader_expression(column: str) -> str:
    """How PostgreSQL prints back "``column`` names the current organisation"."""
    return f"({column} = (NULLIF(current_setting('{RLS_SETTING}'::text, true), ''::text))::bigint)"


#: Tenant rows another organisation than their owner may read, each through a column naming it.
#: The link between a provider and a client organisation: besides ``tenant_isolation`` (the
#: provider's, which owns it), the client may read it and change it (its consent, ending the
#: link), never create or delete one. An evidence request addressed to a linked provider: the
#: provider may read it (its inbox), never change it; its answer is written in the requester's
#: organisation by the server (``compliance.services.evidence_requests``).
#: table → {policy: (command, column)}; "r" is SELECT, "w" UPDATE (USING and WITH CHECK).
CLIENT_EXPRESSION = reader_expression("client_organisation_id")
ADDRESSED_EXPRESSION = reader_expression("addressed_organisation_id")
LINK_POLICIES = {
    "compliance_clientlink": {
        "network_link_read": ("r", "client_organisation_id"),
        "network_link_update": ("w", "client_organisation_id"),
    },
    "compliance_evidencerequest": {
        "evidence_request_addressed_read": ("r", "addressed_organisation_id"),
    },
}
_POLICY_COMMANDS = {"r": "SELECT", "w": "UPDATE"}

#: Tables the runtime role may add to but never change or empty.
APPEND_ONLY_TABLES = ("hds_platform_auditevent", "hds_platform_auditanchor")
#: Tables the runtime role may only read (the schema's history belongs to the owner; data
#: generations are moved by triggers, through a function of the owner).
READ_ONLY_TABLES = ("django_migrations", "hds_platform_datageneration")


def tenant_models() -> list[type[models.Model]]:
    """Every concrete, managed tenant-owned model: the tables that need a policy."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, TenantModel) and model._meta.managed and not model._meta.proxy
    ]


def _quote(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def _function_exists(cursor, name: str) -> bool:
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = %s)", [name])
    return cursor.fetchone()[0]


def _role_exists(cursor, role: str) -> bool:
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)", [role])
    return cursor.fetchone()[0]


def install(connection, models_to_cover=None) -> list[str]:
    """Apply the policy to every tenant table missing it and grant the roles.

    ``models_to_cover`` defaults to :func:`tenant_models`. Returns the tables
    that were changed. Does nothing off PostgreSQL, or before the migration
    that installs the SQL function has run.
    """
    if connection.vendor != "postgresql":
        return []
    changed = []
    with connection.cursor() as cursor:
        if not _function_exists(cursor, APPLY_FUNCTION):
            return []
        existing = set(connection.introspection.table_names(cursor))
        for model in tenant_models() if models_to_cover is None else models_to_cover:
            table = model._meta.db_table
            if table not in existing:
                continue
            cursor.execute(f"SELECT {APPLY_FUNCTION}(%s::regclass)", [_quote(connection, table)])
            if cursor.fetchone()[0] | _install_link_policies(connection, cursor, table):
                changed.append(table)
        grant_privileges(connection, cursor)
    return changed


def _install_link_policies(connection, cursor, table: str) -> bool:
    """Create the other side's policies of a shared table when missing; whether any was created."""
    created = False
    for name, (command, column) in LINK_POLICIES.get(table, {}).items():
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = to_regclass(%s) AND polname = %s)",
                       [_quote(connection, table), name])
        if cursor.fetchone()[0]:
            continue
        expression = f"{_quote(connection, column)} = NULLIF(current_setting('{RLS_SETTING}', true), '')::bigint"
        check = f" WITH CHECK ({expression})" if command == "w" else ""
        # Names, columns and expressions are this module's constants.
        cursor.execute(f"CREATE POLICY {_quote(connection, name)} ON {_quote(connection, table)} "
                       f"FOR {_POLICY_COMMANDS[command]} USING ({expression}){check}")
        created = True
    return created


def grant_privileges(connection, cursor) -> None:
    """Grant the runtime role and the cross-tenant reader exactly what they need."""
    cursor.execute("SELECT current_user, current_schema()")
    me, schema = cursor.fetchone()
    schema_q = _quote(connection, schema)
    runtime = settings.DATABASE_RUNTIME_ROLE
    reader = settings.DATABASE_CROSS_TENANT_ROLE
    for setting, role in (("DATABASE_RUNTIME_ROLE", runtime), ("DATABASE_CROSS_TENANT_ROLE", reader)):
        if role and role != me and not _role_exists(cursor, role):
            raise ImproperlyConfigured(f"{setting}: the database role {role!r} does not exist.")
    if runtime and runtime != me:
        role_q = _quote(connection, runtime)
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema_q} TO {role_q}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema_q} TO {role_q}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema_q} TO {role_q}")
        for table in APPEND_ONLY_TABLES:
            cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {schema_q}.{_quote(connection, table)} FROM {role_q}")
        for table in READ_ONLY_TABLES:
            cursor.execute(
                f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {schema_q}.{_quote(connection, table)} FROM {role_q}")
        for function, argument_type, _key in LOOKUP_FUNCTIONS.values():
            if _function_exists(cursor, function):
                cursor.execute(f"GRANT EXECUTE ON FUNCTION {schema_q}.{function}({argument_type}) TO {role_q}")
    if reader and reader != me:
        role_q = _quote(connection, reader)
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema_q} TO {role_q}")
        cursor.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema_q} TO {role_q}")


@dataclass(frozen=True)
class TableSecurity:
    """What PostgreSQL says about one table's row-level security."""

    table: str
    exists: bool
    enabled: bool = False
    forced: bool = False
    #: name → (command, permissive, roles, USING, WITH CHECK)
    policies: dict | None = None

    def problems(self) -> list[str]:
        if not self.exists:
            return []
        found = []
        if not self.enabled:
            found.append("row-level security is not enabled")
        if not self.forced:
            found.append("row-level security is not forced (the owner would bypass it)")
        policies = dict(self.policies or {})
        isolation = policies.pop(POLICY_NAME, None)
        if isolation is None:
            found.append(f"it has no {POLICY_NAME} policy")
        elif isolation != ("*", True, ["public"], POLICY_EXPRESSION, POLICY_EXPRESSION):
            found.append(f"its {POLICY_NAME} policy is not the expected one: {isolation!r}")
        lookup = policies.pop(LOOKUP_POLICY_NAME, None)
        if lookup is not None:
            key = LOOKUP_FUNCTIONS.get(self.table, (None, None, None))[2]
            expected = f"(current_setting('maillon.lookup'::text, true) = '{key}'::text)"
            if key is None or lookup[0] != "r" or "public" in lookup[2] or lookup[3] != expected or lookup[4]:
                found.append(f"its {LOOKUP_POLICY_NAME} policy is not the expected one: {lookup!r}")
        for name, (command, column) in LINK_POLICIES.get(self.table, {}).items():
            policy = policies.pop(name, None)
            expression = reader_expression(column)
            if policy != (command, True, ["public"], expression, expression if command == "w" else None):
                found.append(f"its {name} policy is not the expected one: {policy!r}")
        for name in sorted(policies):
            found.append(f"it has an unexpected policy {name!r}, which could widen access")
        return found


def table_security(connection, tables: list[str]) -> dict[str, TableSecurity]:
    """Row-level security state of ``tables`` (PostgreSQL only)."""
    result = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
                "WHERE c.oid = to_regclass(%s)",
                [_quote(connection, table)],
            )
            row = cursor.fetchone()
            if row is None:
                result[table] = TableSecurity(table, exists=False)
                continue
            cursor.execute(
                "SELECT p.polname, p.polcmd, p.polpermissive, "
                "  ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END "
                "        FROM unnest(p.polroles) AS r ORDER BY 1), "
                "  pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid) "
                "FROM pg_policy p WHERE p.polrelid = to_regclass(%s)",
                [_quote(connection, table)],
            )
            policies = {name: (cmd, permissive, list(roles), using, check)
                        for name, cmd, permissive, roles, using, check in cursor.fetchall()}
            result[table] = TableSecurity(table, True, row[0], row[1], policies)
    return result
