"""Playwright driving Debian's Chromium (never a downloaded browser) against the live server.

Where either is missing, the browser tests skip with the reason (tests/browser_tests/conftest.py).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("MAILLON_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

NO_PLAYWRIGHT = "Playwright (the Python package) is not installed: pip install -e '.[dev]' installs it"
NO_CHROMIUM = "Chromium is not installed (.ci/run installs Debian's chromium package)"


def browser_missing(chromium: str = CHROMIUM) -> str:
    """Why the browser tests cannot run here, or "" when Playwright and Chromium are both installed."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return NO_PLAYWRIGHT
    if shutil.which(chromium) is None:
        return NO_CHROMIUM
    return ""

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import expect, sync_playwright

    # The assertions that wait (expect) wait as long as the actions do: on a loaded machine an HTMX
    # swap after an evaluation can take longer than Playwright's 5 s default.
    expect.set_options(timeout=10_000)

    # Playwright's sync API keeps an event loop on this thread; the live server's
    # database calls are synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR",
                                   base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    # The Content-Security-Policy forbids inline scripts, handlers and styles: a page that still
    # relied on one would break quietly. Chromium reports each refusal on the console.
    refusals = []
    page.on("console", lambda message: refusals.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert refusals == [], refusals


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, email: str, password: str) -> None:
    page.goto("/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    with page.expect_navigation():  # the next page, not the login form still on screen
        page.get_by_role("button", name="Se connecter").click()


# `MAILLON_SCREENSHOTS=docs/screenshots make test PYTEST_ARGS="-m browser"` refreshes the README's
# screenshots; by default they go to tests/artifacts/, which git ignores.
SCREENSHOTS = Path(os.environ.get("MAILLON_SCREENSHOTS", "") or ARTIFACTS)


def save_screenshot(target, name: str) -> Path:
    """A page (whole) or a locator (the element) as SCREENSHOTS/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if hasattr(target, "set_viewport_size"):
        target.screenshot(path=str(path), full_page=True)
    else:
        target.screenshot(path=str(path))
    return path
