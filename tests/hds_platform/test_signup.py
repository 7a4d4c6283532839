"""Self-service accounts: sign-up, e-mail verification, password reset, the invitation page of a
new person, and the set-password link of create_organisation."""

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from hds_platform import services
from hds_platform.audit import Actor
from hds_platform.models import ApiToken, AuditEvent, Invitation, Membership, Organisation, User
from hds_platform.tenancy import organisation_context
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "Chaine-de-confiance-2026"
SIGNUP = {"full_name": "Alice Martin", "email": "Alice@Cabinet.example", "password": NEW_PASSWORD,
          "organisation_name": "Cabinet Martin", "kind": "health_professional", "siren": "732 829 320"}


def text(response) -> str:
    return unescape(response.content.decode())


def _link(message, path: str) -> str:
    return re.search(rf"http://127\.0\.0\.1:8000({path}[^\s]+)", message.body).group(1)


def _sign_up(client, capture, **overrides):
    with capture(execute=True):
        return client.post("/inscription/", {**SIGNUP, **overrides})


# Sign-up and verification ----------------------------------------------------------------------


def test_sign_up_creates_the_person_and_their_organisation_and_mails_a_link(db, django_capture_on_commit_callbacks):
    client = Client()
    response = _sign_up(client, django_capture_on_commit_callbacks)
    assert response["Location"] == "/inscription/envoyee/"
    assert "Nous avons envoyé un message à alice@cabinet.example." in text(client.get(response["Location"]))
    user = User.objects.get()
    assert (user.email, user.full_name, user.email_verified_at, user.language) == (
        "alice@cabinet.example", "Alice Martin", None, "fr")
    organisation = Organisation.objects.get()
    assert (organisation.name, organisation.kind, organisation.siren, organisation.slug) == (
        "Cabinet Martin", "health_professional", "732829320", "cabinet-martin")
    assert Membership.all_organisations.get().role == "owner"
    assert [(m.to, m.subject) for m in mail.outbox] == [(["alice@cabinet.example"], "Confirmez votre adresse e-mail")]
    # Not logged in by the sign-up: the link opens the session.
    assert client.get("/").status_code == 302
    link = _link(mail.outbox[0], "/inscription/verifier/")
    opened = client.get(link)
    assert opened["Location"] == "/"
    assert client.get("/")["Location"] == "/o/cabinet-martin/"
    user.refresh_from_db()
    assert user.email_verified_at is not None
    with organisation_context(organisation):
        assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)) == [
            "organisation.created", "membership.created", "auth.email_verified", "auth.login_succeeded"]
    dashboard = text(client.get("/o/cabinet-martin/"))
    assert "Adresse e-mail confirmée : bienvenue sur Maillon." in dashboard
    assert "Premiers pas" in dashboard
    # A link works once: the second time it only says so, and opens no session.
    other = Client()
    assert other.get(link)["Location"] == "/connexion/"
    assert "_auth_user_id" not in other.session


def test_sign_up_with_a_known_address_answers_the_same_and_creates_nothing(db, django_capture_on_commit_callbacks):
    UserFactory(email="alice@cabinet.example")
    response = _sign_up(Client(), django_capture_on_commit_callbacks)
    assert response["Location"] == "/inscription/envoyee/"
    assert Organisation.objects.count() == 0
    assert User.objects.count() == 1
    assert [(m.to, m.subject) for m in mail.outbox] == [(["alice@cabinet.example"], "Votre compte Maillon existe déjà")]
    assert "/mot-de-passe/oublie/" in mail.outbox[0].body


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"siren": "123456789"}, "siren", "123456789 n'est pas un SIREN valide (9 chiffres, clé de Luhn)."),
    ({"password": "motdepasse"}, "password", "Ce mot de passe est trop courant."),
    ({"organisation_name": ""}, "organisation_name", "Ce champ est obligatoire."),
    ({"kind": "pharmacy"}, "kind", "Sélectionnez un choix valide. pharmacy n’en fait pas partie."),
])
def test_sign_up_errors_name_their_field_and_create_nothing(db, django_capture_on_commit_callbacks, overrides, field,
                                                           message):
    response = _sign_up(Client(), django_capture_on_commit_callbacks, **overrides)
    assert response.status_code == 400
    assert re.search(rf'id="id_{field}_error"><li>{re.escape(message)}', text(response))
    assert (User.objects.count(), Organisation.objects.count(), len(mail.outbox)) == (0, 0, 0)


