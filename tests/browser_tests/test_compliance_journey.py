"""A compliance officer's journey in Debian's Chromium, against the live server.

Log in; create a supplier and confirm its match in the ANS list; file its contract and DPA (one by
drag and drop); record a processing and its chain; see the diagram red where the organisation
performs activity 5 without a certificate; upload that certificate; see the chain green; switch to
English. Screenshots: ``tests/artifacts/dashboard.png`` and ``tests/artifacts/chain-diagram.png``.
"""

import re
from datetime import date

import pytest
from django.utils import timezone

from compliance.demo_data import minimal_pdf
from compliance.models import ConformityResult, Supplier
from tests.browser import ARTIFACTS, log_in, screenshot
from tests.browser_tests.steps import pdf
from tests.compliance.web.pages import registry_host
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def drop_file(page, selector: str, name: str) -> None:
    """Drop a file on an element the way a person dragging it from their desktop does."""
    transfer = page.evaluate_handle(
        """([name, bytes]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name, {type: "application/pdf"}));
            return transfer;
        }""",
        [name, list(minimal_pdf(name))],
    )
    page.dispatch_event(selector, "dragenter", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def box_states(page) -> dict[str, str]:
    """Actor name → state of each box of the diagram on the page."""
    return {
        group.locator("title").first.text_content().split(" —")[0].removesuffix(" (votre organisation)"):
            group.get_attribute("data-state")
        for group in page.locator("#chain-diagram g.box").all()
    }


def test_from_supplier_to_a_green_chain(page, transactional_db, tenant, media):
    registry_host("Nuage Santé Hébergement", "HDS-NSH-2025", expires_on=date(2028, 6, 13))
    organisation = tenant.organisation.name
    log_in(page, tenant.owner.email, PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == organisation

    # A supplier, found in the ANS list and confirmed without reloading the page.
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Fournisseurs").click()
    page.get_by_role("link", name="Nouveau fournisseur").click()
    page.get_by_label("Raison sociale").fill("Nuage Santé Hébergement")
    page.get_by_role("button", name="Créer le fournisseur").click()
    match = page.locator("#registry-match")
    assert match.get_by_text("Suggérée").is_visible()
    assert "HDS-NSH-2025" in match.inner_text()
    page.evaluate("window.notReloaded = true")
    match.get_by_role("button", name="Confirmer la correspondance").click()
    page.wait_for_selector("#registry-match.match-confirmed")
    assert page.evaluate("window.notReloaded") is True
    assert "Correspondance confirmée avec « Nuage Santé Hébergement » de la liste ANS." in match.inner_text()

    # Its hosting contract, dropped on the upload zone, and its DPA, chosen with the file input.
    page.get_by_role("link", name="Déposer une pièce").click()
    assert page.get_by_label("Fournisseur concerné").input_value() != ""
    drop_file(page, "[data-dropzone]", "contrat-hebergement.pdf")
    assert page.locator("[data-dropzone-name]").inner_text() == "contrat-hebergement.pdf"
    # Its clauses checked against R.1111-11 as it is filed: a contract nobody checked proves nothing.
    clauses = page.locator("input[name=contract_clauses]")
    assert clauses.count() == 14
    for index in range(14):
        clauses.nth(index).check()
    page.get_by_label("Lieux d'hébergement nommés par le contrat").fill("FR")
    page.get_by_role("button", name="Déposer", exact=True).click()
    assert page.get_by_role("status").inner_text() == "Pièce « contrat-hebergement.pdf » déposée."
    page.locator("input[type=file]").set_input_files(pdf("accord-art28.pdf"))
    page.get_by_label("Type de pièce").select_option(label="Accord de sous-traitance (art. 28)")
    page.get_by_label("Fournisseur concerné").select_option(label="Nuage Santé Hébergement")
    page.get_by_role("button", name="Déposer", exact=True).click()
    assert page.get_by_role("status").inner_text() == "Pièce « accord-art28.pdf » déposée."

    # The processing, with every field of its register entry.
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Traitements").click()
    page.get_by_role("link", name="Nouveau traitement").click()
    for label, value in [
        ("Nom du traitement", "Téléconsultation"), ("Finalités", "Consultations à distance"),
        ("Base légale (art. 6)", "Art. 6(1)(b) contrat"), ("Condition de l'art. 9(2)", "Art. 9(2)(h)"),
        ("Catégories de personnes concernées", "Patients"), ("Catégories de données", "Données de santé"),
        ("Destinataires", "Médecins"), ("Durée de conservation", "20 ans"),
        ("Mesures de sécurité", "Chiffrement, double authentification"),
        ("Responsable de traitement et contact", "dpo@tilleuls.example"),
    ]:
        page.get_by_label(label, exact=False).first.fill(value)
    page.get_by_label("Mode d'hébergement").select_option("outsourced")
    page.get_by_label("AIPD requise").select_option("no")
    page.get_by_role("button", name="Créer le traitement").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Chaîne d'hébergement"

    # Its chain: the host, then the organisation itself administering the application (activity 5).
    form = page.locator("#chain-editor form[hx-post]")
    form.get_by_label(re.compile("^Acteur")).select_option(label="Nuage Santé Hébergement")
    for number in (1, 2, 3, 4, 6):
        form.get_by_role("checkbox", name=re.compile(rf"^{number} —")).check()
    form.get_by_role("button", name="Ajouter le maillon").click()
    page.wait_for_selector("#chain-editor tr[data-link]")
    page.wait_for_selector("#chain-diagram g.box[data-state='ok']")
    form = page.locator("#chain-editor form[hx-post]")
    form.get_by_label(re.compile("^Acteur")).select_option(label=f"{organisation} (votre organisation)")
    form.get_by_role("checkbox", name=re.compile(r"^5 —")).check()
    form.get_by_role("button", name="Ajouter le maillon").click()
    page.wait_for_selector("#chain-diagram g.box[data-state='error']")
    assert page.locator("#chain-editor tr[data-link]").count() == 2

    # Red on the processing's page, with the reason under the diagram.
    page.get_by_role("link", name="Voir le traitement").click()
    assert box_states(page) == {"Nuage Santé Hébergement": "ok", organisation: "error"}
    assert page.locator("#chain-title + p").inner_text().startswith("✕ Non conforme")
    errors = page.locator(".findings li.severity-error")
    assert sorted(errors.nth(index).get_attribute("data-code") for index in range(errors.count())) == [
        "evidence.own_hosting_contract_missing", "self.activity_not_covered"]
    assert "Votre organisation réalise l'activité 5" in errors.filter(
        has=page.locator("xpath=self::*[@data-code='self.activity_not_covered']")).inner_text()
    page.locator(".card:has(#chain-diagram)").screenshot(path=str(ARTIFACTS / "chain-diagram-red.png"))

    # The missing certificate, uploaded with its details.
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Certificats").click()
    page.get_by_role("link", name="Ajouter un certificat").click()
    page.get_by_label("Titulaire").select_option(label="Votre organisation")
    page.get_by_role("checkbox", name=re.compile(r"^5 —")).check()
    page.get_by_label("Numéro du certificat").fill("HDS-TIL-2026")
    page.get_by_label("Organisme certificateur").fill("AFNOR Certification")
    page.get_by_label("Délivré le").fill("2026-01-15")
    page.get_by_label("Valable jusqu'au").fill("2029-01-14")
    page.locator("input[type=file]").set_input_files(pdf("certificat-hds.pdf"))
    page.get_by_role("button", name="Enregistrer le certificat").click()
    assert page.get_by_role("status").inner_text() == "Certificat enregistré."

    # Its own hosting contract with the controllers it serves, checked as it is filed.
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Preuves").click()
    page.locator("input[type=file]").set_input_files(pdf("contrat-type-clients.pdf"))
    page.get_by_label("Type de pièce").select_option(label="Contrat d'hébergement")
    clauses = page.locator("input[name=contract_clauses]")
    for index in range(clauses.count()):
        clauses.nth(index).check()
    page.get_by_label("Lieux d'hébergement nommés par le contrat").fill("FR")
    page.get_by_role("button", name="Déposer", exact=True).click()
    assert page.get_by_role("status").inner_text() == "Pièce « contrat-type-clients.pdf » déposée."

    # Green.
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Traitements").click()
    page.get_by_role("link", name="Téléconsultation").click()
    assert box_states(page) == {"Nuage Santé Hébergement": "ok", organisation: "ok"}
    assert page.locator("#chain-title + p").inner_text().startswith("✓ Conforme")
    assert page.locator(".findings li.severity-error").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".card:has(#chain-diagram)").screenshot(path=str(ARTIFACTS / "chain-diagram.png"))
    with tenant.context():
        assert ConformityResult.objects.get().status == "compliant"
        assert Supplier.objects.get().registry_match_status == "confirmed"

    page.get_by_role("link", name="Tableau de bord").click()
    assert page.locator(".stat.status-compliant strong").inner_text() == "1"
    assert screenshot(page, "dashboard").stat().st_size > 20_000

    # English: the interface, dates in the English format, Django's own messages.
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Traitements").click()
    page.get_by_role("link", name="Téléconsultation").click()
    with page.expect_navigation():
        page.get_by_label("Langue").select_option("en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Log out").is_visible()
    today = timezone.localdate()
    assert today.strftime("%m/%d/%Y") in page.locator("#chain-title + p").inner_text()
    page.goto(f"/o/{tenant.organisation.slug}/fournisseurs/nouveau/")
    page.locator("form.card button[type=submit]").click()
    assert page.locator("#id_name_error").inner_text() == "This field is required."


def test_keyboard_users_skip_to_the_content_and_see_where_the_focus_is(page, transactional_db, tenant):
    log_in(page, tenant.owner.email, PASSWORD)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.is_visible()  # shown when focused
    outline = skip.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_navigation_is_usable_on_a_phone(page, transactional_db, tenant):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, tenant.owner.email, PASSWORD)
    nav = page.get_by_role("navigation", name="Navigation principale")
    links = nav.get_by_role("link").all()
    assert [link.inner_text() for link in links] == [
        "Tableau de bord", "Traitements", "Fournisseurs", "Certificats", "Preuves", "Demandes", "Liste ANS", "Réseau",
        "Alertes", "Rapports", "Paramètres", "Journal"]
    for link in links:
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, link.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "phone-dashboard")
    nav.get_by_role("link", name="Fournisseurs").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Fournisseurs"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_registry_search_answers_while_typing(page, transactional_db, tenant):
    registry_host("Nuage Santé Hébergement", "HDS-NSH-2025")
    registry_host("Scaleway", "HDS-SCW-7", activities=(1, 2, 3, 4))
    log_in(page, tenant.owner.email, PASSWORD)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Liste ANS").click()
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Nom ou numéro de certificat").press_sequentially("scal", delay=30)
    page.wait_for_selector("#registry-results li[data-host]")
    assert page.locator("#registry-results li[data-host] strong").all_inner_texts() == ["Scaleway"]
    assert page.evaluate("window.notReloaded") is True
    assert page.url.endswith("/registre/?q=scal&activite=")  # the address follows, for the back button
