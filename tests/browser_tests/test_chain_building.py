"""A chain of three levels built entirely from the chain editor, in Debian's Chromium: each supplier
found with the typeahead and added from the ANS list (its match confirmed at once), then the missing
documents uploaded from the findings' fix-it buttons, until the chain is green.

The same journey through plain requests: tests/compliance/web/test_chain_building.py.
"""

import re
from datetime import date

import pytest

from compliance.demo_data import minimal_pdf
from compliance.models import ConformityResult, Supplier
from tests.browser import log_in, save_screenshot
from tests.compliance import builders
from tests.compliance.web.pages import registry_host
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

CHAIN = (  # name in the ANS list, activities, outsourced backup
    ("Nuage Santé Hébergement", (1, 2, 3, 4), False),
    ("Infogérance Santé", (5,), False),
    ("Sauvegarde Santé", (6,), True),
)


def pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": minimal_pdf(name)}


def test_a_three_level_chain_from_the_editor_to_green(page, transactional_db, tenant, media):
    # Imported here: where Playwright is missing, the page fixture skips the test with the reason.
    from playwright.sync_api import expect

    for number, (name, activities, _backup) in enumerate(CHAIN):
        registry_host(name, f"HDS-{number}-2025", activities=activities, expires_on=date(2028, 6, 13))
    with tenant.context():
        processing = builders.processing("Téléconsultation")
    log_in(page, tenant.owner.email, PASSWORD)
    page.goto(f"/o/{tenant.organisation.slug}/traitements/{processing.pk}/chaine/")
    page.evaluate("window.notReloaded = true")

    rows = page.locator("#chain-editor tr[data-link]")
    parent = None
    for level, (name, activities, backup) in enumerate(CHAIN, start=1):
        search = page.get_by_label("Chercher un acteur")
        search.press_sequentially(name.split()[0].lower(), delay=30)
        suggestion = page.locator("#actor-suggestions").get_by_role("button", name=f"Ajouter « {name} » (liste ANS)")
        suggestion.click()
        expect(page.locator("#chain-editor p.notice")).to_have_text(
            f"Fournisseur « {name} » créé et choisi comme acteur.")
        form = page.locator("#chain-editor form[aria-labelledby=add-link-title]")
        actor = form.get_by_label(re.compile("^Acteur"))
        assert actor.evaluate("select => select.options[select.selectedIndex].text") == name
        if parent is not None:
            form.get_by_label("Sous-traitant de").select_option(label=parent)
        for number in activities:
            form.get_by_role("checkbox", name=re.compile(rf"^{number} —")).check()
        if backup:
            form.get_by_label("Sauvegarde externalisée").check()
        form.get_by_role("button", name="Ajouter le maillon").click()
        expect(rows).to_have_count(level)
        parent = name
    assert page.evaluate("window.notReloaded") is True
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
    for label, kind in (("Déposer le contrat d'hébergement de Nuage Santé Hébergement", "hosting_contract"),
                        ("Déposer l'accord de sous-traitance de Nuage Santé Hébergement", "dpa")):
        page.get_by_role("link", name=label).click()
        assert page.get_by_label("Type de pièce").input_value() == kind
        assert page.get_by_label("Fournisseur concerné").evaluate(
            "select => select.options[select.selectedIndex].text") == "Nuage Santé Hébergement"
        page.locator("input[type=file]").set_input_files(pdf(f"{kind}.pdf"))
        if kind == "hosting_contract":  # its clauses checked as it is filed
            clauses = page.locator("input[name=contract_clauses]")
            for index in range(clauses.count()):
                clauses.nth(index).check()
            page.get_by_label("Lieux d'hébergement nommés par le contrat").fill("FR")
        page.get_by_role("button", name="Déposer", exact=True).click()
        expect(page.locator("ul.messages")).to_have_text(f"Pièce « {kind}.pdf » déposée.")
        page.goto(f"/o/{tenant.organisation.slug}/traitements/{processing.pk}/")

    expect(page.locator("#chain-title + p")).to_contain_text("✓ Conforme")
    assert page.locator("#chain-diagram g.box[data-state='ok']").count() == 3
    assert page.locator("a.fix").count() == 0
    with tenant.context():
        assert ConformityResult.objects.get(processing=processing).status == "compliant"
    save_screenshot(page.locator(".card:has(#chain-diagram)"), "chain")
