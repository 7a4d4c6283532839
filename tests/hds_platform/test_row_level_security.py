"""Row-level security, tested as the runtime role, never as a superuser or the owner.

The first tests log in to the test database as the runtime role (a session of
its own, on committed rows) and use raw SQL, as a forgotten filter, a shell or
a careless query would. The last ones run the application itself with its
connection switched to the runtime role.
"""

import os
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, transaction
from psycopg import errors

from hds_platform import crossing, rls
from hds_platform.checks import check_row_level_security, check_runtime_role
from hds_platform.models import ApiToken, AuditEvent, Invitation, Membership
from hds_platform.tenancy import organisation_context
from tests import tenant_objects
from tests.factories import UserFactory
from tests.rls_support import (
    NO_POSTGRES,
    app_connection_as_runtime_role,
    assert_subject_to_rls,
    connect_as,
    require_roles,
    role_facts,
)

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason=NO_POSTGRES)

TENANT_TABLES = sorted(model._meta.db_table for model in rls.tenant_models())
# Rows of these come from the API calls of ``committed``; the others from the probe's factories.
API_MADE = {"hds_platform.ApiToken", "hds_platform.AuditEvent", "hds_platform.Invitation", "hds_platform.Membership"}


def _rows_per_organisation():
    """What each tenant table holds, read through the superuser test connection (which bypasses RLS)."""
    counts = {}
    with connection.cursor() as cursor:
        for table in TENANT_TABLES:
            cursor.execute(f"SELECT organisation_id, count(*) FROM {table} GROUP BY organisation_id")
            counts[table] = dict(cursor.fetchall())
    return counts


@pytest.fixture
def committed(transactional_db, tenant, other_tenant, client_for):
    """Two organisations with a row in every tenant table, committed so another session sees them."""
    for each in (tenant, other_tenant):
        client = client_for(user=each.owner)
        slug = each.organisation.slug
        assert client.post(f"/api/v1/orgs/{slug}/tokens/", {"name": "ci", "scope": "read"}).status_code == 201
        assert client.post(f"/api/v1/orgs/{slug}/invitations/",
                           {"email": f"guest@{slug}.example", "role": "viewer"}).status_code == 201
        for model in rls.tenant_models():
            if model._meta.label not in API_MADE:
                tenant_objects.FACTORIES[model._meta.label](each)
    counts = _rows_per_organisation()
    a, b = tenant.organisation.pk, other_tenant.organisation.pk
    assert all(counts[table].get(a, 0) > 0 and counts[table].get(b, 0) > 0 for table in TENANT_TABLES), counts
    return counts


@pytest.fixture
def runtime(committed):
    require_roles()
    with connect_as(settings.DATABASE_RUNTIME_ROLE, "DATABASE_RUNTIME_PASSWORD") as session:
        with session.cursor() as cursor:
            assert_subject_to_rls(cursor, settings.DATABASE_RUNTIME_ROLE)
        session.rollback()
        yield session


def _count(cursor, table):
    cursor.execute(f"SELECT count(*) FROM {table}")
    return cursor.fetchone()[0]


def _work_for(cursor, organisation_id):
    cursor.execute("SELECT set_config('app.organisation_id', %s, true)", [str(organisation_id)])


def test_the_runtime_role_is_neither_superuser_nor_owner_nor_bypassing(runtime):
    with runtime.cursor() as cursor:
        user, superuser, bypass, owned = role_facts(cursor)
    assert (user, superuser, bypass, owned) == ("maillon_app", False, False, [])


def test_with_no_organisation_set_raw_sql_sees_no_row(runtime, committed):
    with runtime.cursor() as cursor:
        assert {table: _count(cursor, table) for table in TENANT_TABLES} == dict.fromkeys(TENANT_TABLES, 0)
        cursor.execute("SELECT set_config('app.organisation_id', '', true)")
        assert _count(cursor, "hds_platform_membership") == 0


def test_with_organisation_a_set_only_its_rows_are_visible(runtime, committed, tenant, other_tenant):
    a, b = tenant.organisation.pk, other_tenant.organisation.pk
    with runtime.cursor() as cursor:
        _work_for(cursor, a)
        for table in TENANT_TABLES:
            cursor.execute(f"SELECT organisation_id, count(*) FROM {table} GROUP BY organisation_id")
            assert dict(cursor.fetchall()) == {a: committed[table][a]}, table
            cursor.execute(f"SELECT count(*) FROM {table} WHERE organisation_id = %s", [b])
            assert cursor.fetchone()[0] == 0


