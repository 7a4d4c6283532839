"""An outsider (member or token of another organisation) reaches nothing of ``org`` and changes nothing."""

import pytest

from hds_platform.models import ApiToken, AuditEvent, Invitation, Membership
from tests.hds_platform.test_roles import _state


@pytest.fixture
def objects(tenant, client_for):
    owner = client_for(user=tenant.owner)
    slug = tenant.organisation.slug
    invitation = owner.post(f"/api/v1/orgs/{slug}/invitations/", {"email": "a@example.org", "role": "viewer"}).json()
    token = owner.post(f"/api/v1/orgs/{slug}/tokens/", {"name": "x", "scope": "read"}).json()
    with tenant.context():
        member = Membership.objects.get(user=tenant.members["viewer"]).pk
        seq = AuditEvent.objects.order_by("-seq").first().seq
    return {"members": member, "invitations": invitation["id"], "tokens": token["id"], "audit-events": seq}


@pytest.mark.parametrize("as_token", [False, True], ids=["outsider-member", "outsider-token"])
def test_outsider_gets_404_on_every_route_of_org(tenant, other_tenant, client_for, objects, as_token):
    client = (client_for(token=other_tenant.token(scope="read-write")) if as_token
              else client_for(user=other_tenant.owner))
    before = _state()
    slug = tenant.organisation.slug
    attempts = 0
    for resource, pk in objects.items():
        for method, url in [
            ("get", f"/api/v1/orgs/{slug}/{resource}/"),
            ("get", f"/api/v1/orgs/{slug}/{resource}/{pk}/"),
            ("patch", f"/api/v1/orgs/{slug}/{resource}/{pk}/"),
            ("delete", f"/api/v1/orgs/{slug}/{resource}/{pk}/"),
            ("post", f"/api/v1/orgs/{slug}/{resource}/"),
        ]:
            response = getattr(client, method)(url, {"role": "owner", "email": "z@example.org", "name": "n",
                                                     "scope": "read"})
            attempts += 1
            assert response.status_code == 404, (method, url, response.status_code)
    assert attempts == 20
    assert _state() == before


def test_other_organisations_ids_through_own_route_answer_404(tenant, other_tenant, client_for, objects):
    client = client_for(user=other_tenant.owner)
    before = _state()
    slug = other_tenant.organisation.slug
    for resource, pk in objects.items():
        assert client.get(f"/api/v1/orgs/{slug}/{resource}/{pk}/").status_code == 404
        if resource != "audit-events":
            assert client.patch(f"/api/v1/orgs/{slug}/{resource}/{pk}/", {"role": "viewer"}).status_code in (404, 405)
        if resource in ("invitations", "tokens"):
            assert client.post(f"/api/v1/orgs/{slug}/{resource}/{pk}/revoke/").status_code == 404
    assert _state() == before
    assert Invitation.all_organisations.get().revoked_at is None
    assert ApiToken.all_organisations.get(pk=objects["tokens"]).revoked_at is None


def test_missing_organisation_and_foreign_organisation_answer_alike(tenant, other_tenant, client_for):
    client = client_for(user=other_tenant.owner)
    missing = client.get("/api/v1/orgs/does-not-exist/members/")
    foreign = client.get(f"/api/v1/orgs/{tenant.organisation.slug}/members/")
    assert (missing.status_code, missing.json()) == (foreign.status_code, foreign.json())
