from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from hds_platform.models import ApiToken, AuditEvent


def _members_url(org):
    return f"/api/v1/orgs/{org.slug}/members/"


def test_token_reads_its_organisation(tenant, client_for):
    raw = tenant.token(scope="read")
    response = client_for(token=raw).get(_members_url(tenant.organisation))
    assert response.status_code == 200
    assert response.json()["count"] == 5


def test_token_is_stored_as_prefix_and_digest_only(tenant):
    raw = tenant.token()
    prefix, secret = raw.split("_")[1], raw.split("_", 2)[2]
    token = ApiToken.all_organisations.get(prefix=prefix)
    assert secret not in token.digest
    assert len(token.digest) == 64
    assert raw not in str(ApiToken.all_organisations.values().get(pk=token.pk))


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("mln_short_secret", "invalid_token"),
        ("mln_abcdefghij_not-the-secret", "invalid_token"),
        ("garbage", "invalid_token"),
    ],
)
def test_unknown_or_malformed_token_is_401(tenant, client_for, raw, code):
    response = client_for(token=raw).get(_members_url(tenant.organisation))
    assert response.status_code == 401
    assert response.json()["code"] == code


def test_wrong_secret_for_a_real_prefix_is_401(tenant, client_for):
    raw = tenant.token()
    forged = raw[: raw.rindex("_") + 1] + "x" * 43
    response = client_for(token=forged).get(_members_url(tenant.organisation))
    assert response.status_code == 401
    # A token's call is answered in English unless it asks for another language.
    assert response.json() == {"code": "invalid_token", "message": "Unknown API token."}


def test_revoked_token_is_refused(tenant, client_for):
    raw = tenant.token()
    owner_client = client_for(user=tenant.owner)
    token_id = ApiToken.all_organisations.get().pk
    response = owner_client.post(f"/api/v1/orgs/{tenant.organisation.slug}/tokens/{token_id}/revoke/")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    response = client_for(token=raw).get(_members_url(tenant.organisation))
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


def test_expired_token_is_refused(tenant, client_for):
    raw = tenant.token(expires_at=timezone.now() + timedelta(days=1))
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        response = client_for(token=raw).get(_members_url(tenant.organisation))
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_read_only_token_cannot_write(tenant, client_for):
    raw = tenant.token(scope="read")
    viewer = tenant.members["viewer"]
    membership_id = tenant.organisation and _membership_id(tenant, viewer)
    before = AuditEvent.all_organisations.count()
    response = client_for(token=raw).post(
        f"/api/v1/orgs/{tenant.organisation.slug}/invitations/", {"email": "x@example.org", "role": "viewer"}
    )
    assert response.status_code == 403
    response = client_for(token=raw).patch(f"{_members_url(tenant.organisation)}{membership_id}/", {"role": "admin"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert AuditEvent.all_organisations.count() == before


def _membership_id(tenant, user):
    with tenant.context():
        from hds_platform.models import Membership

        return Membership.objects.get(user=user).pk


def test_token_of_another_organisation_answers_404(tenant, other_tenant, client_for):
    raw = other_tenant.token(scope="read-write")
    response = client_for(token=raw).get(_members_url(tenant.organisation))
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}


def test_token_cannot_manage_tokens_or_members(tenant, client_for):
    raw = tenant.token(scope="read-write")
    client = client_for(token=raw)
    assert client.get(f"/api/v1/orgs/{tenant.organisation.slug}/tokens/").status_code == 403
    assert client.post(f"/api/v1/orgs/{tenant.organisation.slug}/tokens/",
                       {"name": "escalate", "scope": "read-write"}).status_code == 403
    assert ApiToken.all_organisations.count() == 1


def test_token_created_once_shown_once(tenant, client_for):
    client = client_for(user=tenant.members["admin"])
    url = f"/api/v1/orgs/{tenant.organisation.slug}/tokens/"
    created = client.post(url, {"name": "logiciel métier", "scope": "read"})
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith(f"mln_{body['prefix']}_")
    listed = client.get(url).json()["results"]
    assert [set(item) for item in listed] == [
        {"id", "name", "prefix", "scope", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at",
         "is_active"}
    ]
    assert listed[0]["scope"] == "read"
    assert listed[0]["scopes"] == ["conformity:read", "register:read", "reports:read"]
    assert client.get(f"{url}{body['id']}/").json().get("token") is None


def test_duplicate_token_name_is_a_conflict(tenant, client_for):
    client = client_for(user=tenant.owner)
    url = f"/api/v1/orgs/{tenant.organisation.slug}/tokens/"
    assert client.post(url, {"name": "ci", "scope": "read"}).status_code == 201
    response = client.post(url, {"name": "ci", "scope": "read"})
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_name"


def test_last_used_is_written_at_most_once_a_minute(tenant, client_for, django_assert_num_queries):
    raw = tenant.token(scope="read")
    client = client_for(token=raw)
    url = _members_url(tenant.organisation)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get(url)
        first = ApiToken.all_organisations.get().last_used_at
        assert first == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        client.get(url)
        assert ApiToken.all_organisations.get().last_used_at == first
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        client.get(url)
        assert ApiToken.all_organisations.get().last_used_at == start + timedelta(seconds=61)


def test_token_authentication_costs_one_query(tenant, client_for, django_assert_num_queries, settings):
    raw = tenant.token(scope="read")
    client = client_for(token=raw)
    client.get("/api/v1/me/")  # records last use
    with django_assert_num_queries(1):
        response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["token"]["scope"] == "read"
