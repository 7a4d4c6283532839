import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext

CATALOGUE = Path(__file__).resolve().parents[2] / "hds_platform" / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (gettext) is not installed")
def test_english_catalogue_has_no_untranslated_or_fuzzy_entry():
    result = subprocess.run(["msgfmt", "--statistics", "-o", "/dev/null", str(CATALOGUE)],
                            capture_output=True, text=True, check=True)
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr
    assert " translated messages." in result.stderr


def test_compiled_catalogue_is_in_step_with_the_sources():
    with translation.override("en"):
        assert gettext("Tableau de bord") == "Dashboard"
        assert gettext("Votre rôle ne permet pas cette action.") == "Your role does not allow this action."
