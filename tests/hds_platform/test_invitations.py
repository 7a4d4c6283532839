from datetime import timedelta

import time_machine
from django.core import mail
from django.utils import timezone

from hds_platform.models import Membership
from tests.factories import UserFactory


def _invite(tenant, client_for, capture, email="new.person@example.org", role="editor"):
    with capture(execute=True):
        response = client_for(user=tenant.owner).post(
            f"/api/v1/orgs/{tenant.organisation.slug}/invitations/", {"email": email, "role": role})
    assert response.status_code == 201, response.content
    link = mail.outbox[-1].body.split("\n")
    raw = next(line for line in link if "/invitations/" in line).rstrip("/").rsplit("/", 1)[1]
    return response.json(), raw


def test_invitation_is_emailed_and_accepted_once(tenant, client_for, django_capture_on_commit_callbacks):
    body, raw = _invite(tenant, client_for, django_capture_on_commit_callbacks)
    assert body["status"] == "pending"
    assert mail.outbox[-1].to == ["new.person@example.org"]
    assert mail.outbox[-1].subject == "Invitation à rejoindre Clinique des Tilleuls sur Maillon"
    person = UserFactory(email="new.person@example.org")
    client = client_for(user=person)
    response = client.post("/api/v1/invitations/accept/", {"token": raw})
    assert response.status_code == 201
    assert response.json()["role"] == "editor"
    with tenant.context():
        assert Membership.objects.get(user=person).role == "editor"
    again = client.post("/api/v1/invitations/accept/", {"token": raw})
    assert again.status_code == 404
    assert again.json()["code"] == "invitation_used"


def test_expired_invitation_is_refused(tenant, client_for, django_capture_on_commit_callbacks):
    _body, raw = _invite(tenant, client_for, django_capture_on_commit_callbacks)
    person = UserFactory(email="new.person@example.org")
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client_for(user=person).post("/api/v1/invitations/accept/", {"token": raw})
    assert response.status_code == 404
    assert response.json()["code"] == "invitation_used"
    with tenant.context():
        assert not Membership.objects.filter(user=person).exists()


def test_invitation_for_another_address_is_refused(tenant, client_for, django_capture_on_commit_callbacks):
    _body, raw = _invite(tenant, client_for, django_capture_on_commit_callbacks)
    intruder = UserFactory(email="intruder@example.org")
    response = client_for(user=intruder).post("/api/v1/invitations/accept/", {"token": raw})
    assert (response.status_code, response.json()["code"]) == (404, "invitation_other_email")


def test_unknown_invitation_link(tenant, client_for):
    response = client_for(user=tenant.owner).post("/api/v1/invitations/accept/", {"token": "nope"})
    assert response.json() == {"code": "invitation_invalid", "message": "Ce lien d'invitation n'existe pas."}


def test_inviting_an_existing_member_is_a_conflict(tenant, client_for):
    response = client_for(user=tenant.owner).post(
        f"/api/v1/orgs/{tenant.organisation.slug}/invitations/", {"email": "viewer@tilleuls.example", "role": "viewer"})
    assert response.status_code == 409
    assert response.json()["code"] == "already_member"


def test_revoked_invitation_cannot_be_accepted(tenant, client_for, django_capture_on_commit_callbacks):
    body, raw = _invite(tenant, client_for, django_capture_on_commit_callbacks)
    revoke = client_for(user=tenant.owner).post(
        f"/api/v1/orgs/{tenant.organisation.slug}/invitations/{body['id']}/revoke/")
    assert revoke.json()["status"] == "revoked"
    person = UserFactory(email="new.person@example.org")
    assert client_for(user=person).post("/api/v1/invitations/accept/", {"token": raw}).status_code == 404


def test_an_invitation_whose_email_fails_is_still_created_and_its_link_returned(
    tenant, client_for, django_capture_on_commit_callbacks, monkeypatch, caplog,
):
    from hds_platform import services
    from hds_platform.models import Invitation

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server unreachable")

    monkeypatch.setattr(services, "send_mail", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user=tenant.owner).post(
            f"/api/v1/orgs/{tenant.organisation.slug}/invitations/", {"email": "late@example.org", "role": "viewer"})
    assert response.status_code == 201
    assert response.json()["email"] == "late@example.org"
    with tenant.context():
        assert list(Invitation.objects.values_list("email", "role")) == [("late@example.org", "viewer")]
    assert mail.outbox == []
    assert [record.exc_info[1].args for record in caplog.records if record.exc_info] == [("SMTP server unreachable",)]
