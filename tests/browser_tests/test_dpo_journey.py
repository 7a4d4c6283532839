"""A new DPO's whole first journey in Debian's Chromium, with nothing prepared but the ANS list:
sign up (organisation kind, name, SIREN), open the verification link from the e-mail, declare a
processing from the first-run checklist, build a three-level chain entirely from the chain editor
(typeahead over the ANS list, each supplier created inline from it), file every document the
chain lacks from its finding's fix-it button, and see the processing green. The dashboard's
first-run checklist ticks its steps as the journey goes and is gone once everything is done.

Screenshots in ``tests/artifacts/dpo-*.png``.
"""

from datetime import date

import pytest

from compliance.models import ConformityResult, Evidence, Processing, Supplier
from hds_platform.models import Organisation, User
from hds_platform.tenancy import organisation_context
from tests.browser import save_screenshot
from tests.browser_tests.steps import (
    add_chain_from_the_editor,
    both_sizes,
    checklist,
    expect,
    fill_sign_up,
    fix_labels,
    mailed_link,
    send_sign_up,
    upload_from_fix_it,
)
from tests.compliance.web.pages import registry_host

pytestmark = pytest.mark.browser

CHAIN = (  # name in the ANS list, activities, outsourced backup
    ("Nuage Santé Hébergement", (1, 2, 3, 4), False),
    ("Infogérance Santé", (5,), False),
    ("Sauvegarde Santé", (6,), True),
)
REGISTER = (  # the processing's register entry, label → value
    ("Nom du traitement", "Téléconsultation"), ("Finalités", "Consultations à distance"),
    ("Base légale (art. 6)", "Art. 6(1)(b) contrat"), ("Condition de l'art. 9(2)", "Art. 9(2)(h)"),
    ("Catégories de personnes concernées", "Patients"), ("Catégories de données", "Données de santé"),
    ("Destinataires", "Médecins"), ("Durée de conservation", "20 ans"),
    ("Mesures de sécurité", "Chiffrement, double authentification"),
    ("Responsable de traitement et contact", "dpo@cabinet-martin.example"),
)


def dashboard(page, slug: str) -> None:
    page.goto(f"/o/{slug}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Cabinet Martin"


def test_a_new_dpo_from_sign_up_to_a_green_chain(page, transactional_db, media):
    for number, (name, activities, _backup) in enumerate(CHAIN):
        registry_host(name, f"HDS-{number}-2025", activities=activities, expires_on=date(2028, 6, 13))

    # Sign up, then the link from the e-mail: the dashboard with every step to do.
    fill_sign_up(page, name="Alice Martin", email="alice@cabinet-martin.example", organisation="Cabinet Martin",
                 kind="health_professional", siren="732 829 320")
    send_sign_up(page)
    page.goto(mailed_link("/inscription/verifier/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Cabinet Martin"
    assert page.get_by_role("status").first.inner_text() == "Adresse e-mail confirmée : bienvenue sur Maillon."
    assert checklist(page) == ["todo"] * 5
    organisation = Organisation.objects.get()
    assert (organisation.name, organisation.kind, organisation.siren) == (
        "Cabinet Martin", "health_professional", "732829320")
    slug = organisation.slug
    assert page.url.endswith(f"/o/{slug}/")
    both_sizes(page, "dpo-1-checklist")

    # The processing, from the checklist's first step; its form leads to the chain editor.
    page.locator("#first-run").get_by_role("link", name="Déclarer un traitement de données de santé").click()
    for label, value in REGISTER:
        page.get_by_label(label, exact=False).first.fill(value)
    page.get_by_label("Mode d'hébergement").select_option("outsourced")
    page.get_by_label("AIPD requise").select_option("no")
    page.get_by_role("button", name="Créer le traitement").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Chaîne d'hébergement"
    with organisation_context(organisation):
        processing = Processing.objects.get()
    assert processing.name == "Téléconsultation"
    assert page.url.endswith(f"/o/{slug}/traitements/{processing.pk}/chaine/")
    dashboard(page, slug)
    assert checklist(page) == ["done", "todo", "todo", "todo", "todo"]

    # The chain, three levels, every supplier taken from the ANS list without leaving the editor.
    page.goto(f"/o/{slug}/traitements/{processing.pk}/chaine/")
    add_chain_from_the_editor(page, CHAIN)
    both_sizes(page, "dpo-2-chain-editor")
    with organisation_context(organisation):
        assert sorted(Supplier.objects.values_list("name", "registry_match_status")) == sorted(
            (name, "confirmed") for name, _activities, _backup in CHAIN)
    dashboard(page, slug)
    assert checklist(page) == ["done", "done", "done", "todo", "todo"]

    # Red until the documents are filed: the missing contract's finding carries its fix-it button.
    page.goto(f"/o/{slug}/traitements/{processing.pk}/")
    expect(page.locator("#chain-title + p")).to_contain_text("✕ Non conforme")
    contract = "Déposer le contrat d'hébergement de Nuage Santé Hébergement"
    dpa = "Déposer l'accord de sous-traitance de Nuage Santé Hébergement"
    assert fix_labels(page) == [dpa, contract]
    finding = page.locator(".findings li.severity-error", has=page.get_by_role("link", name=contract))
    assert finding.get_attribute("data-code") == "evidence.hosting_contract_missing"
    both_sizes(page, "dpo-3-red")

    upload_from_fix_it(page, contract, "hosting_contract", "Nuage Santé Hébergement")
    dashboard(page, slug)
    assert checklist(page) == ["done", "done", "done", "done", "todo"]

    page.goto(f"/o/{slug}/traitements/{processing.pk}/")
    assert fix_labels(page) == [dpa]
    upload_from_fix_it(page, dpa, "dpa", "Nuage Santé Hébergement")

    # Green, with nothing left to fix; the checklist has done its work and is gone.
    page.goto(f"/o/{slug}/traitements/{processing.pk}/")
    expect(page.locator("#chain-title + p")).to_contain_text("✓ Conforme")
    assert page.locator("#chain-diagram g.box[data-state='ok']").count() == 3
    assert fix_labels(page) == []
    with organisation_context(organisation):
        assert ConformityResult.objects.get(processing=processing).status == "compliant"
        assert sorted(Evidence.objects.values_list("kind", flat=True)) == ["dpa", "hosting_contract"]
    save_screenshot(page.locator(".card:has(#chain-diagram)"), "dpo-4-green-chain")
    both_sizes(page, "dpo-4-green")
    dashboard(page, slug)
    assert page.locator("#first-run").count() == 0
    both_sizes(page, "dpo-5-dashboard")
    assert User.objects.get().email_verified_at is not None
