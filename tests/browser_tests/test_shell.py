import pytest

from tests.browser import log_in, screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_log_in_switch_to_english_and_log_out(page, transactional_db, tenant):
    log_in(page, tenant.owner.email, "wrong password")
    assert page.get_by_role("alert").inner_text() == "Adresse e-mail ou mot de passe incorrect."
    log_in(page, tenant.owner.email, PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "Clinique des Tilleuls"
    assert screenshot(page, "dashboard-shell").stat().st_size > 10_000
    with page.expect_navigation():
        page.get_by_label("Langue").select_option("en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Log out").is_visible()
    page.get_by_role("button", name="Log out").click()
    assert page.url.endswith("/connexion/")
