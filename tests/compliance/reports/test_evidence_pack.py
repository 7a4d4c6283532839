"""The evidence pack read back with zipfile: every member listed in the manifest with its sha256."""

import csv
import hashlib
import io
import json
import zipfile

from compliance.models import Evidence
from tests.compliance.reports.conftest import EVIDENCE_TITLE


def _members(data: bytes) -> tuple[zipfile.ZipFile, dict]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return archive, json.loads(archive.read("manifest.json"))


def test_pack_of_the_organisation_lists_every_current_file_with_its_sha256(reported, generate, tenant):
    report, data = generate("evidence_pack", "zip")

    archive, manifest = _members(data)
    with tenant.context():
        evidence = list(Evidence.objects.order_by("id"))
    names = sorted(archive.namelist())
    assert names == sorted([*(f"evidence/{e.pk}-{e.original_name}" for e in evidence
                              if e.pk != reported.dpa.pk), f"evidence/{reported.dpa.pk}-passwd.pdf",
                            "dossier-conformite.pdf", "manifest.json", "manifest.csv"])
    assert report.content_type == "application/zip" and report.size == len(data)
    assert manifest["organisation"] == {"name": "Clinique des Tilleuls", "slug": "tilleuls", "siren": "732829320"}
    assert manifest["scope"] == {"organisation": True}
    files = manifest["files"]
    assert len(files) == 4
    for entry in files:
        content = archive.read(entry["file"])
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert entry["size"] == len(content)
    by_id = {entry.get("evidence_id"): entry for entry in files}
    contract = by_id[reported.contract.pk]
    assert (contract["kind"], contract["title"], contract["issued_on"], contract["valid_until"]) == (
        "hosting_contract", EVIDENCE_TITLE, "2025-01-06", "2028-01-05")
    assert contract["sha256"] == reported.contract.sha256 and contract["recorded_sha256_matches"] is True
    dossier = by_id[None]
    assert (dossier["file"], dossier["kind"], dossier["pages"]) == ("dossier-conformite.pdf", "conformity_report", 7)
    assert archive.read("dossier-conformite.pdf").startswith(b"%PDF-")

    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig")), delimiter=";"))
    assert [row["sha256"] for row in rows] == [entry["sha256"] for entry in files]
    assert rows[0]["title"] == "'" + EVIDENCE_TITLE  # a formula-looking title stays text


def test_pack_of_one_supplier_and_a_tampered_file(reported, generate, tenant, media):
    (media / reported.contract.file.name).write_bytes(b"%PDF-1.4 altered")

    _report, data = generate("evidence_pack", "zip", supplier=reported.backup)
    _archive, manifest = _members(data)
    assert manifest["scope"] == {"supplier": reported.backup.pk}
    assert [entry["file"] for entry in manifest["files"]] == ["dossier-conformite.pdf"]

    _report, data = generate("evidence_pack", "zip", supplier=reported.sovereign)
    _archive, manifest = _members(data)
    contract = next(e for e in manifest["files"] if e.get("evidence_id") == reported.contract.pk)
    assert contract["recorded_sha256_matches"] is False
    assert contract["sha256"] == hashlib.sha256(b"%PDF-1.4 altered").hexdigest()
