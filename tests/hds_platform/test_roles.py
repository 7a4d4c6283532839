"""The role table, exercised through the API: each role × each kind of action."""

import pytest

from hds_platform.models import ApiToken, AuditEvent, Invitation, Membership
from hds_platform.roles import ROLE_PERMISSIONS, Perm, Role

EXPECTED = {
    # action:            owner admin editor viewer auditor
    "members.list":     (200, 200, 200, 200, 200),
    "members.patch":    (200, 200, 403, 403, 403),
    "invitations.list": (200, 200, 403, 403, 403),
    "invitations.post": (201, 201, 403, 403, 403),
    "tokens.list":      (200, 200, 403, 403, 403),
    "tokens.post":      (201, 201, 403, 403, 403),
    "audit.list":       (200, 200, 403, 403, 200),
}
ROLES = ["owner", "admin", "editor", "viewer", "auditor"]


def test_role_table_is_what_the_product_promises():
    assert ROLE_PERMISSIONS[Role.OWNER] - ROLE_PERMISSIONS[Role.ADMIN] == {Perm.OWNERSHIP}
    assert ROLE_PERMISSIONS[Role.EDITOR] == {Perm.READ, Perm.WRITE, Perm.EXPORT}
    assert ROLE_PERMISSIONS[Role.VIEWER] == {Perm.READ, Perm.EXPORT}
    assert ROLE_PERMISSIONS[Role.AUDITOR] == {Perm.READ, Perm.EXPORT, Perm.AUDIT}


def _call(client, action, slug, target_id, n):
    base = f"/api/v1/orgs/{slug}"
    if action == "members.list":
        return client.get(f"{base}/members/")
    if action == "members.patch":
        return client.patch(f"{base}/members/{target_id}/", {"role": "auditor"})
    if action == "invitations.list":
        return client.get(f"{base}/invitations/")
    if action == "invitations.post":
        return client.post(f"{base}/invitations/", {"email": f"new{n}@example.org", "role": "viewer"})
    if action == "tokens.list":
        return client.get(f"{base}/tokens/")
    if action == "tokens.post":
        return client.post(f"{base}/tokens/", {"name": f"t{n}", "scope": "read"})
    if action == "audit.list":
        return client.get(f"{base}/audit-events/")
    raise AssertionError(action)


def _state():
    return (
        sorted(Membership.all_organisations.values_list("pk", "role")),
        Invitation.all_organisations.count(),
        ApiToken.all_organisations.count(),
        AuditEvent.all_organisations.count(),
    )


@pytest.mark.parametrize("action", list(EXPECTED))
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_role_matrix(tenant, client_for, action, role_index):
    role = ROLES[role_index]
    expected = EXPECTED[action][role_index]
    with tenant.context():
        target = Membership.objects.get(user=tenant.members["viewer"]).pk
    before = _state()
    response = _call(client_for(user=tenant.members[role]), action, tenant.organisation.slug, target, role_index)
    assert response.status_code == expected, response.content
    if expected == 403:
        assert response.json() == {"code": "permission_denied", "message": "Votre rôle ne permet pas cette action."}
        assert _state() == before


def test_admin_cannot_grant_or_remove_ownership(tenant, client_for):
    client = client_for(user=tenant.members["admin"])
    with tenant.context():
        viewer_id = Membership.objects.get(user=tenant.members["viewer"]).pk
        owner_id = Membership.objects.get(user=tenant.owner).pk
    base = f"/api/v1/orgs/{tenant.organisation.slug}/members"
    assert client.patch(f"{base}/{viewer_id}/", {"role": "owner"}).status_code == 403
    assert client.delete(f"{base}/{owner_id}/").status_code == 403
    with tenant.context():
        assert Membership.objects.filter(role="owner").count() == 1


def test_last_owner_cannot_leave_or_be_demoted(tenant, client_for):
    client = client_for(user=tenant.owner)
    with tenant.context():
        owner_id = Membership.objects.get(user=tenant.owner).pk
    base = f"/api/v1/orgs/{tenant.organisation.slug}/members"
    response = client.patch(f"{base}/{owner_id}/", {"role": "admin"})
    assert response.status_code == 409
    assert response.json()["code"] == "last_owner"
    assert client.delete(f"{base}/{owner_id}/").json()["code"] == "last_owner"
    with tenant.context():
        assert Membership.objects.get(pk=owner_id).role == "owner"


def test_unauthenticated_is_401_with_code(tenant, api):
    response = api.get(f"/api/v1/orgs/{tenant.organisation.slug}/members/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
