"""A provider declares an offer's exempted subcontractor in Chromium, on a phone (390 px): only the
proof that goes with the chosen coverage shows, and the declaration lands in the offer."""

import pytest

from compliance.models import OfferSubcontractor
from tests.browser import log_in, screenshot
from tests.compliance import builders
from tests.compliance.network_builders import host_organisation, hosting_offer
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_the_provider_declares_an_exempted_subcontractor_on_a_phone(page, transactional_db, media):
    host = hosting_offer(host_organisation())
    with host.context():
        supplier = builders.supplier("Infogérance Est")
        table = builders.evidence("exemption_proof", title="Tableau des garanties Est")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "owner@azur.example", PASSWORD)
    page.goto(f"/o/azur/reseau/offres/{host.offer.pk}/")

    certificate, proof = page.get_by_label("Certificat du sous-traitant (s'il est certifié)"), page.get_by_label(
        "Tableau des garanties (s'il est exempté)")
    assert (certificate.is_visible(), proof.is_visible()) == (True, False)
    page.get_by_label("Couverture").select_option("exempted")
    assert (certificate.is_visible(), proof.is_visible()) == (False, True)
    page.get_by_label("Fournisseur").select_option(str(supplier.pk))
    proof.select_option(str(table.pk))
    page.get_by_label("Sauvegarde des données de santé").check()
    fits = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert fits == [390, 390]
    screenshot(page, "network-offer-subcontractor-390")
    with page.expect_navigation():
        page.get_by_role("button", name="Déclarer le sous-traitant").click()

    assert page.get_by_role("cell", name="Tableau des garanties Est").is_visible()
    with host.context():
        row = OfferSubcontractor.objects.get()
    assert (row.supplier_id, row.coverage, row.certificate_id, row.exemption_evidence_id, sorted(row.activities)) == (
        supplier.pk, "exempted", None, table.pk, [6])
