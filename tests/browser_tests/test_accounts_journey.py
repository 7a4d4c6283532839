"""Accounts, alerts and webhooks in Debian's Chromium, against the live server, at 1366 px and
390 px: sign up, verify the address and land on the first-run checklist; accept an invitation as
a new person; reset a forgotten password; acknowledge an alert; create a webhook (its secret
shown once) and send it a test ping. Screenshots go to ``tests/artifacts/``; every page visited
at 390 px must not scroll sideways."""

import re

import pytest

from compliance.models import Alert, WebhookDelivery
from compliance.monitoring import alerts
from hds_platform import services
from hds_platform.audit import Actor
from hds_platform.models import Membership, User
from tests.browser import log_in
from tests.browser_tests.steps import NEW_PASSWORD, both_sizes, checklist, fill_sign_up, mailed_link, send_sign_up
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

def test_sign_up_verify_and_land_on_the_first_run_checklist(page, transactional_db):
    fill_sign_up(page, name="Alice Martin", email="alice@cabinet.example", organisation="Cabinet Martin",
                 kind="health_professional", siren="123456789")
    both_sizes(page, "signup")
    page.get_by_role("button", name="Créer mon compte").click()
    assert page.locator("#id_siren_error").inner_text() == (
        "123456789 n'est pas un SIREN valide (9 chiffres, clé de Luhn).")
    page.get_by_label("Mot de passe").fill(NEW_PASSWORD)
    page.get_by_label("SIREN").fill("732 829 320")
    send_sign_up(page)
    both_sizes(page, "signup-done")

    page.goto(mailed_link("/inscription/verifier/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Cabinet Martin"
    assert page.get_by_role("status").first.inner_text() == "Adresse e-mail confirmée : bienvenue sur Maillon."
    assert checklist(page) == ["todo"] * 5
    first_step = page.locator("#first-run li").first.get_by_role("link")
    assert first_step.inner_text() == "Déclarer un traitement de données de santé"
    both_sizes(page, "first-run-checklist")
    assert User.objects.get().email_verified_at is not None


def test_accept_an_invitation_as_a_new_person(page, transactional_db, tenant):
    with tenant.context():
        _invitation, raw = services.invitation_create(email="nina@example.org", role="editor",
                                                      actor=Actor.for_user(tenant.owner))
    page.goto(f"/invitations/{raw}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Rejoindre Clinique des Tilleuls"
    assert page.locator("dl.facts dd").nth(1).inner_text() == "Éditeur"
    both_sizes(page, "invitation")
    page.get_by_label("Votre nom").fill("Nina Neuve")
    page.get_by_label("Choisissez un mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Créer mon compte et rejoindre").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Clinique des Tilleuls"
    with tenant.context():
        assert Membership.objects.get(user__email="nina@example.org").role == "editor"


def test_reset_a_forgotten_password(page, transactional_db):
    UserFactory(email="bob@example.org")
    page.goto("/connexion/")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.get_by_label("Adresse e-mail").fill("bob@example.org")
    both_sizes(page, "password-reset")
    page.get_by_role("button", name="Recevoir le lien").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Lien envoyé"
    page.goto(mailed_link("/mot-de-passe/nouveau/"))
    page.get_by_label(re.compile("^Nouveau mot de passe")).fill(NEW_PASSWORD)
    page.get_by_label(re.compile("^Confirmation du nouveau mot de passe")).fill(NEW_PASSWORD)
    both_sizes(page, "password-reset-confirm")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Mot de passe enregistré"
    log_in(page, "bob@example.org", NEW_PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "Aucune organisation"


def test_acknowledge_an_alert(page, transactional_db, tenant):
    with tenant.context():
        alerts.raise_alerts(tenant.organisation, [Alert(
            kind="certificate_expiring", severity="warning", dedupe_key="browser:1", threshold=30,
            data={"certificate": {"kind_label": "HDS", "number": "HDS-42"}, "expires_on": "2027-01-15",
                  "threshold": 30})])
    log_in(page, tenant.members["editor"].email, PASSWORD)
    nav = page.get_by_role("navigation", name="Navigation principale")
    nav.get_by_role("link", name="Alertes 1 non résolue", exact=True).click()
    item = page.locator("#alerts li").first
    assert item.locator("strong").inner_text() == (
        "Le certificat HDS HDS-42 de votre organisation expire le 15 janvier 2027")
    both_sizes(page, "alerts-inbox")
    item.get_by_role("button", name=re.compile("^Prendre en compte")).click()  # HTMX: the item is swapped
    page.wait_for_selector("#alerts li p.notice")
    assert page.locator("#alerts li p.notice").inner_text() == "Alerte prise en compte."
    assert page.locator("#alerts li .badge").nth(1).inner_text() == "Prise en compte"
    with tenant.context():
        assert Alert.objects.get().status == "acknowledged"


def test_create_a_webhook_and_send_a_test_ping(page, transactional_db, tenant, receiver, local_network):
    log_in(page, tenant.owner.email, PASSWORD)
    page.goto(f"/o/{tenant.organisation.slug}/parametres/jetons/")
    assert page.locator("#api-slug").inner_text() == "tilleuls"
    both_sizes(page, "developer-corner")
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("Adresse (HTTPS)").fill(receiver.url)
    page.get_by_label("Statut de conformité d'un traitement modifié").check()
    page.get_by_role("button", name="Créer le webhook").click()
    secret = page.locator("#webhook-secret").inner_text()
    assert secret.startswith("whsec_") or len(secret) >= 32
    both_sizes(page, "webhook-created")
    page.get_by_role("button", name="Envoyer un événement de test").click()
    assert "Événement de test envoyé" in page.get_by_role("status").first.inner_text()
    assert page.locator("#webhook-secret").count() == 0  # shown once
    assert page.locator("tbody tr td .badge").inner_text() == "Délivré"
    both_sizes(page, "webhook-deliveries")
    [request] = receiver.requests
    assert request.headers["Maillon-Event"] == "test.ping"
    assert receiver.verify(secret, request)
    with tenant.context():
        assert WebhookDelivery.objects.get().status == "succeeded"
