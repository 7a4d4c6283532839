"""One module per kind of report, each with two steps.

``load(report)`` reads what the report states, inside the organisation's context (one
transaction, a constant number of queries); ``write(data, out, fmt, progress)`` turns it into the
file, outside any transaction, reporting its progress.
"""

from compliance.reports.generation import conformity, evidence_pack, register, suppliers
from compliance.reports.models import ReportKind

GENERATORS = {
    ReportKind.CONFORMITY: conformity,
    ReportKind.REGISTER: register,
    ReportKind.SUPPLIERS: suppliers,
    ReportKind.EVIDENCE_PACK: evidence_pack,
}
