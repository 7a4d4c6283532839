"""Evidence: the list with its upload form and expiry timeline, a hosting contract's checklist,
downloads and deletion."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance import selectors, services
from compliance.models import Evidence, EvidenceKind, Processing, Supplier
from compliance.web import pages
from compliance.web.filters import EvidenceFilter, ordered
from compliance.web.forms import ContractTermsForm, EvidenceForm
from compliance.web.views._shared import REFUSALS, _actor, _refused
from hds_platform.forms import add_service_error
from hds_platform.roles import Perm
from hds_platform.web import organisation_view


def _evidence_form(request, data=None, files=None, initial=None) -> EvidenceForm:
    return EvidenceForm(data, files, initial=initial, suppliers=Supplier.objects.order_by("name", "id"),
                        processings=Processing.objects.order_by("name", "id"))


@organisation_view(Perm.READ)
@require_http_methods(["GET", "POST"])
def evidence_list(request):
    today = timezone.localdate()
    status = 200
    if request.method == "POST":
        form = _evidence_form(request, request.POST, request.FILES)
        if form.is_valid():
            try:
                evidence = services.evidence_upload(actor=_actor(request), **form.service_fields())
            except REFUSALS as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Pièce « %s » déposée.") % evidence.title)
                # The next upload is often for the same supplier and of the same kind: keep them chosen.
                kept = urlencode({key: value for key, value in (
                    ("fournisseur", evidence.supplier_id or ""), ("traitement", evidence.processing_id or ""),
                    ("type", evidence.kind)) if value})
                return redirect(reverse("compliance:evidence-list", kwargs={"org": request.organisation.slug})
                                + f"?{kept}")
        status = 400
    else:
        form = _evidence_form(request, initial={
            "supplier": request.GET.get("fournisseur", ""), "processing": request.GET.get("traitement", ""),
            "kind": request.GET.get("type", ""),
        })
    filters = EvidenceFilter(request.GET or None, request=request, queryset=selectors.evidence(
        Evidence.objects.filter(superseded_by__isnull=True).select_related("supplier", "processing")))
    return render(request, "compliance/evidence_list.html", {
        "section": "evidence", "form": form, "today": today,
        "timeline": pages.expiry_timeline(today, request.organisation.name),
        "evidence": list(ordered(filters, ("-uploaded_at", "-id"))), "filters": filters,
    }, status=status)


@organisation_view(Perm.READ)
@require_GET
def evidence_download(request, pk):
    evidence = get_object_or_404(Evidence.objects.all(), pk=pk)
    response = FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name,
                            content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@organisation_view(Perm.WRITE)
@require_POST
def evidence_delete(request, pk):
    evidence = get_object_or_404(Evidence.objects.all(), pk=pk)
    try:
        services.evidence_delete(evidence=evidence, actor=_actor(request))
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Pièce « %s » supprimée.") % evidence.title)
    return redirect("compliance:evidence-list", org=request.organisation.slug)


@organisation_view(Perm.WRITE)
@require_http_methods(["GET", "POST"])
def evidence_contract(request, pk):
    """Check a hosting contract: which R.1111-11 clauses it contains, which locations it names."""
    evidence = get_object_or_404(Evidence.objects.filter(kind=EvidenceKind.HOSTING_CONTRACT,
                                                         superseded_by__isnull=True), pk=pk)
    form = ContractTermsForm(request.POST or None, initial={
        "contract_checked": evidence.contract_clauses is not None,
        "contract_clauses": evidence.contract_clauses or [], "contract_locations": evidence.contract_locations,
    })
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_update(evidence=evidence, actor=_actor(request), **form.service_fields())
        except REFUSALS as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Clauses du contrat « %s » enregistrées.") % evidence.title)
            return redirect("compliance:evidence-list", org=request.organisation.slug)
    return render(request, "compliance/evidence_contract.html", {
        "section": "evidence", "evidence": evidence, "form": form,
    }, status=400 if form.errors else 200)
