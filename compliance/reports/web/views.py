"""Reports in the web UI: ask for one where it belongs, follow its progress (HTMX polling), list and
download past reports."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from compliance.models import Processing, Supplier
from compliance.reports import services
from compliance.reports.api.views import report_file_response
from compliance.reports.kinds import KINDS
from compliance.reports.models import Report
from hds_platform.audit import Actor
from hds_platform.errors import ServiceError
from hds_platform.roles import Perm
from hds_platform.web import organisation_view

LIST_ROWS = 50


@organisation_view(Perm.READ)
@require_GET
def report_list(request):
    reports = list(Report.objects.select_related("processing", "supplier").order_by("-created_at", "-id")[:LIST_ROWS])
    return render(request, "reports/report_list.html", {"section": "reports", "reports": reports, "kinds": KINDS})


def _optional(model, value):
    return get_object_or_404(model.objects.all(), pk=value) if value else None


@organisation_view(Perm.EXPORT, write_perm=Perm.EXPORT)
@require_POST
def report_request(request):
    try:
        report = services.report_request(
            actor=Actor.for_user(request.user), kind=request.POST.get("kind", ""),
            format=request.POST.get("format", ""),
            processing=_optional(Processing, request.POST.get("processing", "").strip()),
            supplier=_optional(Supplier, request.POST.get("supplier", "").strip()),
        )
    except ServiceError as exc:
        if request.htmx:
            return render(request, "reports/_refused.html", {"message": exc.message}, status=400)
        messages.error(request, exc.message)
        return redirect("reports:report-list", org=request.organisation.slug)
    if request.htmx:
        return render(request, "reports/_progress.html", {"report": report}, status=202)
    messages.success(request, _("Rapport demandé : %s.") % report)
    return redirect("reports:report-list", org=request.organisation.slug)


@organisation_view(Perm.READ)
@require_GET
def report_status(request, pk):
    """The report's progress; polled by HTMX until it is done or failed."""
    report = get_object_or_404(Report.objects.all(), pk=pk)
    return render(request, "reports/_progress.html", {"report": report})


@organisation_view(Perm.EXPORT)
@require_GET
def report_download(request, pk):
    return report_file_response(get_object_or_404(Report.objects.all(), pk=pk))
