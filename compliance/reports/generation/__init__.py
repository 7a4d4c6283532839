"""One module per kind of report, each with two steps.

``load(report)`` reads what the report states, inside the organisation's context (one
transaction, a constant number of queries); ``write(data, out, fmt, progress)`` turns it into the
file, outside any transaction, reporting its progress.

The modules are imported when a report is generated, not when the API or the pages are loaded:
WeasyPrint takes seconds and tens of megabytes to import, which web processes that never render a
PDF should not pay.
"""

from importlib import import_module
from types import ModuleType

from compliance.reports.models import ReportKind

MODULES = {
    ReportKind.CONFORMITY: "conformity",
    ReportKind.REGISTER: "register",
    ReportKind.SUPPLIERS: "suppliers",
    ReportKind.EVIDENCE_PACK: "evidence_pack",
}


def generator(kind: str) -> ModuleType:
    """The module that generates reports of ``kind``."""
    return import_module(f"{__name__}.{MODULES[kind]}")
