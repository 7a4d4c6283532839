"""Helpers for the tests that need PostgreSQL's roles: the runtime role and the owner.

``bash .ci/run`` creates the roles (deploy/postgres-roles.sh) and sets
``DATABASE_RUNTIME_ROLE``, ``DATABASE_CROSS_TENANT_ROLE`` and
``MAILLON_TEST_DB_OWNER``; it also sets ``MAILLON_REQUIRE_RLS_TESTS`` so that a
missing role fails the run instead of skipping.
"""

import os
from contextlib import contextmanager

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from hds_platform import rls

NO_POSTGRES = (
    "Row-level security and database roles are PostgreSQL features: the embedded SQLite default has neither, "
    "so only the code wall (scoped managers, tested everywhere) exists there. bash .ci/run runs these on PostgreSQL."
)


def require_roles() -> None:
    """Skip (or fail under .ci/run) unless the roles of the production shape are configured."""
    missing = []
    if not settings.DATABASE_RUNTIME_ROLE or settings.DATABASE_RUNTIME_ROLE == connection.settings_dict["USER"]:
        missing.append("DATABASE_RUNTIME_ROLE (a role other than the test connection's)")
    if not os.environ.get("MAILLON_TEST_DB_OWNER"):
        missing.append("MAILLON_TEST_DB_OWNER")
    if not missing:
        return
    reason = f"Needs the database roles of production: set {', '.join(missing)} (bash .ci/run does)."
    if os.environ.get("MAILLON_REQUIRE_RLS_TESTS"):
        pytest.fail(reason)
    pytest.skip(reason)


def connect_as(role: str, password_variable: str) -> psycopg.Connection:
    """A new login to the test database as ``role`` (not SET ROLE: a real session of that role)."""
    database = connection.settings_dict
    return psycopg.connect(
        dbname=database["NAME"], host=database["HOST"] or None, port=database["PORT"] or None,
        user=role, password=os.environ.get(password_variable) or None,
    )


def role_facts(cursor) -> tuple[str, bool, bool, list[str]]:
    """(current_user, superuser, bypassrls, tenant tables it owns or inherits ownership of)."""
    cursor.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    user, superuser, bypass = cursor.fetchone()
    tables = [model._meta.db_table for model in rls.tenant_models()]
    cursor.execute(
        "SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c "
        "WHERE c.oid = ANY(SELECT to_regclass(t) FROM unnest(%s::text[]) AS t) "
        "AND pg_has_role(current_user, c.relowner, 'USAGE')",
        [tables],
    )
    return user, superuser, bypass, cursor.fetchone()[0] or []


def assert_subject_to_rls(cursor, expected_role: str) -> None:
    """The session really is ``expected_role``, and that role cannot bypass row-level security."""
    user, superuser, bypass, owned = role_facts(cursor)
    assert (user, superuser, bypass, owned) == (expected_role, False, False, [])


@contextmanager
def app_connection_as_runtime_role():
    """Run the app's own (test) connection as the runtime role until the block ends.

    ``SET LOCAL ROLE`` inside the test's transaction: every ORM query of the
    block is checked with the runtime role's privileges and policies. The
    role is dropped again at the end of the block, and in any case when the
    test's transaction rolls back.
    """
    role = connection.ops.quote_name(settings.DATABASE_RUNTIME_ROLE)
    clear_organisation_setting()
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        assert_subject_to_rls(cursor, settings.DATABASE_RUNTIME_ROLE)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def clear_organisation_setting() -> None:
    """Forget the organisation a previous request of this test set.

    In production each request is its own transaction, which ends the setting;
    a test runs all its requests in one transaction.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.organisation_id', '', true)")
