"""Steps a person takes in the browser, shared by the journeys: sign up, read the e-mailed link,
build a chain in the chain editor, file a document from a finding's fix-it button, and the checks
made at two widths (a screenshot at each, no sideways scroll at 390 px)."""

import re

from django.core import mail

from compliance.demo_data import minimal_pdf
from tests.browser import screenshot


def expect(*args, **kwargs):
    """Playwright's ``expect``, imported when first called: a machine without Playwright imports this
    module, and the page fixture skips the tests with the reason before any step runs."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


NEW_PASSWORD = "Chaine-de-confiance-2026"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def mailed_link(path: str) -> str:
    """The path of the latest e-mailed link to ``path`` (the live server shares this process's outbox)."""
    return re.search(rf"https?://[^/\s]+({re.escape(path)}[^\s]+)", mail.outbox[-1].body).group(1)


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def widest(page) -> list[str]:
    """The elements wider than the phone's screen, to say what overflows."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll('body *')]
            .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > width + 1)
            .map(e => `${e.tagName}.${e.className}#${e.id}: ${e.scrollWidth}/${e.clientWidth}`).slice(0, 8);
    }""")


def both_sizes(page, name: str) -> None:
    """A screenshot at each width; the page must not overflow at 390 px."""
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-1366")
    page.set_viewport_size(PHONE)
    assert fits_the_phone(page), (name, widest(page))
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)


def pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": minimal_pdf(name)}


def fill_sign_up(page, *, name: str, email: str, organisation: str, kind: str, siren: str) -> None:
    """The sign-up form, reached from the login page, filled (not sent)."""
    page.goto("/connexion/")
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Votre nom").fill(name)
    page.get_by_label("Adresse e-mail professionnelle").fill(email)
    page.get_by_label("Mot de passe").fill(NEW_PASSWORD)
    page.get_by_label("Nom de l'organisation").fill(organisation)
    page.get_by_label("Type d'organisation").select_option(kind)
    page.get_by_label("SIREN").fill(siren)


def send_sign_up(page) -> None:
    page.get_by_role("button", name="Créer mon compte").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Vérifiez votre boîte e-mail"


def checklist(page) -> list[str]:
    """The class (``done`` or ``todo``) of each step of the dashboard's first-run checklist, in order."""
    return [item.get_attribute("class") for item in page.locator("#first-run li").all()]


def _type_until_suggested(page, word: str, suggestion, attempts: int = 3) -> None:
    """Type ``word`` in the typeahead (replacing what the box holds) until ``suggestion`` shows; on a
    loaded machine a keystroke can land while the editor is still being swapped in, and a person
    would then type again."""
    for attempt in range(attempts):
        search = page.get_by_label("Chercher un acteur")
        search.fill("")
        search.press_sequentially(word, delay=30)
        try:
            suggestion.wait_for(state="visible", timeout=6000)
            return
        except Exception:
            if attempt == attempts - 1:
                raise


def add_chain_from_the_editor(page, chain) -> None:
    """On the chain editor: each (name in the ANS list, activities, outsourced backup) found with the
    typeahead, created as a supplier from the list, then linked under the previous one. The page is
    never reloaded."""
    page.evaluate("window.notReloaded = true")
    rows = page.locator("#chain-editor tr[data-link]")
    start = rows.count()
    parent = None
    for level, (name, activities, backup) in enumerate(chain, start=1):
        suggestion = page.locator("#actor-suggestions").get_by_role("button", name=f"Ajouter « {name} » (liste ANS)")
        _type_until_suggested(page, name.split()[0].lower(), suggestion)
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
        expect(rows).to_have_count(start + level)
        parent = name
    assert page.evaluate("window.notReloaded") is True


def fix_labels(page) -> list[str]:
    """The fix-it buttons under the findings of the page, in order."""
    return [link.inner_text() for link in page.locator("a.fix").all()]


def upload_from_fix_it(page, label: str, kind: str, supplier: str) -> None:
    """Follow the fix-it button ``label``: the upload form comes prefilled with the kind and the
    supplier; a hosting contract gets every clause checked and France as its hosting location."""
    page.get_by_role("link", name=label).click()
    assert page.get_by_label("Type de pièce").input_value() == kind
    assert page.get_by_label("Fournisseur concerné").evaluate(
        "select => select.options[select.selectedIndex].text") == supplier
    page.locator("input[type=file]").set_input_files(pdf(f"{kind}.pdf"))
    if kind == "hosting_contract":  # its clauses checked as it is filed
        clauses = page.locator("input[name=contract_clauses]")
        for index in range(clauses.count()):
            clauses.nth(index).check()
        page.get_by_label("Lieux d'hébergement nommés par le contrat").fill("FR")
    page.get_by_role("button", name="Déposer", exact=True).click()
    expect(page.locator("ul.messages")).to_have_text(f"Pièce « {kind}.pdf » déposée.")
