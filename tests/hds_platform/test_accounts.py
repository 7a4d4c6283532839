"""Authentication: lockout, the second factor, sessions, re-authentication, passwords, and the
audit events of each."""

import html
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken

from hds_platform.accounts import sessions
from hds_platform.models import ApiToken, AuditEvent, Organisation, User
from tests.factories import PASSWORD, UserFactory
from tests.second_factor import code, enrol, login_with_second_factor

LOCKOUT = ("Trop de tentatives échouées : par sécurité, la connexion avec cette adresse e-mail est bloquée depuis "
           "votre poste pendant 15 minutes. Réessayez plus tard, ou contactez l'administrateur de votre "
           "organisation.")


def _actions(tenant, prefix: str = "") -> list[tuple[str, dict]]:
    with tenant.context():
        return [(e.action, e.changes) for e in AuditEvent.objects.filter(action__startswith=prefix).order_by("seq")]


def _login(client, email, password, **extra):
    return client.post("/connexion/", {"username": email, "password": password}, REMOTE_ADDR="198.51.100.7",
                       **extra)


# Lockout ------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_login_with_a_french_message_even_for_the_right_one(tenant):
    client, owner = Client(), tenant.owner
    answers = [_login(client, owner.email, "wrong-password").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]
    refused = _login(client, owner.email.upper(), PASSWORD)
    assert refused.status_code == 429
    assert LOCKOUT in html.unescape(refused.content.decode())
    assert "_auth_user_id" not in client.session
    pk = owner.pk
    locked_attempt = [("auth.locked_out", {"user": pk}), ("auth.login_failed", {"user": pk, "locked": True})]
    assert _actions(tenant, "auth.") == [*[("auth.login_failed", {"user": pk})] * 4, *locked_attempt * 2]
    with tenant.context():
        assert set(AuditEvent.objects.filter(action__startswith="auth.").values_list("ip", flat=True)) == {
            "198.51.100.7"}


def test_the_lockout_ends_after_the_cool_off_and_another_address_is_not_locked(tenant):
    client, owner = Client(), tenant.owner
    for _ in range(5):
        _login(client, owner.email, "wrong-password")
    elsewhere = Client().post("/connexion/", {"username": owner.email, "password": PASSWORD},
                              REMOTE_ADDR="203.0.113.50")
    assert elsewhere.status_code == 302
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert _login(Client(), owner.email, PASSWORD).status_code == 302


def test_the_admin_login_is_locked_out_too(db):
    staff = UserFactory(email="staff@maillon.example", is_staff=True, is_superuser=True)
    client = Client()
    answers = [client.post("/admin/login/", {"username": staff.email, "password": "nope-nope-nope"},
                           REMOTE_ADDR="198.51.100.8").status_code for _ in range(6)]
    assert answers == [200, 200, 200, 200, 429, 429]


def test_wrong_invitation_links_count_as_failed_attempts_and_lock_out(tenant, client_for):
    viewer = tenant.members["viewer"]
    client = client_for(user=viewer)
    answers = [client.post("/api/v1/invitations/accept/", {"token": f"guess-{n}"}).status_code for n in range(6)]
    assert answers == [404, 404, 404, 404, 404, 429]
    assert client.post("/api/v1/invitations/accept/", {"token": "x"}).json() == {
        "code": "locked_out", "message": LOCKOUT}
    web = Client()
    web.force_login(viewer)
    assert web.post("/invitations/another-guess/").status_code == 429
    assert [action for action, _ in _actions(tenant, "auth.")] == ["auth.invitation_failed"] * 4 + [
        "auth.locked_out", "auth.invitation_failed"]


def test_a_successful_login_is_audited_in_each_organisation_of_the_person(tenant, other_tenant):
    with other_tenant.context():
        from hds_platform.models import Membership
        Membership.objects.create(user=tenant.owner, role="viewer")
    assert _login(Client(), tenant.owner.email, PASSWORD).status_code == 302
    assert _actions(tenant, "auth.") == [("auth.login_succeeded", {"user": tenant.owner.pk})]
    assert _actions(other_tenant, "auth.") == [("auth.login_succeeded", {"user": tenant.owner.pk})]


# The second factor ---------------------------------------------------------------------------


