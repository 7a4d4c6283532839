"""``{% report_offer "register" %}``: the buttons that ask for a report, where the report belongs."""

from django import template

from compliance.reports.kinds import KINDS
from compliance.reports.models import ReportKind
from hds_platform.roles import Perm

register = template.Library()
KIND_LABELS = dict(ReportKind.choices)


@register.inclusion_tag("reports/_offer.html", takes_context=True)
def report_offer(context, kind: str, processing=None, supplier=None):
    """One button per format of ``kind`` (narrowed to ``processing`` or ``supplier``), for members who may
    export; the report's progress appears beside them."""
    organisation = context.get("current_organisation")
    return {
        "show": organisation is not None and Perm.EXPORT in context.get("org_perms", ()),
        "org": organisation.slug if organisation is not None else "",
        "kind": kind, "label": KIND_LABELS[kind], "formats": KINDS[kind].formats,
        "processing": processing, "supplier": supplier, "csrf_token": context.get("csrf_token"),
        "target": f"report-offer-{kind}-{getattr(processing, 'pk', '')}-{getattr(supplier, 'pk', '')}",
    }
