"""Base fixtures: every test can have three tenants' worth of people.

``org`` (owned by ``owner``, with one member per other role) and ``other_org``
(owned by ``outsider``): the outsider must never see or change ``org``.
"""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from hds_platform import services
from hds_platform.audit import Actor
from hds_platform.models import Membership, Organisation, User
from hds_platform.roles import Role
from hds_platform.tenancy import organisation_context
from tests.factories import UserFactory, make_organisation

pytest_plugins = ["tests.realworker", "tests.browser", "tests.compliance.alerting"]


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
    """An API client logged in as a user, or carrying a bearer token."""

    def make(user: User | None = None, token: str | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        if token is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return make
