"""A member who leaves takes their tokens and webhooks with them; a person can be erased and every
audit chain still verifies."""

import json

import pytest
from django.core.management import call_command
from django.test import Client

from compliance.models import WebhookEndpoint
from compliance.monitoring.webhooks import services as webhook_services
from hds_platform import services
from hds_platform.accounts import erasure
from hds_platform.audit import Actor, verify_chain
from hds_platform.errors import Conflict, ServiceError
from hds_platform.models import ApiToken, AuditEvent, Invitation, Membership, PersonRecord, User
from tests.rls_support import app_connection_as_runtime_role, require_roles
from tests.second_factor import login_with_second_factor


@pytest.fixture
def admin_things(tenant, settings):
    """What the admin created: a read-write token and a webhook endpoint."""
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    admin = tenant.members["admin"]
    with tenant.context():
        _token, raw = services.api_token_create(name="admin-ci", scope="read-write", actor=Actor.for_user(admin))
        endpoint = webhook_services.webhook_endpoint_create(actor=Actor.for_user(admin), url="https://10.0.0.9/hook",
                                                            events=["conformity.changed"])
    return raw, endpoint


def _remove(tenant, who: str, **kwargs):
    with tenant.context():
        membership = Membership.objects.select_related("user").get(user=tenant.members[who])
        services.membership_remove(membership=membership, actor=Actor.for_user(tenant.owner), **kwargs)


def test_removing_an_admin_stops_their_tokens_and_webhooks(tenant, client_for, admin_things):
    raw, endpoint = admin_things
    suppliers = f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/"
    assert client_for(token=raw).get(suppliers).status_code == 200
    _remove(tenant, "admin")
    refused = client_for(token=raw).get(suppliers)
    assert (refused.status_code, refused.json()["code"]) == (401, "token_revoked")
    with tenant.context():
        assert WebhookEndpoint.objects.get(pk=endpoint.pk).is_active is False
        events = [(e.action, e.changes) for e in AuditEvent.objects.order_by("seq")][-3:]
        prefix = ApiToken.objects.get(name="admin-ci").prefix
    admin_id = tenant.members["admin"].pk
    assert events == [
        ("membership.removed", {"user": admin_id, "role": "admin", "reassigned_to": None}),
        ("api_token.revoked", {"name": "admin-ci", "prefix": prefix, "reason": "creator_removed"}),
        ("webhook.disabled", {"is_active": [True, False], "reason": "creator_removed"}),
    ]


def test_removal_may_hand_them_over_to_another_admin_explicitly(tenant, client_for, admin_things):
    raw, endpoint = admin_things
    _remove(tenant, "admin", reassign_to=tenant.owner)
    assert client_for(token=raw).get(f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/").status_code == 200
    with tenant.context():
        assert ApiToken.objects.get(name="admin-ci").created_by == tenant.owner
        endpoint.refresh_from_db()
        assert (endpoint.is_active, endpoint.created_by) == (True, tenant.owner)
        actions = list(AuditEvent.objects.order_by("-seq").values_list("action", flat=True)[:3])
    assert actions == ["webhook.reassigned", "api_token.reassigned", "membership.removed"]


def test_tokens_cannot_pass_to_a_member_who_may_not_manage_them(tenant, admin_things):
    with pytest.raises(ServiceError) as caught:
        _remove(tenant, "admin", reassign_to=tenant.members["viewer"])
    assert caught.value.code == "invalid_heir"
    with tenant.context():
        assert Membership.objects.filter(user=tenant.members["admin"]).exists()
        assert ApiToken.objects.get(name="admin-ci").revoked_at is None


def _erase(tenant, who):
    erasure.user_erase(user=tenant.members[who], actor=Actor.system("test"))


def test_erasing_a_person_keeps_every_chain_verifiable_and_forgets_their_name(tenant, other_tenant, admin_things):
    admin = tenant.members["admin"]
    admin_id, email = admin.pk, admin.email
    with tenant.context():
        Invitation.objects.create(email=email, role="viewer", token_digest="d" * 64,
                                  expires_at="2099-01-01T00:00:00Z")
    _erase(tenant, "admin")
    assert not User.objects.filter(pk=admin_id).exists()
    assert verify_chain(tenant.organisation) == [] and verify_chain(other_tenant.organisation) == []
    call_command("verify_audit")
    record = PersonRecord.objects.get(user_id=admin_id)
    assert (record.email, record.full_name, record.erased_at is not None) == ("", "", True)
    with tenant.context():
        assert AuditEvent.objects.filter(actor_id=admin_id).count() == 2  # their token and webhook, as an id
        assert email not in json.dumps(list(AuditEvent.objects.values_list("actor_label", "changes")))
        assert AuditEvent.objects.order_by("-seq").first().action == "user.erased"
        assert not Invitation.objects.filter(email=email).exists()
        assert ApiToken.objects.get(name="admin-ci").revoked_at is not None


def test_a_sole_owner_cannot_be_erased(tenant):
    with pytest.raises(Conflict) as caught:
        erasure.user_erase(user=tenant.owner, actor=Actor.system("test"))
    assert caught.value.code == "last_owner"
    assert User.objects.filter(pk=tenant.owner.pk).exists()


def test_the_admin_deletes_a_user_by_erasing_them(tenant, client):
    staff = User.objects.create_superuser("staff@maillon.example", "a-long-staff-password")
    login_with_second_factor(client, staff)
    editor = tenant.members["editor"]
    url = f"/admin/hds_platform/user/{editor.pk}/delete/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"post": "yes"})
    assert (response.status_code, response["Location"]) == (302, "/admin/hds_platform/user/")
    assert not User.objects.filter(pk=editor.pk).exists()
    assert verify_chain(tenant.organisation) == []
    owner_page = client.get(f"/admin/hds_platform/user/{tenant.owner.pk}/delete/")
    assert owner_page.status_code == 200
    assert "seul propriétaire de Clinique des Tilleuls" in owner_page.content.decode()
    assert client.post(f"/admin/hds_platform/user/{tenant.owner.pk}/delete/", {"post": "yes"}).status_code == 200
    assert User.objects.filter(pk=tenant.owner.pk).exists()


@pytest.mark.postgres
def test_erasure_works_as_the_runtime_role(tenant, admin_things):
    """The runtime role may not update audit rows: erasure never needs to."""
    require_roles()
    admin_id = tenant.members["admin"].pk
    with app_connection_as_runtime_role():
        _erase(tenant, "admin")
        assert not User.objects.filter(pk=admin_id).exists()
        assert verify_chain(tenant.organisation) == []


@pytest.mark.postgres
def test_the_admin_deletes_a_user_as_the_runtime_role(tenant):
    require_roles()
    staff = User.objects.create_superuser("staff@maillon.example", "a-long-staff-password")
    client = Client()
    login_with_second_factor(client, staff)
    editor_id = tenant.members["editor"].pk
    with app_connection_as_runtime_role():
        response = client.post(f"/admin/hds_platform/user/{editor_id}/delete/", {"post": "yes"})
        assert response.status_code == 302
        assert not User.objects.filter(pk=editor_id).exists()