def test_the_setting_ends_with_the_transaction(runtime, tenant):
    with runtime.cursor() as cursor:
        _work_for(cursor, tenant.organisation.pk)
        assert _count(cursor, "hds_platform_membership") == 5
    runtime.commit()
    with runtime.cursor() as cursor:
        assert _count(cursor, "hds_platform_membership") == 0


def test_writing_a_row_for_another_organisation_is_refused(runtime, tenant, other_tenant):
    a, b = tenant.organisation.pk, other_tenant.organisation.pk
    user_id = tenant.members["viewer"].pk
    with runtime.cursor() as cursor:
        _work_for(cursor, a)
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security policy"):
            cursor.execute("INSERT INTO hds_platform_membership (organisation_id, user_id, role, created_at) "
                           "VALUES (%s, %s, 'owner', now())", [b, user_id])
    runtime.rollback()
    with runtime.cursor() as cursor:
        _work_for(cursor, a)
        cursor.execute("UPDATE hds_platform_membership SET role = 'viewer' WHERE organisation_id = %s", [b])
        assert cursor.rowcount == 0
        cursor.execute("DELETE FROM hds_platform_apitoken WHERE organisation_id = %s", [b])
        assert cursor.rowcount == 0
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security policy"):
            cursor.execute("UPDATE hds_platform_membership SET organisation_id = %s WHERE user_id = %s", [b, user_id])
    runtime.rollback()
    with runtime.cursor() as cursor:
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security policy"):
            cursor.execute("INSERT INTO hds_platform_membership (organisation_id, user_id, role, created_at) "
                           "VALUES (%s, %s, 'owner', now())", [a, user_id])
    runtime.rollback()
    # (The probe's factories may add organisations of their own, e.g. a provider's linked client.)
    memberships = _rows_per_organisation()["hds_platform_membership"]
    assert {organisation: memberships[organisation] for organisation in (a, b)} == {a: 5, b: 1}


def test_the_runtime_role_cannot_change_or_delete_audit_events(runtime, tenant):
    with runtime.cursor() as cursor:
        _work_for(cursor, tenant.organisation.pk)
        assert _count(cursor, "hds_platform_auditevent") > 0
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            cursor.execute("UPDATE hds_platform_auditevent SET action = 'forged'")
    runtime.rollback()
    with runtime.cursor() as cursor:
        _work_for(cursor, tenant.organisation.pk)
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            cursor.execute("DELETE FROM hds_platform_auditevent")
    runtime.rollback()


def test_the_runtime_role_cannot_rewrite_the_migration_history(runtime):
    with runtime.cursor() as cursor:
        cursor.execute("SELECT count(*) > 0 FROM django_migrations WHERE app = 'hds_platform'")
        assert cursor.fetchone() == (True,)
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            cursor.execute("DELETE FROM django_migrations WHERE app = 'hds_platform'")
    runtime.rollback()


def test_lookup_functions_find_exactly_one_key_and_nothing_else(runtime, tenant, other_tenant):
    token_b = ApiToken.all_organisations.get(organisation=other_tenant.organisation)
    with runtime.cursor() as cursor:
        cursor.execute("SELECT organisation_id, name FROM maillon_find_api_tokens(%s)", [token_b.prefix])
        assert cursor.fetchall() == [(other_tenant.organisation.pk, "ci")]
        cursor.execute("SELECT count(*) FROM maillon_find_api_tokens(%s)", [token_b.prefix[:-1] + "%"])
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT organisation_id FROM maillon_memberships_of(%s)", [other_tenant.owner.pk])
        assert cursor.fetchall() == [(other_tenant.organisation.pk,)]
        # The function's key opens nothing to the runtime role itself.
        cursor.execute("SELECT set_config('maillon.lookup', 'api_token', true)")
        assert _count(cursor, "hds_platform_apitoken") == 0
        cursor.execute("SELECT current_setting('maillon.lookup')")
        assert cursor.fetchone()[0] == "api_token"
        cursor.execute("SELECT set_config('maillon.lookup', '', true)")
        cursor.execute("SELECT count(*) FROM maillon_find_api_tokens(%s)", [token_b.prefix])
        cursor.execute("SELECT current_setting('maillon.lookup')")
        assert cursor.fetchone()[0] == ""


