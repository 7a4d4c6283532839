"""Every page of the web UI (found from the URL configuration, tests/web_pages.py) in Chromium:
none is wider than a 390 px phone; axe-core finds no serious or critical accessibility violation,
in French and in English; the screenshots the README shows.

axe-core comes from its npm package, pinned in package-lock.json; ``make test`` runs ``npm ci``.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.browser import log_in, save_screenshot
from tests.factories import PASSWORD
from tests.web_pages import KNOWN_PAGES, build_world, pages

pytestmark = pytest.mark.browser

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SERIOUS = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => [v.id, v.impact, v.nodes.slice(0, 3).map(n => n.target.join(" "))]);
}"""


@pytest.fixture
def world(transactional_db, tenant, media):
    return build_world(tenant)


@pytest.fixture
def every_page(tenant, world) -> dict[str, str]:
    client = Client()
    client.force_login(tenant.owner)
    found = pages(client, world)
    assert KNOWN_PAGES <= set(found), sorted(KNOWN_PAGES - set(found))
    return found


def test_no_page_is_wider_than_a_phone(page, tenant, every_page):
    page.set_viewport_size(PHONE)
    log_in(page, tenant.owner.email, PASSWORD)
    too_wide = {}
    for name, url in every_page.items():
        page.goto(url)
        scroll, client = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if scroll > client:
            too_wide[name] = (scroll, client)
    assert too_wide == {}


def test_axe_finds_no_serious_violation_on_any_page_in_either_language(chromium, live_server, tenant, every_page):
    if not AXE.exists():
        pytest.skip("axe-core is not installed: `npm ci` (which `make test` runs) installs it from package-lock.json")
    # axe is injected as a script: the Content-Security-Policy (no inline script) is bypassed for it only.
    context = chromium.new_context(viewport=DESKTOP, base_url=live_server.url, bypass_csp=True, locale="fr-FR")
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, tenant.owner.email, PASSWORD)
    violations = {}
    for language in ("fr", "en"):
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        for name, url in every_page.items():
            page.goto(url)
            assert page.locator("html").get_attribute("lang") == language, (name, language)
            page.add_script_tag(path=str(AXE))
            found = page.evaluate(SERIOUS)
            if found:
                violations[f"{language} {name}"] = found
    context.close()
    assert violations == {}, json.dumps(violations, indent=1, ensure_ascii=False)


SCREENSHOTS = {  # name: the page's address in the world
    "dashboard": "/o/{slug}/", "chain": "/o/{slug}/traitements/{processing}/", "alerts": "/o/{slug}/alertes/",
    "developer-corner": "/o/{slug}/parametres/jetons/",
}


def test_screenshots_of_the_dashboard_a_chain_the_alerts_and_the_developer_corner(page, tenant, world):
    log_in(page, tenant.owner.email, PASSWORD)
    for device, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        for name, address in SCREENSHOTS.items():
            page.goto(address.format(slug=world.slug, processing=world.processing))
            assert save_screenshot(page, f"{name}-{device}").stat().st_size > 10_000
