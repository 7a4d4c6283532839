"""Data generations: one number per organisation that changes in the same commit as its data.

Hot reads are answered from the cache (:mod:`hds_platform.response_cache`) under a key that names
the generations they were built from. A read first learns the current generations (with its token,
in the same query), and only then looks for an answer; whatever wrote since has changed a number,
so the answer it finds was built from the data as it is now. Nothing has to remember to clear the
cache after a write: PostgreSQL keeps the numbers, with triggers, so that every path that writes
(a request, a task, a shell, raw SQL, the admin) moves them.

``hds_platform_datageneration`` holds one row per scope: an organisation's id, or
:data:`REGISTRY_SCOPE` (0) for the ANS list, which every organisation's answers may show.

* Every table of an organisation's data (:func:`tracked_tables`) has a row trigger,
  ``maillon_generation``, deferred to the commit: on insert, update or delete it raises the
  generation of the organisation in each of the row's organisation columns (both sides of a
  network link). Deferred, it takes the counter's row lock last, at commit, after every other
  lock of the transaction, so writers of one organisation queue at the counter instead of
  deadlocking on it; a transaction raises each counter once (a transaction-local setting says it
  is done).
* Every table of the registry has a statement trigger raising scope 0 (an import writes
  50,000 rows in a few statements).
* The new value is ``max(value + 1, microseconds since 1970)``: a database restored from a backup
  never hands out again a number that answers were filed under before.

Left out, because reads write them and no cached answer shows them: the tables of
:data:`UNTRACKED_TABLES`. A cached answer must not show their rows.

The counters live on PostgreSQL only; on SQLite (the embedded default) there are none and nothing
is answered from the cache. :func:`install` runs after every ``migrate``, like row-level security,
and the system check ``maillon.E005`` reports a tracked table without its trigger.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import connections

REGISTRY_SCOPE = 0
TRIGGER_NAME = "maillon_generation"
TABLE = "hds_platform_datageneration"
BUMP_FUNCTION = "maillon_generation_bump"
ROW_FUNCTION = "maillon_generation_row"
STATEMENT_FUNCTION = "maillon_generation_statement"

#: Tenant tables without the trigger, and why. Their rows must never appear in a cached answer.
UNTRACKED_TABLES = {
    "hds_platform_apitoken": "its last use is written by the reads it authenticates",
    "hds_platform_appconnection": "its last use is written by the reads of the connected app",
}


@dataclass(frozen=True)
class Generations:
    organisation: int
    registry: int


def tracked_tables() -> dict[str, tuple[str, ...]]:
    """table → the columns naming the organisations its rows belong to (``()``: the registry)."""
    from hds_platform import rls
    from hds_platform.models import Organisation

    tables: dict[str, tuple[str, ...]] = {Organisation._meta.db_table: ("id",)}
    for model in rls.tenant_models():
        table = model._meta.db_table
        if table in UNTRACKED_TABLES:
            continue
        tables[table] = tuple(field.column for field in model._meta.concrete_fields
                              if field.is_relation and field.related_model is Organisation)
    for model in apps.get_app_config("registry").get_models():
        if model._meta.managed and not model._meta.proxy:
            tables[model._meta.db_table] = ()
    return tables


def _functions(schema: str) -> list[str]:
    table = f"{schema}.{TABLE}"
    return [
        # The only writer of the counters: the runtime role may read them, not set them.
        f"""CREATE OR REPLACE FUNCTION {schema}.{BUMP_FUNCTION}(p_scope bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
BEGIN
  IF p_scope IS NULL OR current_setting('maillon_generation.s' || p_scope, true) = '1' THEN
    RETURN;
  END IF;
  INSERT INTO {table} (scope, value)
    VALUES (p_scope, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
    ON CONFLICT (scope) DO UPDATE SET value = greatest({table}.value + 1, excluded.value);
  PERFORM set_config('maillon_generation.s' || p_scope, '1', true);
END
$body$""",  # noqa: S608 (identifiers from this module; no outside value)
        # The triggers' functions run as their owner, who alone may call the counter's.
        f"""CREATE OR REPLACE FUNCTION {schema}.{ROW_FUNCTION}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
  p_column text;
BEGIN
  FOREACH p_column IN ARRAY TG_ARGV LOOP
    IF TG_OP <> 'INSERT' THEN
      PERFORM {schema}.{BUMP_FUNCTION}((to_jsonb(OLD) ->> p_column)::bigint);
    END IF;
    IF TG_OP <> 'DELETE' THEN
      PERFORM {schema}.{BUMP_FUNCTION}((to_jsonb(NEW) ->> p_column)::bigint);
    END IF;
  END LOOP;
  RETURN NULL;
END
$body$""",
        f"""CREATE OR REPLACE FUNCTION {schema}.{STATEMENT_FUNCTION}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
BEGIN
  PERFORM {schema}.{BUMP_FUNCTION}({REGISTRY_SCOPE});
  RETURN NULL;
END
$body$""",
    ]


def install(connection) -> list[str]:
    """(Re)create the functions, and the trigger of every tracked table that lacks it; the tables
    changed. Nothing off PostgreSQL or before the counters' table exists."""
    if connection.vendor != "postgresql":
        return []
    qn = connection.ops.quote_name
    changed = []
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        if TABLE not in existing:
            return []
        cursor.execute("SELECT current_schema()")
        schema = qn(cursor.fetchone()[0])
        for statement in _functions(schema):
            cursor.execute(statement)
        cursor.execute(f"REVOKE ALL ON FUNCTION {schema}.{BUMP_FUNCTION}(bigint) FROM PUBLIC")
        triggered = _triggered_tables(cursor)
        for table, columns in tracked_tables().items():
            if table not in existing or table in triggered:
                continue
            # Names and columns come from model metadata.
            if columns:
                arguments = ", ".join(f"'{column}'" for column in columns)
                cursor.execute(
                    f"CREATE CONSTRAINT TRIGGER {TRIGGER_NAME} AFTER INSERT OR UPDATE OR DELETE ON {qn(table)} "
                    f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {schema}.{ROW_FUNCTION}({arguments})")
            else:
                cursor.execute(
                    f"CREATE TRIGGER {TRIGGER_NAME} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {qn(table)} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {schema}.{STATEMENT_FUNCTION}()")
            changed.append(table)
    return changed


def _triggered_tables(cursor) -> set[str]:
    cursor.execute("SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                   "WHERE t.tgname = %s AND c.relnamespace = current_schema()::regnamespace", [TRIGGER_NAME])
    return {row[0] for row in cursor.fetchall()}


def missing_triggers(connection) -> list[str]:
    """Tracked tables that exist without their trigger (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        triggered = _triggered_tables(cursor)
    return sorted(table for table in tracked_tables() if table in existing and table not in triggered)


def available(using: str = "default") -> bool:
    return connections[using].vendor == "postgresql"


def current(organisation_id: int | None, using: str = "default") -> Generations | None:
    """The generations of an organisation (None: only the registry's) and of the registry, in one
    query; None off PostgreSQL."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT coalesce(max(value) FILTER (WHERE scope = %s), 0), "  # noqa: S608 (a constant)
            f"coalesce(max(value) FILTER (WHERE scope = {REGISTRY_SCOPE}), 0) FROM {TABLE} "
            f"WHERE scope IN (%s, {REGISTRY_SCOPE})",
            [organisation_id or REGISTRY_SCOPE, organisation_id or REGISTRY_SCOPE])
        organisation, registry = cursor.fetchone()
    return Generations(organisation=organisation, registry=registry)