def test_the_owner_is_subject_to_the_forced_policies(committed):
    require_roles()
    with connect_as(os.environ["MAILLON_TEST_DB_OWNER"], "OWNER_DB_PASSWORD") as session, session.cursor() as cursor:
        _user, superuser, bypass, owned = role_facts(cursor)
        assert (superuser, bypass, owned) == (False, False, TENANT_TABLES)
        assert {table: _count(cursor, table) for table in TENANT_TABLES} == dict.fromkeys(TENANT_TABLES, 0)


def test_the_cross_tenant_reader_reads_everything_and_writes_nothing(committed, tenant):
    require_roles()
    reader = settings.DATABASE_CROSS_TENANT_ROLE
    if not reader:
        pytest.skip("DATABASE_CROSS_TENANT_ROLE is not set: no cross-tenant reader role to test.")
    with connect_as(reader, "CROSSING_DB_PASSWORD") as session, session.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, True)
        assert _count(cursor, "hds_platform_membership") == Membership.all_organisations.count() >= 6
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            cursor.execute("UPDATE hds_platform_membership SET role = 'owner'")


def test_every_tenant_table_has_its_policy_and_the_check_agrees(db):
    require_roles()
    tables = sorted(model._meta.db_table for model in rls.tenant_models())
    assert tables[-7:] == ["hds_platform_apitoken", "hds_platform_appconnection", "hds_platform_auditevent",
                           "hds_platform_idempotencykey",
                           "hds_platform_invitation", "hds_platform_membership", "reports_report"]
    states = rls.table_security(connection, tables)
    assert {table: state.problems() for table, state in states.items()} == {table: [] for table in tables}
    assert all(state.enabled and state.forced for state in states.values())
    assert check_row_level_security(connection) == []


def test_the_check_reports_a_missing_forced_flag_and_a_widening_policy(db):
    require_roles()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE hds_platform_invitation NO FORCE ROW LEVEL SECURITY")
        cursor.execute("CREATE POLICY everyone ON hds_platform_invitation USING (true)")
    messages = [(m.id, m.msg) for m in check_row_level_security(connection)]
    assert messages == [
        ("maillon.E003", "Tenant table hds_platform_invitation: row-level security is not forced "
                         "(the owner would bypass it)."),
        ("maillon.E003", "Tenant table hds_platform_invitation: it has an unexpected policy 'everyone', "
                         "which could widen access."),
    ]


def test_every_migrate_puts_back_a_dropped_policy(db):
    require_roles()
    with connection.cursor() as cursor:
        cursor.execute("DROP POLICY tenant_isolation ON hds_platform_membership")
    assert [m.msg for m in check_row_level_security(connection)] == [
        "Tenant table hds_platform_membership: it has no tenant_isolation policy."]
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert check_row_level_security(connection) == []
    assert rls.install(connection) == []


def test_a_new_tenant_table_gets_its_policy_from_the_same_step(db):
    """What post_migrate does for the table of a model added later (here, a table made by hand)."""
    require_roles()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE tests_new_supplier (id bigserial PRIMARY KEY, organisation_id bigint NOT NULL)")
    new_model = SimpleNamespace(_meta=SimpleNamespace(db_table="tests_new_supplier"))
    state = rls.table_security(connection, ["tests_new_supplier"])["tests_new_supplier"]
    assert state.problems() == ["row-level security is not enabled",
                                "row-level security is not forced (the owner would bypass it)",
                                "it has no tenant_isolation policy"]
    assert rls.install(connection, [new_model]) == ["tests_new_supplier"]
    assert rls.table_security(connection, ["tests_new_supplier"])["tests_new_supplier"].problems() == []
    assert rls.install(connection, [new_model]) == []


def test_the_check_warns_when_the_app_connects_as_a_bypassing_role(db):
    require_roles()
    assert [m.id for m in check_runtime_role(connection)] == ["maillon.W001"]
    with app_connection_as_runtime_role():
        assert check_runtime_role(connection) == []


# The application itself, its connection switched to the runtime role. --------------------------------


