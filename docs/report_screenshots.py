"""Render the first pages of the demo's conformity dossier and register (PDF) as the README's pictures.

    python docs/report_screenshots.py

Builds the demo in a throw-away SQLite database, generates both reports through the report service,
and rasterises their first four pages side by side with PDFium (pypdfium2; poppler's pdftoppm is
not needed) into ``docs/reports/conformity.png`` and ``docs/reports/register.png``.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hds_platform.settings")
os.environ.setdefault("MAILLON_TESTING", "true")
os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="maillon-screenshots-")

import django  # noqa: E402

django.setup()

import pypdfium2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from PIL import Image  # noqa: E402

PAGES = 4
SCALE = 0.75  # 72 dpi × 0.75: small files, still legible
OUT = ROOT / "docs" / "reports"


def strip(pdf: bytes, target: Path) -> None:
    document = pypdfium2.PdfDocument(pdf)
    images = [document[i].render(scale=SCALE).to_pil() for i in range(min(PAGES, len(document)))]
    gap = 12
    width = sum(image.width for image in images) + gap * (len(images) + 1)
    height = max(image.height for image in images) + 2 * gap
    canvas = Image.new("RGB", (width, height), (213, 218, 227))
    x = gap
    for image in images:
        canvas.paste(image, (x, gap))
        x += image.width + gap
    canvas.convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(target, optimize=True)
    print(f"{target.relative_to(ROOT)}: {len(images)} pages, {target.stat().st_size // 1024} KB")


def main() -> None:
    from compliance.reports import services
    from hds_platform.audit import Actor
    from hds_platform.models import Organisation
    from hds_platform.tenancy import organisation_context

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(Path(tempfile.mkdtemp()) / "demo.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_demo", verbosity=0)
        organisation = Organisation.objects.get(slug="medisoft")
        OUT.mkdir(parents=True, exist_ok=True)
        with organisation_context(organisation):
            for kind in ("conformity", "register"):
                report = services.report_request(actor=Actor.system("Démo"), kind=kind, format="pdf", language="fr",
                                                 run_now=True)
                with default_storage.open(report.file.name, "rb") as handle:
                    strip(io.BytesIO(handle.read()).getvalue(), OUT / f"{kind}.png")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
