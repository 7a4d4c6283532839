"""Row-level security across a provider–client link (PostgreSQL, as the runtime role): the link row
is readable by exactly its two organisations, the client may change it (consent, ending) but never
create or delete one, and nothing else of the provider is visible to the client."""

import pytest
from django.conf import settings
from django.db import connection
from psycopg import errors

from compliance.models import ClientLink
from hds_platform.models import OrganisationKind
from tests.compliance.network_builders import host_organisation, hosting_offer, linked_client
from tests.factories import UserFactory, make_organisation
from tests.rls_support import NO_POSTGRES, assert_subject_to_rls, connect_as, require_roles

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason=NO_POSTGRES)


@pytest.fixture
def linked(transactional_db, media):
    host = hosting_offer(host_organisation())
    owner = UserFactory(email="dpo@clinique-sud.example")
    client = make_organisation("Clinique du Sud", owner, kind=OrganisationKind.HEALTH_ESTABLISHMENT)
    stranger = make_organisation("Cabinet Voisin", UserFactory(), kind=OrganisationKind.HEALTH_PROFESSIONAL)
    link = linked_client(host, client, owner)
    return host.organisation, client, stranger, link


@pytest.fixture
def runtime(linked):
    require_roles()
    with connect_as(settings.DATABASE_RUNTIME_ROLE, "DATABASE_RUNTIME_PASSWORD") as session:
        with session.cursor() as cursor:
            assert_subject_to_rls(cursor, settings.DATABASE_RUNTIME_ROLE)
        session.rollback()
        yield session


def _as(cursor, organisation):
    cursor.execute("SELECT set_config('app.organisation_id', %s, true)", [str(organisation.pk)])


def _visible(cursor, table):
    cursor.execute(f"SELECT organisation_id, count(*) FROM {table} GROUP BY organisation_id ORDER BY 1")
    return dict(cursor.fetchall())


def test_the_link_is_read_by_exactly_its_two_organisations(runtime, linked):
    host, client, stranger, _link = linked
    with runtime.cursor() as cursor:
        _as(cursor, host)
        assert _visible(cursor, "compliance_clientlink") == {host.pk: 1}
        _as(cursor, client)
        assert _visible(cursor, "compliance_clientlink") == {host.pk: 1}
        # Nothing else of the provider: its offers, certificates and documents stay its own.
        assert _visible(cursor, "compliance_offer") == {}
        assert _visible(cursor, "compliance_clientinvitation") == {}
        assert _visible(cursor, "compliance_certificate") == {client.pk: 1}
        _as(cursor, stranger)
        assert _visible(cursor, "compliance_clientlink") == {}


def test_the_client_changes_its_consent_but_creates_and_deletes_no_link(runtime, linked):
    _host, client, stranger, link = linked
    with runtime.cursor() as cursor:
        _as(cursor, client)
        cursor.execute("UPDATE compliance_clientlink SET share_status = true WHERE id = %s", [link.pk])
        assert cursor.rowcount == 1
        cursor.execute("DELETE FROM compliance_clientlink WHERE id = %s", [link.pk])
        assert cursor.rowcount == 0
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security policy"):
            cursor.execute(
                "INSERT INTO compliance_clientlink (organisation_id, client_organisation_id, offer_ids, share_status, "
                "status, accepted_at, ended_by, updated_at) VALUES (%s, %s, '[]', true, 'active', now(), '', now())",
                [stranger.pk, client.pk])
    runtime.rollback()
    with runtime.cursor() as cursor:
        _as(cursor, stranger)
        cursor.execute("UPDATE compliance_clientlink SET share_status = true WHERE id = %s", [link.pk])
        assert cursor.rowcount == 0
        _as(cursor, client)
        # The client cannot hand the link to another organisation either.
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security policy"):
            cursor.execute("UPDATE compliance_clientlink SET client_organisation_id = %s WHERE id = %s",
                           [stranger.pk, link.pk])
    runtime.rollback()
    assert ClientLink.all_organisations.get().share_status is False
