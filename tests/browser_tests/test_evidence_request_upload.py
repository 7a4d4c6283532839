"""The supplier's upload page, as its contact sees it on a phone: no account, French or English,
a refused file explained, then the document sent."""

import pytest

from compliance import services
from compliance.demo_data import minimal_pdf
from compliance.models import EvidenceRequest
from hds_platform.audit import Actor
from tests.browser import screenshot

pytestmark = pytest.mark.browser


def _request(tenant, *, kinds, language="fr"):
    with tenant.context():
        supplier = services.supplier_create(actor=Actor.system("test"), name=f"Hébergeur {language}")
        request, raw = services.evidence_request_create(
            actor=Actor.system("test"), supplier=supplier, kinds=kinds, contact_email="contact@azur.example",
            message="Merci de nous transmettre ces documents.", language=language)
    return request, raw


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_upload_page_at_390px_refuses_a_bad_file_then_takes_the_document(page, transactional_db, tenant, media):
    request, raw = _request(tenant, kinds=["hosting_contract", "dpa"])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/depot/{raw}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Clinique des Tilleuls vous demande des documents"
    assert _fits(page)
    assert screenshot(page, "evidence-request-upload-form-390").stat().st_size > 5_000
    page.get_by_label("Accord de sous-traitance (art. 28)").check()
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "contrat.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00not a pdf"}])
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer le document").click()
    alert = page.get_by_role("alert")
    assert "Type de fichier refusé" in alert.inner_text() and "evidence_type_not_allowed" in alert.inner_text()
    assert _fits(page)
    with tenant.context():
        assert EvidenceRequest.objects.get(pk=request.pk).status == "requested"

    page.get_by_label("Accord de sous-traitance (art. 28)").check()
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "dpa.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf("DPA")}])
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer le document").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Document transmis"
    assert _fits(page)
    assert screenshot(page, "evidence-request-upload-390").stat().st_size > 5_000
    with tenant.context():
        submitted = EvidenceRequest.objects.get(pk=request.pk)
        assert (submitted.status, submitted.submitted_kind) == ("submitted", "dpa")
    page.goto(f"/depot/{raw}/")
    assert page.get_by_role("alert").inner_text() == "Ce lien a déjà servi : le document a bien été transmis."


def test_upload_page_speaks_the_language_chosen_for_the_contact(page, transactional_db, tenant, media):
    _unused, raw = _request(tenant, kinds=["dpa"], language="en")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/depot/{raw}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Clinique des Tilleuls is asking you for documents"
    assert page.get_by_role("button", name="Send the document").is_visible()
    assert _fits(page)
    screenshot(page, "evidence-request-upload-en")
