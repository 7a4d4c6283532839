"""Suppliers' pages, with confirming or rejecting their match in the ANS registry."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance import selectors, services
from compliance.models import Certificate, Evidence, EvidenceRequest, Supplier
from compliance.web import pages
from compliance.web.filters import SupplierFilter, ordered
from compliance.web.forms import SupplierForm
from compliance.web.views._shared import REFUSALS, _actor, _refused
from hds_platform.forms import add_service_error
from hds_platform.params import parse_id
from hds_platform.roles import Perm
from hds_platform.web import organisation_view
from registry.models import CertifiedHost


@organisation_view(Perm.READ, page_cache=True)
@require_GET
def supplier_list(request):
    filters = SupplierFilter(request.GET or None, queryset=selectors.suppliers())
    return render(request, "compliance/supplier_list.html", {
        "section": "suppliers", "suppliers": ordered(filters, ("name", "id")), "filters": filters,
        "today": timezone.localdate(),
    })


SUPPLIER_INITIAL_FIELDS = ("name", "siren", "siret", "vat_number", "country", "subject_to_non_eu_law", "non_eu_laws",
                           "non_eu_law_mitigations", "transparency_url", "dpf_certified", "contact_email")


@organisation_view(Perm.WRITE)
@require_http_methods(["GET", "POST"])
def supplier_create(request):
    form = SupplierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            supplier = services.supplier_create(actor=_actor(request), **form.service_fields())
        except REFUSALS as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Fournisseur « %s » créé.") % supplier.name)
            return redirect("compliance:supplier-detail", org=request.organisation.slug, pk=supplier.pk)
    return render(request, "compliance/supplier_form.html", {"section": "suppliers", "form": form, "supplier": None},
                  status=400 if form.errors else 200)


@organisation_view(Perm.WRITE)
@require_http_methods(["GET", "POST"])
def supplier_edit(request, pk):
    supplier = get_object_or_404(Supplier.objects.all(), pk=pk)
    form = SupplierForm(request.POST or None,
                        initial={name: getattr(supplier, name) for name in SUPPLIER_INITIAL_FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            services.supplier_update(supplier=supplier, actor=_actor(request), **form.service_fields())
        except REFUSALS as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Fournisseur enregistré."))
            return redirect("compliance:supplier-detail", org=request.organisation.slug, pk=supplier.pk)
    return render(request, "compliance/supplier_form.html", {
        "section": "suppliers", "form": form, "supplier": supplier,
    }, status=400 if form.errors else 200)


@organisation_view(Perm.WRITE)
@require_POST
def supplier_delete(request, pk):
    supplier = get_object_or_404(Supplier.objects.all(), pk=pk)
    try:
        services.supplier_delete(supplier=supplier, actor=_actor(request))
    except REFUSALS as exc:
        _refused(request, exc)
        return redirect("compliance:supplier-detail", org=request.organisation.slug, pk=pk)
    messages.success(request, _("Fournisseur « %s » supprimé.") % supplier.name)
    return redirect("compliance:supplier-list", org=request.organisation.slug)


def _certificates(supplier: Supplier) -> list[Certificate]:
    return list(Certificate.objects.filter(supplier=supplier).select_related("evidence").order_by("-expires_on", "id"))


def _supplier_with_host(pk) -> Supplier:
    return get_object_or_404(selectors.suppliers(Supplier.objects.filter(pk=pk)))


@organisation_view(Perm.READ)
@require_GET
def supplier_detail(request, pk):
    supplier = _supplier_with_host(pk)
    return render(request, "compliance/supplier_detail.html", {
        "section": "suppliers", "supplier": supplier,
        "certificates": _certificates(supplier),
        "evidence": list(selectors.evidence(Evidence.objects.filter(supplier=supplier, superseded_by__isnull=True)
                                            .select_related("processing"))),
        "dependents": pages.processings_depending_on(supplier),
        "evidence_requests": list(EvidenceRequest.objects.filter(supplier=supplier).order_by("-created_at", "-id")),
        "today": timezone.localdate(),
    })


def _match_response(request, supplier_pk: int, message: str):
    if request.htmx:
        # The match and, swapped out of band, the certificates it copied from the list: no reload.
        supplier = _supplier_with_host(supplier_pk)
        response = render(request, "compliance/_registry_match.html", {"supplier": supplier, "notice": message})
        response.write(render_to_string("compliance/_supplier_certificates.html", {
            "supplier": supplier, "certificates": _certificates(supplier), "oob": True,
            "today": timezone.localdate()}, request=request))
        response["HX-Trigger"] = "registry-match-changed"
        return response
    messages.success(request, message)
    return redirect("compliance:supplier-detail", org=request.organisation.slug, pk=supplier_pk)


@organisation_view(Perm.WRITE)
@require_POST
def supplier_match_confirm(request, pk):
    supplier = get_object_or_404(Supplier.objects.all(), pk=pk)
    host = None
    if request.POST.get("host"):
        host_id = parse_id(request.POST["host"])
        host = CertifiedHost.objects.filter(pk=host_id).first() if host_id is not None else None
        if host is None:
            raise Http404
    try:
        supplier = services.supplier_registry_match_confirm(supplier=supplier, actor=_actor(request), host=host)
    except REFUSALS as exc:
        _refused(request, exc)
        return redirect("compliance:supplier-detail", org=request.organisation.slug, pk=pk)
    return _match_response(request, supplier.pk, _("Correspondance confirmée avec « %s » de la liste ANS.")
                           % supplier.registry_host.name)


@organisation_view(Perm.WRITE)
@require_POST
def supplier_match_reject(request, pk):
    supplier = get_object_or_404(Supplier.objects.all(), pk=pk)
    try:
        services.supplier_registry_match_reject(supplier=supplier, actor=_actor(request))
    except REFUSALS as exc:
        _refused(request, exc)
        return redirect("compliance:supplier-detail", org=request.organisation.slug, pk=pk)
    return _match_response(request, supplier.pk, _("Correspondance rejetée : cet hébergeur ne sera plus suggéré."))
