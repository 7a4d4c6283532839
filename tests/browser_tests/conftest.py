"""The browser tests skip, each with its reason, where Playwright or Chromium is missing.

The check runs before any fixture, so a machine without them starts neither a database nor a live
server for these tests.
"""

import pytest

from tests.browser import browser_missing

MISSING = browser_missing()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if MISSING:
        pytest.skip(MISSING)
