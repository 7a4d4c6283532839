"""A chain of three levels built entirely from the chain editor, in Debian's Chromium: each supplier
found with the typeahead and added from the ANS list (its match confirmed at once), then the missing
documents uploaded from the findings' fix-it buttons, until the chain is green.

The same journey through plain requests: tests/compliance/web/test_chain_building.py.
"""

import re
from datetime import date

import pytest

from compliance.models import ConformityResult, Supplier
from tests.browser import log_in, save_screenshot
from tests.browser_tests.steps import add_chain_from_the_editor, fix_labels, upload_from_fix_it
from tests.compliance import builders
from tests.compliance.web.pages import registry_host
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

CHAIN = (  # name in the ANS list, activities, outsourced backup
    ("Nuage Santé Hébergement", (1, 2, 3, 4), False),
    ("Infogérance Santé", (5,), False),
    ("Sauvegarde Santé", (6,), True),
)


def test_a_three_level_chain_from_the_editor_to_green(page, transactional_db, tenant, media):
    # Imported here: where Playwright is missing, the page fixture skips the test with the reason.
    from playwright.sync_api import expect

    for number, (name, activities, _backup) in enumerate(CHAIN):
        registry_host(name, f"HDS-{number}-2025", activities=activities, expires_on=date(2028, 6, 13))
    with tenant.context():
        processing = builders.processing("Téléconsultation")
    log_in(page, tenant.owner.email, PASSWORD)
    page.goto(f"/o/{tenant.organisation.slug}/traitements/{processing.pk}/chaine/")
    add_chain_from_the_editor(page, CHAIN)
    rows = page.locator("#chain-editor tr[data-link]")
    with tenant.context():
        assert sorted(Supplier.objects.values_list("name", "registry_match_status")) == sorted(
            (name, "confirmed") for name, _activities, _backup in CHAIN)

    # Removing a link asks first; dismissed, nothing is removed.
    page.once("dialog", lambda dialog: dialog.dismiss())
    rows.first.get_by_role("button", name=re.compile("^Retirer")).click()
    expect(rows).to_have_count(3)

    # The diagram's boxes are links a keyboard reaches.
    page.get_by_role("link", name="Voir le traitement").click()
    boxes = page.locator("#chain-diagram a.box-link")
    expect(boxes).to_have_count(3)
    boxes.first.focus()
    assert boxes.first.evaluate("element => element === document.activeElement")
    save_screenshot(page.locator(".card:has(#chain-diagram)"), "chain-red")

    # The documents the direct host still lacks, each from its fix-it button, the upload prefilled.
    assert fix_labels(page) == ["Déposer l'accord de sous-traitance de Nuage Santé Hébergement",
                                "Déposer le contrat d'hébergement de Nuage Santé Hébergement"]
    for label, kind in (("Déposer le contrat d'hébergement de Nuage Santé Hébergement", "hosting_contract"),
                        ("Déposer l'accord de sous-traitance de Nuage Santé Hébergement", "dpa")):
        upload_from_fix_it(page, label, kind, "Nuage Santé Hébergement")
        page.goto(f"/o/{tenant.organisation.slug}/traitements/{processing.pk}/")

    expect(page.locator("#chain-title + p")).to_contain_text("✓ Conforme")
    assert page.locator("#chain-diagram g.box[data-state='ok']").count() == 3
    assert page.locator("a.fix").count() == 0
    with tenant.context():
        assert ConformityResult.objects.get(processing=processing).status == "compliant"
    save_screenshot(page.locator(".card:has(#chain-diagram)"), "chain")
