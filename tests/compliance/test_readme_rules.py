"""The README's "How Maillon decides" lists every rule the engine runs, as the catalogue says."""

import re
from pathlib import Path

from compliance.conformity import CATALOGUE
from compliance.conformity.catalogue_doc import END, START, render, replace_section

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_rules_section_is_the_generated_one():
    text = README.read_text(encoding="utf-8")

    assert replace_section(text) == text, "the README's rules section is stale: run `make rules-doc`"


def test_the_section_lists_every_code_once_with_its_severity_and_reference():
    row = re.compile(r"^\| `([a-z0-9_]+\.[a-z0-9_]+)` \| (\w+) \| (yes)? \| (\w+) \| ([^|]*) \|", re.MULTILINE)
    rows = row.findall(render())

    assert len(rows) == len(CATALOGUE)
    listed = {code: (severity, bool(flag), reference.strip()) for code, severity, flag, _, reference in rows}
    catalogue = {code: (spec.severity.value, spec.incomplete, spec.legal_reference) for code, spec in CATALOGUE.items()}
    assert listed == catalogue
    register_rows = {code for code, _, _, answer, _ in rows if answer == "register"}
    assert register_rows == {code for code in CATALOGUE if code.startswith("register.")}


def test_placeholders_are_shown_not_left_as_format_fields():
    section = render()

    assert "{" not in section
    assert "‹actor› performs activity ‹activity› (‹activity_label›)" in section
    assert START not in section and END not in section