def test_sign_up_is_rate_limited_per_address(db, django_capture_on_commit_callbacks, settings):
    settings.SIGNUPS_PER_HOUR = 2
    client = Client()
    answers = [_sign_up(client, django_capture_on_commit_callbacks, email=f"p{n}@example.org",
                        organisation_name=f"Org {n}").status_code for n in range(3)]
    assert answers == [302, 302, 429]
    assert Organisation.objects.count() == 2


def test_an_expired_or_forged_verification_link_is_refused(db, django_capture_on_commit_callbacks):
    _sign_up(Client(), django_capture_on_commit_callbacks)
    link = _link(mail.outbox[0], "/inscription/verifier/")
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        response = Client().get(link)
    assert response.status_code == 400
    assert "Ce lien de vérification a expiré : connectez-vous et demandez-en un nouveau." in text(response)
    forged = Client().get(link[:-3] + "abc/")
    assert forged.status_code == 400
    assert "Ce lien de vérification n'est pas valide." in text(forged)
    assert User.objects.get().email_verified_at is None


def test_an_unverified_person_sees_the_banner_and_cannot_invite_or_create_tokens(
        db, django_capture_on_commit_callbacks):
    _sign_up(Client(), django_capture_on_commit_callbacks)
    user = User.objects.get()
    client = Client()
    assert client.post("/connexion/", {"username": user.email, "password": NEW_PASSWORD}).status_code == 302
    page = text(client.get("/o/cabinet-martin/"))
    assert "Confirmez votre adresse e-mail (alice@cabinet.example) avec le lien" in page
    refused = "Confirmez d'abord votre adresse e-mail : ouvrez le lien que nous vous avons envoyé"
    response = client.post("/o/cabinet-martin/parametres/jetons/", {"name": "ci", "scope": "read"})
    assert response.status_code == 400 and refused in text(response)
    response = client.post("/o/cabinet-martin/parametres/membres/", {"email": "b@example.org", "role": "editor"})
    assert response.status_code == 400 and refused in text(response)
    api = client.post("/api/v1/orgs/cabinet-martin/tokens/", {"name": "ci", "scope": "read"},
                      content_type="application/json")
    assert (api.status_code, api.json()["code"]) == (403, "email_unverified")
    assert (ApiToken.all_organisations.count(), Invitation.all_organisations.count()) == (0, 0)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post("/compte/verification/renvoyer/", {"next": "/o/cabinet-martin/"})
    assert resent["Location"] == "/o/cabinet-martin/"
    assert [m.subject for m in mail.outbox] == ["Confirmez votre adresse e-mail"]
    client.get(_link(mail.outbox[0], "/inscription/verifier/"))
    assert client.post("/o/cabinet-martin/parametres/jetons/", {"name": "ci", "scope": "read"}).status_code == 302


# Password reset --------------------------------------------------------------------------------


def test_password_reset_mails_a_single_use_link_and_never_tells_who_has_an_account(tenant):
    person = tenant.members["viewer"]
    person.email_verified_at = None
    person.save()
    client = Client()
    unknown = client.post("/mot-de-passe/oublie/", {"email": "nobody@example.org"})
    known = client.post("/mot-de-passe/oublie/", {"email": "Viewer@Tilleuls.example"})
    assert unknown["Location"] == known["Location"] == "/mot-de-passe/oublie/envoye/"
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["viewer@tilleuls.example"], "Choisir un nouveau mot de passe Maillon")]
    link = _link(mail.outbox[0], "/mot-de-passe/nouveau/")
    form_page = client.get(link, follow=True)
    assert "Nouveau mot de passe" in text(form_page)
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == "/mot-de-passe/nouveau/termine/"
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    with tenant.context():
        assert list(AuditEvent.objects.filter(action__startswith="auth.").values_list("action", "changes")) == [
            ("auth.password_reset", {"user": person.pk})]
    assert person.email_verified_at is not None  # the link reached the mailbox
    again = Client().get(link, follow=True)
    assert "Ce lien n'est plus valable : il a déjà servi ou a expiré." in text(again)


def test_password_reset_is_rate_limited(db, settings):
    settings.PASSWORD_RESETS_PER_HOUR = 2
    UserFactory(email="bob@example.org")
    client = Client()
    answers = [client.post("/mot-de-passe/oublie/", {"email": "bob@example.org"}).status_code for _ in range(3)]
    assert answers == [302, 302, 429]
    assert len(mail.outbox) == 2


