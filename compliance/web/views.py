"""The compliance pages of an organisation, under ``/o/<org>/``.

Reads go through ``compliance.selectors`` and ``compliance.web.pages``; every write calls a service
of ``compliance.services``. A form that works with HTMX also works as a plain POST followed by
a redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance import evaluation, selectors, services
from compliance.conformity.horizons import EXPIRY_HORIZON_DAYS
from compliance.models import (
    STATUS_LABELS,
    Certificate,
    ChainLink,
    ConformityStatus,
    ConformityStatusChange,
    Evidence,
    Processing,
    RegistryMatchStatus,
    Supplier,
)
from compliance.web import pages
from compliance.web.forms import CertificateForm, ChainLinkForm, EvidenceForm, ProcessingForm, SupplierForm
from hds_platform.audit import Actor
from hds_platform.errors import ServiceError
from hds_platform.forms import add_service_error
from hds_platform.roles import Perm
from hds_platform.web import organisation_view
from registry.models import CertifiedHost

REFUSALS = (ServiceError, ValidationError)


def _actor(request) -> Actor:
    return Actor.for_user(request.user)


def _english() -> bool:
    return (translation.get_language() or "fr").startswith("en")


def _refused(request, exc: ServiceError | ValidationError) -> None:
    text = exc.message if isinstance(exc, ServiceError) else "; ".join(exc.messages)
    messages.error(request, text)


# Dashboard -----------------------------------------------------------------------------------


@organisation_view(Perm.READ)
@require_GET
def dashboard(request):
    today = timezone.localdate()
    summary = selectors.conformity_summary(today=today)
    by_status = summary["by_status"]
    cards = [
        {"status": status, "label": STATUS_LABELS[status], "count": by_status[status or "not_evaluated"]}
        for status in (ConformityStatus.NON_COMPLIANT, ConformityStatus.INCOMPLETE, ConformityStatus.COMPLIANT,
                       ConformityStatus.NOT_APPLICABLE, "")
    ]
    return render(request, "compliance/dashboard.html", {
        "section": "dashboard",
        "summary": summary,
        "cards": cards,
        "needing_action": pages.processings_needing_action(),
        "expiring": pages.certificates_expiring(today),
        "expiry_horizon_days": EXPIRY_HORIZON_DAYS,
        "uncertified": list(selectors.suppliers(today=today).filter(certificates_valid=0)
                            .order_by("name", "id")[:pages.DASHBOARD_ROWS]),
        "today": today,
    })


# Processing register -------------------------------------------------------------------------


@organisation_view(Perm.READ)
@require_GET
def processing_list(request):
    links = (ChainLink.objects.filter(processing=OuterRef("pk")).order_by().values("processing")
             .annotate(n=Count("pk")).values("n"))
    processings = selectors.processings().annotate(link_count=Coalesce(Subquery(links), 0)).order_by("name", "id")
    return render(request, "compliance/processing_list.html", {
        "section": "processings", "processings": processings,
    })


def _processing_initial(processing: Processing) -> dict:
    return {name: getattr(processing, name) for name in ProcessingForm.base_fields}


@organisation_view(Perm.WRITE)
@require_http_methods(["GET", "POST"])
def processing_create(request):
    form = ProcessingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            processing = services.processing_create(actor=_actor(request), **form.service_fields())
        except REFUSALS as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Traitement « %s » créé. Décrivez maintenant sa chaîne d'hébergement.")
                             % processing.name)
            return redirect("compliance:chain-editor", org=request.organisation.slug, pk=processing.pk)
    return render(request, "compliance/processing_form.html", {
        "section": "processings", "form": form, "processing": None,
    }, status=400 if form.errors else 200)


@organisation_view(Perm.WRITE)
@require_http_methods(["GET", "POST"])
def processing_edit(request, pk):
    processing = get_object_or_404(Processing.objects.all(), pk=pk)
    form = ProcessingForm(request.POST or None, initial=_processing_initial(processing))
    if request.method == "POST" and form.is_valid():
        try:
            services.processing_update(processing=processing, actor=_actor(request), **form.service_fields())
        except REFUSALS as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Traitement enregistré."))
            return redirect("compliance:processing-detail", org=request.organisation.slug, pk=processing.pk)
    return render(request, "compliance/processing_form.html", {
        "section": "processings", "form": form, "processing": processing,
    }, status=400 if form.errors else 200)


@organisation_view(Perm.WRITE)
@require_POST
def processing_delete(request, pk):
    processing = get_object_or_404(Processing.objects.all(), pk=pk)
    try:
        services.processing_delete(processing=processing, actor=_actor(request))
    except REFUSALS as exc:
        _refused(request, exc)
        return redirect("compliance:processing-detail", org=request.organisation.slug, pk=pk)
    messages.success(request, _("Traitement « %s » supprimé.") % processing.name)
    return redirect("compliance:processing-list", org=request.organisation.slug)


@organisation_view(Perm.READ)
@require_GET
def processing_detail(request, pk):
    processing = get_object_or_404(Processing.objects.all(), pk=pk)
    chain = pages.chain_view(processing, request.organisation.name, english=_english())
    history = list(ConformityStatusChange.objects.filter(processing=processing)[:5])
    evidence = list(selectors.evidence(Evidence.objects.filter(processing=processing, superseded_by__isnull=True)))
    return render(request, "compliance/processing_detail.html", {
        "section": "processings", "processing": processing, "chain": chain, "history": history,
        "evidence": evidence,
    })


@organisation_view(Perm.READ)
@require_GET
def processing_diagram(request, pk):
    """The diagram and its findings alone: the chain editor reloads it after each change."""
    processing = get_object_or_404(Processing.objects.all(), pk=pk)
    chain = pages.chain_view(processing, request.organisation.name, english=_english())
    return render(request, "compliance/_chain_diagram.html", {"processing": processing, "chain": chain})


@organisation_view(Perm.WRITE)
@require_POST
def processing_evaluate(request, pk):
    processing = get_object_or_404(Processing.objects.all(), pk=pk)
    evaluation.evaluate_processing(processing, force=True)
    messages.success(request, _("Conformité réévaluée."))
    return redirect("compliance:processing-detail", org=request.organisation.slug, pk=pk)


# Chain editor --------------------------------------------------------------------------------


def _link_form(request, processing, data=None, *, link=None, initial=None) -> ChainLinkForm:
    links = [candidate for candidate in ChainLink.objects.filter(processing=processing).select_related("supplier")
             .order_by("id") if link is None or candidate.pk != link.pk]
    return ChainLinkForm(
        data, initial=initial, organisation_name=request.organisation.name,
        suppliers=Supplier.objects.order_by("name", "id"), links=links,
        evidence=Evidence.objects.filter(superseded_by__isnull=True).order_by("title", "id"),
        prefix=None if link is None else f"link-{link.pk}",
    )


def _chain_editor(request, processing, form=None, status=200, error="", notice=""):
    context = {
        "section": "processings", "processing": processing, "error": error, "notice": notice,
        "links": list(ChainLink.objects.filter(processing=processing).select_related("supplier", "parent__supplier")
                      .order_by("id")),
        "form": form or _link_form(request, processing, initial={"stores_health_data": True,
                                                                 "storage_countries": "FR"}),
    }
    if request.htmx:  # htmx focuses it once swapped in, so keyboard users keep their place
        context["form"].fields["actor"].widget.attrs["autofocus"] = True
    template = "compliance/_chain_editor.html" if request.htmx else "compliance/chain_editor.html"
    if not request.htmx:
        context["chain"] = pages.chain_view(processing, request.organisation.name, english=_english())
    return render(request, template, context, status=status)


def _chain_changed(response: HttpResponse) -> HttpResponse:
    response["HX-Trigger"] = "chain-changed"
    return response


@organisation_view(Perm.READ)
@require_http_methods(["GET", "POST"])
def chain_editor(request, pk):
    processing = get_object_or_404(Processing.objects.all(), pk=pk)
    if request.method == "GET":
        return _chain_editor(request, processing)
    form = _link_form(request, processing, request.POST)
    if form.is_valid():
        try:
            services.chain_link_create(actor=_actor(request), processing=processing, **form.service_fields())
        except REFUSALS as exc:
            add_service_error(form, exc)
        else:
            if request.htmx:
                return _chain_changed(_chain_editor(request, processing, notice=_("Maillon ajouté.")))
            messages.success(request, _("Maillon ajouté."))
            return redirect("compliance:chain-editor", org=request.organisation.slug, pk=pk)
    return _chain_editor(request, processing, form, status=400 if not request.htmx else 200)


@organisation_view(Perm.WRITE)
@require_http_methods(["GET", "POST"])
def chain_link_edit(request, pk, link_pk):
    processing = get_object_or_404(Processing.objects.all(), pk=pk)
    link = get_object_or_404(ChainLink.objects.filter(processing=processing), pk=link_pk)
    initial = {
        "actor": str(link.supplier_id) if link.supplier_id else ChainLinkForm.SELF,
        "parent": str(link.parent_id or ""), "activities": sorted(link.activities),
        "stores_health_data": link.stores_health_data, "storage_countries": link.storage_countries,
        "remote_access": link.remote_access, "is_backup": link.is_backup,
        "exempt_under_parent": link.exempt_under_parent, "exemption_evidence": str(link.exemption_evidence_id or ""),
    }
    form = _link_form(request, processing, request.POST or None, link=link, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.chain_link_update(link=link, actor=_actor(request), **form.service_fields())
        except REFUSALS as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Maillon enregistré."))
            return redirect("compliance:chain-editor", org=request.organisation.slug, pk=pk)
    return render(request, "compliance/chain_link_form.html", {
        "section": "processings", "processing": processing, "link": link, "form": form,
        "actor_name": pages.actor_name(link, request.organisation.name),
    }, status=400 if form.errors else 200)


@organisation_view(Perm.WRITE)
@require_POST
def chain_link_delete(request, pk, link_pk):
    processing = get_object_or_404(Processing.objects.all(), pk=pk)
    link = get_object_or_404(ChainLink.objects.filter(processing=processing), pk=link_pk)
    try:
        services.chain_link_delete(link=link, actor=_actor(request))
    except REFUSALS as exc:
        if request.htmx:
            return _chain_editor(request, processing, error=exc.message if isinstance(exc, ServiceError)
                                 else "; ".join(exc.messages))
        _refused(request, exc)
        return redirect("compliance:chain-editor", org=request.organisation.slug, pk=pk)
    if request.htmx:
        return _chain_changed(_chain_editor(request, processing, notice=_("Maillon retiré.")))
    messages.success(request, _("Maillon retiré."))
    return redirect("compliance:chain-editor", org=request.organisation.slug, pk=pk)


# Suppliers -----------------------------------------------------------------------------------


@organisation_view(Perm.READ)
@require_GET
def supplier_list(request):
    return render(request, "compliance/supplier_list.html", {
        "section": "suppliers", "suppliers": selectors.suppliers().order_by("name", "id"),
        "today": timezone.localdate(),
    })


SUPPLIER_INITIAL_FIELDS = ("name", "siren", "siret", "vat_number", "country", "subject_to_non_eu_law", "non_eu_laws",
                           "non_eu_law_mitigations", "transparency_url")


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


def _supplier_with_host(pk) -> Supplier:
    return get_object_or_404(selectors.suppliers(Supplier.objects.filter(pk=pk)))


@organisation_view(Perm.READ)
@require_GET
def supplier_detail(request, pk):
    supplier = _supplier_with_host(pk)
    return render(request, "compliance/supplier_detail.html", {
        "section": "suppliers", "supplier": supplier,
        "certificates": list(Certificate.objects.filter(supplier=supplier).select_related("evidence")
                             .order_by("-expires_on", "id")),
        "evidence": list(selectors.evidence(Evidence.objects.filter(supplier=supplier, superseded_by__isnull=True)
                                            .select_related("processing"))),
        "dependents": pages.processings_depending_on(supplier),
        "today": timezone.localdate(),
    })


def _match_response(request, supplier_pk: int, message: str):
    if request.htmx:
        supplier = _supplier_with_host(supplier_pk)
        response = render(request, "compliance/_registry_match.html", {"supplier": supplier, "notice": message})
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
        host = CertifiedHost.objects.filter(pk=request.POST["host"]).first()
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


# Certificates --------------------------------------------------------------------------------


@organisation_view(Perm.READ)
@require_GET
def certificate_list(request):
    return render(request, "compliance/certificate_list.html", {
        "section": "certificates",
        "own": list(Certificate.objects.filter(supplier__isnull=True).select_related("evidence")
                    .order_by("-expires_on", "id")),
        "suppliers": list(Certificate.objects.filter(supplier__isnull=False).select_related("supplier", "evidence")
                          .order_by("supplier__name", "-expires_on", "id")),
        "today": timezone.localdate(),
    })


@organisation_view(Perm.WRITE)
@require_http_methods(["GET", "POST"])
def certificate_create(request):
    suppliers = list(Supplier.objects.order_by("name", "id"))
    holder = request.GET.get("fournisseur", CertificateForm.SELF)
    form = CertificateForm(request.POST or None, request.FILES or None, suppliers=suppliers,
                           initial={"holder": holder})
    if request.method == "POST" and form.is_valid():
        document = form.cleaned_data["document"]
        try:
            if document is None:
                certificate = services.certificate_create(actor=_actor(request), **form.service_fields())
            else:
                certificate = services.certificate_create_with_document(actor=_actor(request), document=document,
                                                                        **form.service_fields())
        except REFUSALS as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Certificat enregistré."))
            if certificate.supplier_id:
                return redirect("compliance:supplier-detail", org=request.organisation.slug, pk=certificate.supplier_id)
            return redirect("compliance:certificate-list", org=request.organisation.slug)
    return render(request, "compliance/certificate_form.html", {"section": "certificates", "form": form},
                  status=400 if form.errors else 200)


@organisation_view(Perm.WRITE)
@require_POST
def certificate_delete(request, pk):
    certificate = get_object_or_404(Certificate.objects.all(), pk=pk)
    supplier_id = certificate.supplier_id
    try:
        services.certificate_delete(certificate=certificate, actor=_actor(request))
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Certificat supprimé."))
    if supplier_id:
        return redirect("compliance:supplier-detail", org=request.organisation.slug, pk=supplier_id)
    return redirect("compliance:certificate-list", org=request.organisation.slug)


# Evidence ------------------------------------------------------------------------------------


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
                return redirect("compliance:evidence-list", org=request.organisation.slug)
        status = 400
    else:
        form = _evidence_form(request, initial={
            "supplier": request.GET.get("fournisseur", ""), "processing": request.GET.get("traitement", ""),
            "kind": request.GET.get("type", ""),
        })
    return render(request, "compliance/evidence_list.html", {
        "section": "evidence", "form": form, "today": today,
        "timeline": pages.expiry_timeline(today, request.organisation.name),
        "evidence": list(selectors.evidence(Evidence.objects.filter(superseded_by__isnull=True)
                                            .select_related("supplier", "processing"))),
    }, status=status)


@organisation_view(Perm.READ)
@require_GET
def evidence_download(request, pk):
    evidence = get_object_or_404(Evidence.objects.all(), pk=pk)
    response = FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name,
                            content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
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


# Registry search -----------------------------------------------------------------------------


@organisation_view(Perm.READ)
@require_GET
def registry_search(request):
    query = request.GET.get("q", "").strip()
    activity = request.GET.get("activite", "")
    activity = int(activity) if activity in {"1", "2", "3", "4", "5", "6"} else None
    supplier = None
    if request.GET.get("fournisseur", "").isdigit():
        supplier = Supplier.objects.filter(pk=request.GET["fournisseur"]).first()
    hosts = pages.registry_search(query, activity) if query or activity else None
    context = {"section": "registry", "query": query, "activity": activity, "hosts": hosts, "for_supplier": supplier,
               "match_status": RegistryMatchStatus}
    template = "compliance/_registry_results.html" if request.htmx else "compliance/registry_search.html"
    return render(request, template, context)