def test_token_authentication_works_and_costs_one_query(tenant, client_for, django_assert_num_queries):
    require_roles()
    raw = tenant.token(scope="read")
    client = client_for(token=raw)
    with app_connection_as_runtime_role():
        client.get("/api/v1/me/")  # records last use
        with django_assert_num_queries(1):
            response = client.get("/api/v1/me/")
        assert response.status_code == 200
        assert response.json()["token"]["organisation"] == "tilleuls"
        members = client.get("/api/v1/orgs/tilleuls/members/")
        assert (members.status_code, members.json()["count"]) == (200, 5)


def test_a_person_sees_all_their_organisations_and_only_theirs(tenant, other_tenant, client_for):
    require_roles()
    with other_tenant.context():
        Membership.objects.create(user=tenant.members["viewer"], role="viewer")
    with app_connection_as_runtime_role():
        response = client_for(user=tenant.members["viewer"]).get("/api/v1/me/")
    assert response.status_code == 200
    assert [m["organisation"]["slug"] for m in response.json()["memberships"]] == ["tilleuls", "voisin"]


def test_an_invitation_is_accepted_through_its_lookup(tenant, client_for, django_capture_on_commit_callbacks):
    require_roles()
    from django.core import mail

    with app_connection_as_runtime_role():
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(user=tenant.owner).post(
                "/api/v1/orgs/tilleuls/invitations/", {"email": "new@example.org", "role": "editor"})
        assert response.status_code == 201
        raw = next(line for line in mail.outbox[-1].body.splitlines() if "/invitations/" in line)
        raw = raw.rstrip("/").rsplit("/", 1)[1]
        person = UserFactory(email="new@example.org")
        accepted = client_for(user=person).post("/api/v1/invitations/accept/", {"token": raw})
        assert (accepted.status_code, accepted.json()["role"]) == (201, "editor")
    assert Invitation.all_organisations.get().accepted_by == person


def test_verify_audit_reads_every_chain_as_the_runtime_role(tenant, other_tenant, capsys):
    require_roles()
    with app_connection_as_runtime_role():
        call_command("verify_audit")
    assert capsys.readouterr().out.splitlines() == ["tilleuls: 2 events, chain intact",
                                                    "voisin: 2 events, chain intact"]


def test_a_forgotten_filter_still_reads_one_organisation(tenant, other_tenant):
    """``all_organisations`` inside a context is the mistake the second wall is for."""
    require_roles()
    with app_connection_as_runtime_role():
        assert Membership.all_organisations.count() == 0
        with tenant.context():
            assert Membership.all_organisations.count() == 5
            assert set(AuditEvent.all_organisations.values_list("organisation_id", flat=True)) == {
                tenant.organisation.pk}
            assert crossing.find_invitation("0" * 64) is None


def test_a_context_inside_a_longer_transaction_clears_the_setting_on_exit(tenant):
    require_roles()

    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('app.organisation_id', true)")
            return cursor.fetchone()[0]

    with app_connection_as_runtime_role(), transaction.atomic():
        with organisation_context(tenant.organisation):
            assert setting() == str(tenant.organisation.pk)
        assert setting() == ""
        assert Membership.all_organisations.count() == 0


def test_the_policies_letting_another_party_read_a_row_are_checked_and_put_back(db):
    """The client's read of a link, and a linked provider's read of a request addressed to it."""
    require_roles()
    assert {table: sorted(policies) for table, policies in rls.LINK_POLICIES.items()} == {
        "compliance_clientlink": ["network_link_read", "network_link_update"],
        "compliance_evidencerequest": ["evidence_request_addressed_read"],
    }
    with connection.cursor() as cursor:
        cursor.execute("DROP POLICY evidence_request_addressed_read ON compliance_evidencerequest")
    assert [m.msg for m in check_row_level_security(connection)] == [
        "Tenant table compliance_evidencerequest: its evidence_request_addressed_read policy is not the expected "
        "one: None."]
    assert rls.install(connection) == ["compliance_evidencerequest"]
    assert check_row_level_security(connection) == []
    with connection.cursor() as cursor:
        cursor.execute("DROP POLICY evidence_request_addressed_read ON compliance_evidencerequest")
        cursor.execute("CREATE POLICY evidence_request_addressed_read ON compliance_evidencerequest "
                       "USING (addressed_organisation_id IS NOT NULL)")
    assert [m.msg for m in check_row_level_security(connection)] == [
        "Tenant table compliance_evidencerequest: its evidence_request_addressed_read policy is not the expected "
        "one: ('*', True, ['public'], '(addressed_organisation_id IS NOT NULL)', None)."]