def test_create_organisation_without_password_mails_a_working_set_password_link(db, capsys):
    call_command("create_organisation", name="Pharmacie du Port", kind="health_professional",
                 owner_email="pharma@example.org")
    assert capsys.readouterr().out.splitlines() == [
        "organisation: pharmacie-du-port", "owner: pharma@example.org",
        "set-password link e-mailed to pharma@example.org"]
    owner = User.objects.get()
    assert not owner.has_usable_password()
    [message] = mail.outbox
    assert (message.to, message.subject) == (["pharma@example.org"], "Choisissez votre mot de passe Maillon")
    client = Client()
    form_page = client.get(_link(message, "/mot-de-passe/nouveau/"), follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert client.post("/connexion/", {"username": "pharma@example.org", "password": NEW_PASSWORD})["Location"] == "/"


def test_create_organisation_prints_the_link_with_the_console_backend(db, capsys, settings):
    settings.EMAIL_BACKEND = settings.EMAIL_URL_BACKENDS["console"]
    call_command("create_organisation", name="Pharmacie", kind="health_professional", owner_email="p@example.org")
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"set-password link: http://127\.0\.0\.1:8000/mot-de-passe/nouveau/[\w-]+/[\w-]+/", out[-1])


# Invitations for a new person -------------------------------------------------------------------


def _invitation(tenant, email="new.person@example.org", role="editor"):
    with tenant.context():
        return services.invitation_create(email=email, role=role, actor=Actor.for_user(tenant.owner))


def test_the_invitation_page_names_organisation_role_inviter_and_expiry(tenant):
    invitation, raw = _invitation(tenant)
    tenant.owner.full_name = "Claire Owner"
    tenant.owner.save()
    page = text(Client().get(f"/invitations/{raw}/"))
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))
    assert facts["Organisation"] == "Clinique des Tilleuls"
    assert facts["Rôle"] == "Éditeur"
    assert facts["Invité(e) par"] == "Claire Owner"
    assert facts["Adresse invitée"] == "new.person@example.org"
    assert facts["Valable jusqu'au"].startswith(str(timezone.localtime(invitation.expires_at).day))
    assert "Choisissez un mot de passe" in page


def test_a_new_person_sets_a_password_and_lands_in_the_organisation(tenant):
    _invitation_row, raw = _invitation(tenant)
    client = Client()
    response = client.post(f"/invitations/{raw}/", {"full_name": "Nina Neuve", "password": NEW_PASSWORD})
    assert response["Location"] == "/o/tilleuls/"
    person = User.objects.get(email="new.person@example.org")
    assert (person.full_name, person.email_verified_at is not None) == ("Nina Neuve", True)
    with tenant.context():
        assert Membership.objects.get(user=person).role == "editor"
        assert list(AuditEvent.objects.filter(action__in=["invitation.accepted", "membership.created"])
                    .order_by("seq").values_list("action", flat=True))[-2:] == ["invitation.accepted",
                                                                              "membership.created"]
    assert "Bienvenue : vous avez rejoint Clinique des Tilleuls." in text(client.get("/o/tilleuls/"))
    used = Client().get(f"/invitations/{raw}/")
    assert used.status_code == 410
    assert "Ce lien d'invitation a expiré ou a déjà servi." in text(used)


def test_a_weak_password_on_the_invitation_page_creates_nothing(tenant):
    _invitation_row, raw = _invitation(tenant)
    response = Client().post(f"/invitations/{raw}/", {"password": "12345678901"})
    assert response.status_code == 400
    assert "Ce mot de passe est entièrement numérique." in text(response)
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_a_person_with_an_account_is_sent_to_log_in(tenant):
    _invitation_row, raw = _invitation(tenant, email="viewer@voisin.example")
    UserFactory(email="viewer@voisin.example")
    client = Client()
    page = text(client.get(f"/invitations/{raw}/"))
    assert f'href="/connexion/?next=/invitations/{raw}/"' in page
    assert client.post(f"/invitations/{raw}/", {"password": NEW_PASSWORD}).status_code == 200
    with tenant.context():
        assert not Membership.objects.filter(user__email="viewer@voisin.example").exists()
    client.post("/connexion/", {"username": "viewer@voisin.example", "password": PASSWORD})
    assert client.post(f"/invitations/{raw}/")["Location"] == "/o/tilleuls/"


def test_an_unknown_invitation_link_is_404_and_guessing_is_limited(db):
    client = Client()
    answers = [client.get(f"/invitations/guess-{n}/").status_code for n in range(21)]
    assert answers == [404] * 20 + [429]
