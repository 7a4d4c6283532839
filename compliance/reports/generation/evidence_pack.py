"""The evidence pack (ZIP): every current evidence file of the organisation, of one processing or of
one supplier, ``manifest.json`` and ``manifest.csv`` (file name, kind, dates, sha256, size), and
the conformity dossier (PDF) of the same scope.

Files are streamed from storage into the archive in chunks, each hashed on the way: memory does not
grow with the number or the size of the files. A file whose bytes no longer match the sha256
recorded at upload is packed all the same and flagged in the manifest (``recorded_sha256_matches``);
a file missing from storage is listed with ``missing: true``.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from compliance.models import ChainLink, Evidence
from compliance.reports import tabular
from compliance.reports.generation import conformity
from compliance.reports.generation.base import Progress, Written
from compliance.reports.models import Report

CHUNK = 256 * 1024
COMPRESSED_TYPES = ("application/pdf", "image/png", "image/jpeg", "application/vnd.openxmlformats")
MANIFEST_FIELDS = ("file", "evidence_id", "title", "kind", "issued_on", "valid_until", "uploaded_at", "sha256",
                   "size", "content_type", "supplier", "processing", "recorded_sha256_matches", "missing")
DOSSIER_FILE = "dossier-conformite.pdf"


@dataclass
class Pack:
    evidence: list[Evidence]
    dossier: conformity.Dossier
    scope: dict
    organisation: dict
    generated_at: object
    manifest: list[dict] = field(default_factory=list)


def _scope(report: Report) -> tuple[Q, list[int] | None, dict]:
    """The evidence filter, the processings of the dossier (None: all) and the scope as the manifest states it."""
    if report.processing_id is not None:
        suppliers = set(ChainLink.objects.filter(processing_id=report.processing_id, supplier__isnull=False)
                        .values_list("supplier_id", flat=True))
        evidence = Q(processing_id=report.processing_id) | (
            Q(supplier_id__in=suppliers) & (Q(processing__isnull=True) | Q(processing_id=report.processing_id)))
        return evidence, [report.processing_id], {"processing": report.processing_id}
    if report.supplier_id is not None:
        processings = sorted(set(ChainLink.objects.filter(supplier_id=report.supplier_id)
                                 .values_list("processing_id", flat=True)))
        return Q(supplier_id=report.supplier_id), processings, {"supplier": report.supplier_id}
    return Q(), None, {"organisation": True}


def load(report: Report) -> Pack:
    evidence_filter, processings, scope = _scope(report)
    evidence = list(Evidence.objects.filter(evidence_filter, superseded_by__isnull=True).order_by("id"))
    dossier = conformity.load_dossier(processings, language=report.language, requested_by=report.requested_by_label,
                                      single=report.processing_id is not None)
    organisation = dossier.answers.organisation
    return Pack(evidence=evidence, dossier=dossier, scope=scope, generated_at=timezone.now(),
                organisation={"name": organisation.name, "slug": organisation.slug, "siren": organisation.siren})


def member_name(evidence: Evidence) -> str:
    """A safe name inside the archive: no directory part, no traversal, unique by the evidence id."""
    name = get_valid_filename(evidence.original_name.replace("\\", "/").rsplit("/", 1)[-1] or "document")
    if name.strip(".") == "":
        name = "document"
    return f"evidence/{evidence.pk}-{name[:150]}"


def _compression(content_type: str) -> int:
    return zipfile.ZIP_STORED if content_type.startswith(COMPRESSED_TYPES) else zipfile.ZIP_DEFLATED


def _copy(source: BinaryIO, archive: zipfile.ZipFile, name: str, compression: int) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    info.compress_type = compression
    with archive.open(info, "w", force_zip64=True) as target:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            target.write(chunk)
    return digest.hexdigest(), size


def _pack_evidence(evidence: Evidence, archive: zipfile.ZipFile) -> dict:
    entry = {
        "file": member_name(evidence), "evidence_id": evidence.pk, "title": evidence.title, "kind": evidence.kind,
        "issued_on": evidence.issued_on.isoformat() if evidence.issued_on else None,
        "valid_until": evidence.valid_until.isoformat() if evidence.valid_until else None,
        "uploaded_at": evidence.uploaded_at.isoformat(), "sha256": None, "size": None,
        "content_type": evidence.content_type, "supplier": evidence.supplier_id, "processing": evidence.processing_id,
        "recorded_sha256_matches": None, "missing": False,
    }
    try:
        source = default_storage.open(evidence.file.name, "rb")
    except FileNotFoundError:
        entry.update(file=None, missing=True)
        return entry
    with source:
        sha256, size = _copy(source, archive, entry["file"], _compression(evidence.content_type))
    entry.update(sha256=sha256, size=size, recorded_sha256_matches=sha256 == evidence.sha256)
    return entry


def _pack_dossier(pack: Pack, archive: zipfile.ZipFile, progress: Progress) -> dict:
    with tempfile.TemporaryFile() as rendered:
        pages = conformity.render_dossier(pack.dossier, rendered, progress, start=80, end=95)
        rendered.seek(0)
        sha256, size = _copy(rendered, archive, DOSSIER_FILE, zipfile.ZIP_STORED)
    return {"file": DOSSIER_FILE, "kind": "conformity_report", "title": _("Dossier de conformité HDS"),
            "sha256": sha256, "size": size, "content_type": "application/pdf", "pages": pages,
            "uploaded_at": pack.generated_at.isoformat(), "missing": False}


def _manifest_csv(entries: list[dict]) -> bytes:
    buffer = io.BytesIO()
    tabular.write_csv([tabular.Table(title="manifest", headers=MANIFEST_FIELDS,
                                     rows=[[entry.get(name) for name in MANIFEST_FIELDS] for entry in entries])],
                      buffer)
    return buffer.getvalue()


def write(pack: Pack, out: BinaryIO, fmt: str, progress: Progress) -> Written:
    total = max(len(pack.evidence), 1)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for index, evidence in enumerate(pack.evidence, start=1):
            pack.manifest.append(_pack_evidence(evidence, archive))
            progress(10 + 70 * index // total)
        pack.manifest.append(_pack_dossier(pack, archive, progress))
        manifest = {"organisation": pack.organisation, "scope": pack.scope,
                    "generated_at": pack.generated_at.isoformat(), "files": pack.manifest}
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        archive.writestr("manifest.csv", _manifest_csv(pack.manifest))
    return Written()
