"""Row-level security on the tenant tables (PostgreSQL only; see hds_platform/rls.py).

Installs ``maillon_apply_tenant_rls(regclass)`` and applies it to the tenant
tables that exist at this point; tables of later models get it from the
``post_migrate`` handler (hds_platform.rls.install). Installs the three
SECURITY DEFINER lookups that hds_platform.crossing uses before an organisation
is known, and their owner-only ``tenant_lookup`` policies.

The SQL is written out here, not imported, so that this migration keeps doing
what it did when it was written.
"""

from django.db import migrations

APPLY_FUNCTION = r"""
CREATE OR REPLACE FUNCTION maillon_apply_tenant_rls(target regclass) RETURNS boolean
LANGUAGE plpgsql AS $body$
DECLARE
  changed boolean := false;
BEGIN
  IF NOT (SELECT relrowsecurity FROM pg_class WHERE oid = target) THEN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    changed := true;
  END IF;
  IF NOT (SELECT relforcerowsecurity FROM pg_class WHERE oid = target) THEN
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    changed := true;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = target AND polname = 'tenant_isolation') THEN
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %s AS PERMISSIVE FOR ALL TO PUBLIC '
      'USING (organisation_id = NULLIF(current_setting(%L, true), %L)::bigint) '
      'WITH CHECK (organisation_id = NULLIF(current_setting(%L, true), %L)::bigint)',
      target, 'app.organisation_id', '', 'app.organisation_id', '');
    changed := true;
  END IF;
  RETURN changed;
END
$body$;
"""

TENANT_TABLES = [
    "hds_platform_membership",
    "hds_platform_invitation",
    "hds_platform_apitoken",
    "hds_platform_auditevent",
]

# table, function, argument, key column, lookup key
LOOKUPS = [
    ("hds_platform_apitoken", "maillon_find_api_tokens", "text", "prefix", "api_token"),
    ("hds_platform_invitation", "maillon_find_invitation", "text", "token_digest", "invitation"),
    ("hds_platform_membership", "maillon_memberships_of", "bigint", "user_id", "membership"),
]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = qn(cursor.fetchone()[0])
        cursor.execute(APPLY_FUNCTION)
        for table in TENANT_TABLES:
            cursor.execute("SELECT maillon_apply_tenant_rls(%s::regclass)", [f"{schema}.{qn(table)}"])
        for table, function, argument, column, key in LOOKUPS:
            # maillon.lookup is set and cleared in the body: a function's SET
            # clause may not name a custom setting unless a superuser created it.
            cursor.execute(
                f"CREATE FUNCTION {schema}.{function}(p_lookup {argument}) RETURNS SETOF {schema}.{qn(table)} "
                f"LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$\n"
                f"BEGIN\n"
                f"  PERFORM set_config('maillon.lookup', '{key}', true);\n"
                f"  RETURN QUERY SELECT * FROM {schema}.{qn(table)} WHERE {qn(column)} = p_lookup;\n"
                f"  PERFORM set_config('maillon.lookup', '', true);\n"
                f"END\n"
                f"$body$"
            )
            cursor.execute(f"REVOKE ALL ON FUNCTION {schema}.{function}({argument}) FROM PUBLIC")
            cursor.execute(
                f"CREATE POLICY tenant_lookup ON {schema}.{qn(table)} AS PERMISSIVE FOR SELECT TO CURRENT_USER "
                f"USING (current_setting('maillon.lookup', true) = '{key}')"
            )


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, function, argument, _column, _key in LOOKUPS:
            cursor.execute(f"DROP POLICY IF EXISTS tenant_lookup ON {qn(table)}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {function}({argument})")
        for table in TENANT_TABLES:
            cursor.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {qn(table)}")
            cursor.execute(f"ALTER TABLE {qn(table)} NO FORCE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE {qn(table)} DISABLE ROW LEVEL SECURITY")
        cursor.execute("DROP FUNCTION IF EXISTS maillon_apply_tenant_rls(regclass)")


class Migration(migrations.Migration):

    dependencies = [
        ("hds_platform", "0002_apitoken_prefix_per_organisation"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
