"""Base fixtures: every test can have three tenants' worth of people.

``org`` (owned by ``owner``, with one member per other role) and ``other_org``
(owned by ``outsider``): the outsider must never see or change ``org``.
"""

import os
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.db.models.signals import pre_migrate
from django.utils import translation
from rest_framework.test import APIClient

from hds_platform import services
from hds_platform.audit import Actor
from hds_platform.models import Membership, Organisation, User
from hds_platform.roles import Role
from hds_platform.tenancy import organisation_context
from tests.factories import UserFactory, make_organisation
from tests.second_factor import login_with_second_factor

pytest_plugins = ["tests.realworker", "tests.browser", "tests.compliance.monitoring.alerting"]
# The test database in the production shape (PostgreSQL): when MAILLON_TEST_DB_OWNER
# names the owner role (bash .ci/run does), the test database's migrations run as
# that role, exactly like ``migrate --database owner`` in production, so the
# tables, the forced policies and the SECURITY DEFINER lookups belong to a role
# that is neither a superuser nor able to bypass row-level security. The suite's
# own connection stays the superuser that created the database; the tests of row-
# level security connect as the runtime role (tests/hds_platform/test_row_level_security.py).
TEST_DB_OWNER = os.environ.get("MAILLON_TEST_DB_OWNER", "")


def _migrate_as_owner(sender, using, **kwargs):
    connection = connections[using]
    if not TEST_DB_OWNER or connection.vendor != "postgresql":
        return
    owner = connection.ops.quote_name(TEST_DB_OWNER)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == TEST_DB_OWNER:
            return
        # As deploy/postgres-roles.sh does in production: the owner owns the
        # database (trusted extensions) and its schema.
        database = connection.ops.quote_name(connection.settings_dict["NAME"])
        cursor.execute(f"ALTER DATABASE {database} OWNER TO {owner}")
        cursor.execute(f"ALTER SCHEMA public OWNER TO {owner}")
        cursor.execute(f"SET ROLE {owner}")


pre_migrate.connect(_migrate_as_owner, dispatch_uid="maillon_tests_migrate_as_owner")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """After the test database is built, drop the connection that became the owner."""
    with django_db_blocker.unblock():
        for connection in connections.all():
            connection.close()


@dataclass
class Tenant:
    organisation: Organisation
    owner: User
    members: dict[str, User]

    def context(self):
        return organisation_context(self.organisation)

    def token(self, scope: str = "read-write", name: str = "test", **kwargs) -> str:
        with self.context():
            _token, raw = services.api_token_create(
                name=name, scope=scope, actor=Actor.for_user(self.owner), **kwargs
            )
        return raw


def _tenant(name: str, slug: str, with_roles: bool) -> Tenant:
    owner = UserFactory(email=f"owner@{slug}.example")
    organisation = make_organisation(name, owner, slug=slug)
    members = {Role.OWNER.value: owner}
    if with_roles:
        with organisation_context(organisation):
            for role in (Role.ADMIN, Role.EDITOR, Role.VIEWER, Role.AUDITOR):
                user = UserFactory(email=f"{role.value}@{slug}.example")
                Membership.objects.create(organisation=organisation, user=user, role=role)
                members[role.value] = user
    return Tenant(organisation, owner, members)


@pytest.fixture
def tenant(db) -> Tenant:
    return _tenant("Clinique des Tilleuls", "tilleuls", with_roles=True)


@pytest.fixture
def other_tenant(db) -> Tenant:
    return _tenant("Laboratoire Voisin", "voisin", with_roles=False)


@pytest.fixture
def org(tenant):
    return tenant.organisation


@pytest.fixture
def owner(tenant):
    return tenant.owner


@pytest.fixture
def outsider(other_tenant):
    return other_tenant.owner


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def client_for():
    """An API client logged in as a user (who has entered their second factor, when asked), or
    carrying a bearer token."""

    def make(user: User | None = None, token: str | None = None, second_factor: bool = False) -> APIClient:
        client = APIClient()
        if user is not None and second_factor:
            login_with_second_factor(client, user)
        elif user is not None:
            client.force_login(user)
        if token is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return make


@pytest.fixture
def media(settings, tmp_path):
    """A private MEDIA_ROOT per test (evidence files, registry raw files), so that left-over files
    can be counted and nothing reaches the default storage."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}}}
    return root


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from tests.reporting import SUMMARY_LINES

    lines = config.stash.get(SUMMARY_LINES, [])
    if lines:
        terminalreporter.section("isolation")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (database ids repeat from one test to the next)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _source_language():
    """Each test starts in French, the source language: a request in English leaves English active on
    the thread (LocaleMiddleware activates the request's language and nothing resets it)."""
    with translation.override(django_settings.LANGUAGE_CODE):
        yield


def pytest_ignore_collect(collection_path, config):
    """The API contract gate (schemathesis) is collected only when asked for (``make api-contract``):
    building its schema at import would slow every other run."""
    if collection_path.name == "api_contract" and config.getoption("markexpr") != "api_contract":
        return True
    return None


@pytest.fixture
def local_network(settings):
    """Webhook receivers of the tests listen on 127.0.0.1 over http on a free port: allowed only by
    these settings (tests, on-premise)."""
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_EXTRA_PORTS = frozenset(range(1024, 65536))


@pytest.fixture(autouse=True)
def _webhooks_sent_inline(settings):
    """In the in-process mode webhooks go out on a background thread after the commit; a test runs
    inside a transaction that thread cannot see, so tests send inline unless they test the thread
    (tests/compliance/monitoring/test_webhook_background.py turns it back on)."""
    settings.WEBHOOK_INPROCESS_SENDER = "inline"
