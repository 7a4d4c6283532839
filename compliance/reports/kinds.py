"""Which formats each kind of report comes in, and what it may be narrowed to.

The one table the API, the pages and the generator read: a request outside it is refused with a
stable code before any job is created.
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance.reports.models import ReportFormat, ReportKind


@dataclass(frozen=True)
class KindSpec:
    formats: tuple[str, ...]
    by_processing: bool = False  # may be narrowed to one processing
    by_supplier: bool = False  # may be narrowed to one supplier


KINDS: dict[str, KindSpec] = {
    ReportKind.CONFORMITY: KindSpec(formats=(ReportFormat.PDF,), by_processing=True),
    ReportKind.REGISTER: KindSpec(formats=(ReportFormat.PDF, ReportFormat.CSV, ReportFormat.XLSX)),
    ReportKind.SUPPLIERS: KindSpec(formats=(ReportFormat.CSV, ReportFormat.XLSX)),
    ReportKind.EVIDENCE_PACK: KindSpec(formats=(ReportFormat.ZIP,), by_processing=True, by_supplier=True),
}

CONTENT_TYPES = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.CSV: "text/csv; charset=utf-8",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.ZIP: "application/zip",
}

# The start of the download name, per kind and language (the date and the extension follow).
FILE_STEMS = {
    ReportKind.CONFORMITY: {"fr": "dossier-conformite", "en": "conformity-dossier"},
    ReportKind.REGISTER: {"fr": "registre-art30", "en": "art30-register"},
    ReportKind.SUPPLIERS: {"fr": "fournisseurs", "en": "suppliers"},
    ReportKind.EVIDENCE_PACK: {"fr": "preuves", "en": "evidence-pack"},
}
