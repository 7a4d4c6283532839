"""Lines that tests want in the terminal summary, whatever the output capture (shown by tests/conftest.py)."""

import pytest

SUMMARY_LINES = pytest.StashKey[list]()


def report(config: pytest.Config, line: str) -> None:
    config.stash.setdefault(SUMMARY_LINES, []).append(line)