def test_a_person_with_a_second_factor_enters_it_before_anything_else(tenant):
    owner = tenant.owner
    device = enrol(owner)
    client = Client()
    response = _login(client, owner.email, PASSWORD)
    assert (response.status_code, response["Location"]) == (302, "/")
    dashboard = f"/o/{tenant.organisation.slug}/"
    assert client.get(dashboard)["Location"] == f"/compte/double-authentification/verifier/?next={dashboard}"
    api = client.get(f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/")
    assert (api.status_code, api.json()["code"]) == (403, "mfa_required")
    wrong = client.post("/compte/double-authentification/verifier/", {"code": "000000", "next": dashboard})
    assert wrong.status_code == 400
    throttled = client.post("/compte/double-authentification/verifier/", {"code": code(device), "next": dashboard})
    assert throttled.status_code == 400  # a failure makes the device wait a second before the next try
    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        right = client.post("/compte/double-authentification/verifier/", {"code": code(device), "next": dashboard})
    assert (right.status_code, right["Location"]) == (302, dashboard)
    assert client.get(dashboard).status_code == 200
    assert [a for a, _ in _actions(tenant, "auth.")] == ["auth.login_succeeded", "auth.mfa_failed",
                                                         "auth.mfa_failed", "auth.mfa_verified"]


def test_a_recovery_code_works_once(tenant):
    owner = tenant.owner
    client = Client()
    login_with_second_factor(client, owner)
    codes = client.post("/compte/double-authentification/codes/").context["codes"]
    assert len(codes) == 10
    for attempt in range(2):
        other = Client()
        _login(other, owner.email, PASSWORD)
        response = other.post("/compte/double-authentification/verifier/", {"code": codes[0]})
        assert response.status_code == (302 if attempt == 0 else 400)
    assert StaticToken.objects.filter(device__user=owner).count() == 9


def test_enrolment_shows_a_qr_code_checks_a_code_and_shows_recovery_codes_once(tenant):
    owner = tenant.owner
    client = Client()
    client.force_login(owner)
    page = client.get("/compte/double-authentification/activer/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = owner.totpdevice_set.get(confirmed=False)
    assert client.post("/compte/double-authentification/activer/", {"code": "123456"}).status_code == 400
    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        done = client.post("/compte/double-authentification/activer/", {"code": code(device)})
    assert done.status_code == 200
    assert len(done.context["codes"]) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[sessions.AUTH_AT]
    assert _actions(tenant, "mfa.") == [("mfa.enrolled", {"user": owner.pk, "replaced": False})]


def test_an_unverified_session_cannot_enrol_a_new_authenticator_around_the_old_one(tenant):
    enrol(tenant.owner)
    client = Client()
    _login(client, tenant.owner.email, PASSWORD)
    assert client.get("/compte/double-authentification/activer/")["Location"] == (
        "/compte/double-authentification/verifier/")


def test_staff_without_a_second_factor_are_sent_to_enrol_before_the_admin(db):
    staff = UserFactory(email="staff@maillon.example", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    assert client.get("/admin/")["Location"] == "/compte/double-authentification/activer/?next=/admin/"
    assert client.get("/api/v1/registry/snapshots/").json()["code"] == "mfa_required"
    verified = Client()
    login_with_second_factor(verified, staff)
    assert verified.get("/admin/").status_code == 200


def test_staff_cannot_remove_their_second_factor(db):
    staff = UserFactory(email="staff@maillon.example", is_staff=True)
    client = Client()
    login_with_second_factor(client, staff)
    client.post("/compte/double-authentification/desactiver/")
    assert staff.totpdevice_set.count() == 1


def test_an_owner_requires_a_second_factor_from_every_member(tenant, client_for):
    owner, editor = tenant.owner, tenant.members["editor"]
    slug = tenant.organisation.slug
    plain = Client()
    plain.force_login(owner)
    refused = plain.post(f"/o/{slug}/parametres/securite/", {"require_mfa": "on"})
    assert refused.status_code == 400
    assert "Activez d'abord la double authentification" in html.unescape(refused.content.decode())
    assert not Organisation.objects.get(pk=tenant.organisation.pk).require_mfa

    client = Client()
    login_with_second_factor(client, owner)
    assert client.post(f"/o/{slug}/parametres/securite/", {"require_mfa": "on"}).status_code == 302
    assert Organisation.objects.get(pk=tenant.organisation.pk).require_mfa
    assert _actions(tenant, "organisation.mfa") == [("organisation.mfa_requirement_changed", {"require_mfa": True})]

    member = Client()
    member.force_login(editor)
    page = member.get(f"/o/{slug}/fournisseurs/")
    assert page["Location"] == f"/compte/double-authentification/activer/?next=/o/{slug}/fournisseurs/"
    api = client_for(user=editor).get(f"/api/v1/orgs/{slug}/suppliers/")
    assert (api.status_code, api.json()["code"]) == (403, "mfa_required")
    assert client_for(user=editor, second_factor=True).get(f"/api/v1/orgs/{slug}/suppliers/").status_code == 200
    assert client_for(token=tenant.token(scope="read")).get(f"/api/v1/orgs/{slug}/suppliers/").status_code == 200
    assert Client().get(f"/o/{slug}/parametres/securite/").status_code == 302  # anonymous: to the login


def test_only_an_owner_sets_the_rule(tenant, other_tenant):
    url = f"/o/{tenant.organisation.slug}/parametres/securite/"
    answers = {}
    for who, user in (("admin", tenant.members["admin"]), ("outsider", other_tenant.owner)):
        client = Client()
        login_with_second_factor(client, user)
        answers[who] = (client.get(url).status_code, client.post(url, {"require_mfa": "on"}).status_code)
    assert answers == {"admin": (403, 403), "outsider": (404, 404)}
    assert not Organisation.objects.get(pk=tenant.organisation.pk).require_mfa


# Sessions ------------------------------------------------------------------------------------


def test_an_idle_session_ends_after_30_minutes(tenant):
    client = Client()
    client.force_login(tenant.owner)
    dashboard = f"/o/{tenant.organisation.slug}/"
    with time_machine.travel(timezone.now() + timedelta(minutes=29)):
        assert client.get(dashboard).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=29 + 31)):
        response = client.get(dashboard)
    assert response["Location"] == f"/connexion/?next={dashboard}"


def test_a_session_ends_after_12_hours_however_active(tenant):
    client = Client()
    start = timezone.now()
    client.force_login(tenant.owner)
    dashboard = f"/o/{tenant.organisation.slug}/"
    statuses = []
    for minutes in range(20, 13 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            statuses.append(client.get(dashboard).status_code)
    assert statuses.index(302) == 12 * 3  # the request at 12 h 20
    assert set(statuses[:36]) == {200}


# Re-authentication ---------------------------------------------------------------------------


def test_creating_a_token_needs_a_recent_proof_of_identity(tenant, client_for):
    client = client_for(user=tenant.owner)
    url = f"/api/v1/orgs/{tenant.organisation.slug}/tokens/"
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        stale = client.post(url, {"name": "ci", "scope": "read"})
        assert (stale.status_code, stale.json()["code"]) == (403, "reauthentication_required")
        wrong = client.post("/api/v1/me/reauthenticate/", {"password": "not-my-password"})
        assert (wrong.status_code, wrong.json()["code"]) == (400, "reauthentication_failed")
        assert client.post("/api/v1/me/reauthenticate/", {"password": PASSWORD}).status_code == 204
        assert client.post(url, {"name": "ci", "scope": "read"}).status_code == 201
    with tenant.context():
        assert list(ApiToken.objects.values_list("name", flat=True)) == ["ci"]
    assert [a for a, _ in _actions(tenant, "auth.")] == ["auth.reauthentication_failed", "auth.reauthenticated"]


def test_a_role_change_and_a_webhook_secret_need_it_too(tenant, client_for, settings):
    slug = tenant.organisation.slug
    client = client_for(user=tenant.owner)
    with tenant.context():
        from hds_platform.models import Membership
        viewer = Membership.objects.get(user=tenant.members["viewer"])
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    endpoint = client.post(f"/api/v1/orgs/{slug}/webhooks/", {"url": "https://127.0.0.1/hook",
                                                               "events": ["conformity.changed"]}).json()
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        role = client.patch(f"/api/v1/orgs/{slug}/members/{viewer.pk}/", {"role": "editor"})
        rotate = client.post(f"/api/v1/orgs/{slug}/webhooks/{endpoint['id']}/rotate-secret/")
        create = client.post(f"/api/v1/orgs/{slug}/webhooks/", {"url": "https://127.0.0.1/other",
                                                                 "events": ["conformity.changed"]})
        assert [r.json()["code"] for r in (role, rotate, create)] == ["reauthentication_required"] * 3
        client.post("/api/v1/me/reauthenticate/", {"password": PASSWORD})
        rotated = client.post(f"/api/v1/orgs/{slug}/webhooks/{endpoint['id']}/rotate-secret/")
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != endpoint["secret"]
    with tenant.context():
        viewer.refresh_from_db()
        assert viewer.role == "viewer"


def test_a_person_with_a_second_factor_confirms_with_a_code_too(tenant, client_for):
    client = client_for(user=tenant.owner, second_factor=True)
    device = enrol(tenant.owner)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        without = client.post("/api/v1/me/reauthenticate/", {"password": PASSWORD})
        assert without.status_code == 400
        assert client.post("/api/v1/me/reauthenticate/", {"password": PASSWORD,
                                                          "code": code(device)}).status_code == 204


def test_the_web_sends_a_stale_session_to_confirm_before_creating_a_token(tenant):
    client = Client()
    client.force_login(tenant.owner)
    page = f"/o/{tenant.organisation.slug}/parametres/jetons/"
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        response = client.post(page, {"name": "ci", "scope": "read"}, HTTP_REFERER=f"http://testserver{page}")
        assert response["Location"] == f"/compte/confirmer/?next=http%3A//testserver{page}"
        confirmed = client.post("/compte/confirmer/", {"password": PASSWORD, "next": page})
        assert confirmed["Location"] == page
        assert client.post(page, {"name": "ci", "scope": "read"})["Location"] == page
    with tenant.context():
        assert ApiToken.objects.count() == 1


def test_tokens_are_not_asked_to_reauthenticate(tenant, client_for, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    client = client_for(token=tenant.token())
    response = client.post(f"/api/v1/orgs/{tenant.organisation.slug}/webhooks/",
                           {"url": "https://127.0.0.1/hook", "events": ["conformity.changed"]})
    assert response.status_code == 201


# Passwords -----------------------------------------------------------------------------------


def test_create_organisation_refuses_a_weak_owner_password(db):
    with pytest.raises(CommandError) as caught:
        call_command("create_organisation", "--name", "Cabinet", "--kind", "health_professional",
                     "--owner-email", "dr@example.org", "--owner-password", "a")
    assert str(caught.value) == (
        "--owner-password refused: Ce mot de passe est trop court. Il doit contenir au minimum 10 caractères. "
        "Ce mot de passe est trop courant.")
    assert not User.objects.exists() and not Organisation.objects.exists()


def test_changing_ones_password_applies_the_rules_and_is_audited(tenant):
    owner = tenant.owner
    client = Client()
    client.force_login(owner)
    weak = client.post("/compte/mot-de-passe/", {"old_password": PASSWORD, "new_password1": "12345678",
                                                 "new_password2": "12345678"})
    assert weak.status_code == 400
    assert set(weak.context["form"].errors) == {"new_password2"}
    wrong_old = client.post("/compte/mot-de-passe/", {"old_password": "nope", "new_password1": "Tr3s-l0ng-phrase",
                                                      "new_password2": "Tr3s-l0ng-phrase"})
    assert wrong_old.status_code == 400
    done = client.post("/compte/mot-de-passe/", {"old_password": PASSWORD, "new_password1": "Tr3s-l0ng-phrase",
                                                 "new_password2": "Tr3s-l0ng-phrase"})
    assert (done.status_code, done["Location"]) == (302, "/compte/")
    owner.refresh_from_db()
    assert owner.check_password("Tr3s-l0ng-phrase")
    assert client.get(f"/o/{tenant.organisation.slug}/").status_code == 200  # still logged in
    assert [a for a, _ in _actions(tenant, "auth.")] == ["auth.password_change_failed", "auth.password_changed"]


def test_the_account_pages_need_a_login(db):
    for url in ("/compte/", "/compte/mot-de-passe/", "/compte/confirmer/",
                "/compte/double-authentification/activer/", "/compte/double-authentification/verifier/"):
        assert Client().get(url)["Location"] == f"/connexion/?next={url}"
