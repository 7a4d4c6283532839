import pytest
from django.db import connection

from hds_platform import page_cache
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


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="pages are kept in the cache under PostgreSQL's data generations only")
def test_a_page_answered_from_the_cache_keeps_its_forms_working(page, transactional_db, tenant, settings,
                                                                monkeypatch):
    settings.RESPONSE_CACHE = True
    served = []
    respond = page_cache.respond
    monkeypatch.setattr(page_cache, "respond", lambda request, stored: served.append(request.path)
                        or respond(request, stored))
    dashboard = f"/o/{tenant.organisation.slug}/"
    log_in(page, tenant.owner.email, PASSWORD)  # lands on the dashboard, which is kept
    page.goto(dashboard)
    assert served == [dashboard]
    assert page.get_by_role("heading", level=1).inner_text() == "Clinique des Tilleuls"
    # The language switcher posts the token the cached page carries.
    with page.expect_navigation():
        page.get_by_label("Langue").select_option("en")
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(dashboard)
    assert (page.locator("html").get_attribute("lang"), served) == ("en", [dashboard, dashboard])
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/connexion/**")
    page.goto(dashboard)
    assert "/connexion/" in page.url and served == [dashboard, dashboard]
