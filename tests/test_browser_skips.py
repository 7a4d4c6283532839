"""Where Playwright or Chromium is missing, the browser tests skip with the reason instead of erroring."""

import inspect
import subprocess
import sys
import types
from pathlib import Path
from xml.etree import ElementTree

from tests import browser
from tests.browser_tests import test_compliance_journey, test_shell

ROOT = Path(__file__).resolve().parent.parent


def _installed_playwright(monkeypatch):
    """Stand-ins for the package, so that these checks do not depend on this machine's installation."""
    package = types.ModuleType("playwright")
    package.__path__ = []
    monkeypatch.setitem(sys.modules, "playwright", package)
    monkeypatch.setitem(sys.modules, "playwright.sync_api", types.ModuleType("playwright.sync_api"))


def test_the_reason_names_what_is_missing(monkeypatch, tmp_path):
    _installed_playwright(monkeypatch)
    assert browser.browser_missing(chromium=sys.executable) == ""
    assert browser.browser_missing(chromium=str(tmp_path / "chromium")) == browser.NO_CHROMIUM
    monkeypatch.setitem(sys.modules, "playwright", None)  # what a failed import leaves: import raises
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    assert browser.browser_missing(chromium=sys.executable) == browser.NO_PLAYWRIGHT


def test_without_playwright_every_browser_test_is_skipped_with_the_reason(tmp_path):
    report = tmp_path / "report.xml"
    arguments = ["-q", "-p", "no:cacheprovider", "--junitxml", str(report), "tests/browser_tests"]
    script = (
        "import sys\n"
        "sys.modules['playwright'] = None\n"  # the package cannot be imported, as where it is not installed
        "import pytest\n"
        f"sys.exit(pytest.main({arguments!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    outcomes = {
        case.get("name"): [(child.tag, child.get("message")) for child in case]
        for case in ElementTree.parse(report).getroot().iter("testcase")
    }
    browser_tests = [name for module in (test_shell, test_compliance_journey)
                     for name, _function in inspect.getmembers(module, inspect.isfunction) if name.startswith("test_")]
    assert "test_log_in_switch_to_english_and_log_out" in browser_tests
    # Every test of every module of tests/browser_tests is skipped with the reason (none errors).
    assert set(browser_tests) <= set(outcomes)
    assert {name: result for name, result in outcomes.items() if result != [("skipped", browser.NO_PLAYWRIGHT)]} == {}
    modules = sorted(path.stem for path in (ROOT / "tests" / "browser_tests").glob("test_*.py"))
    reported = {case.get("classname", "").rsplit(".", 1)[-1] for case in ElementTree.parse(report).getroot().iter(
        "testcase")} | {name.rsplit(".", 1)[-1] for name in outcomes}
    assert [module for module in modules if module not in reported] == []
