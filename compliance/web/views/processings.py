"""The processing register: a processing's pages, its diagram, its evaluation and its chain editor."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance import evaluation, selectors, services
from compliance.models import (
    Certificate,
    CertificateKind,
    ChainLink,
    ConformityStatusChange,
    Evidence,
    Processing,
    Supplier,
)
from compliance.web import pages
from compliance.web.filters import ProcessingFilter, ordered
from compliance.web.forms import ChainLinkForm, ProcessingForm
from compliance.web.views._shared import REFUSALS, _actor, _refused, registry_host_or_404
from hds_platform.errors import ServiceError
from hds_platform.forms import add_service_error
from hds_platform.roles import Perm
from hds_platform.web import organisation_view


def _english() -> bool:
    return (translation.get_language() or "fr").startswith("en")


@organisation_view(Perm.READ)
@require_GET
def processing_list(request):
    evaluation.refresh_due()
    links = (ChainLink.objects.filter(processing=OuterRef("pk")).order_by().values("processing")
             .annotate(n=Count("pk")).values("n"))
    filters = ProcessingFilter(request.GET or None,
                               queryset=selectors.processings().annotate(link_count=Coalesce(Subquery(links), 0)))
    return render(request, "compliance/processing_list.html", {
        "section": "processings", "processings": ordered(filters, ("name", "id")), "filters": filters,
    })


def _current_evidence():
    return Evidence.objects.filter(superseded_by__isnull=True).order_by("title", "id")


def _processing_initial(processing: Processing) -> dict:
    return {name: getattr(processing, name) for name in ProcessingForm.base_fields}


@organisation_view(Perm.WRITE)
@require_http_methods(["GET", "POST"])
def processing_create(request):
    form = ProcessingForm(request.POST or None, evidence=_current_evidence())
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
    form = ProcessingForm(request.POST or None, initial=_processing_initial(processing), evidence=_current_evidence())
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
    evaluation.refresh_due(processing_ids=[processing.pk])
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
    evaluation.refresh_due(processing_ids=[processing.pk])
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
        evidence=_current_evidence(),
        certificates=Certificate.objects.filter(kind=CertificateKind.HDS).select_related("supplier")
        .order_by("supplier__name", "-expires_on", "id"),
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
        evaluation.refresh_due(processing_ids=[processing.pk])
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
        "exemption_reason": link.exemption_reason, "exemption_evidence": str(link.exemption_evidence_id or ""),
        "certificates": [str(pk) for pk in link.certificates.values_list("id", flat=True)],
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


SUGGESTIONS = 8


@organisation_view(Perm.WRITE)
@require_GET
def chain_actor_search(request, pk):
    """The typeahead of the chain editor: the organisation's suppliers, then hosts of the ANS list
    that are not yet suppliers, whose name contains what was typed."""
    processing = get_object_or_404(Processing.objects.all(), pk=pk)
    query = " ".join(request.GET.get("acteur_recherche", "").split())
    suppliers, hosts = [], []
    if query:
        suppliers = list(Supplier.objects.filter(name__icontains=query).order_by("name", "id")[:SUGGESTIONS])
        known = set(Supplier.objects.filter(registry_host__isnull=False).values_list("registry_host_id", flat=True))
        hosts = [host for host in pages.registry_search(query) if host.pk not in known][:SUGGESTIONS]
    return render(request, "compliance/_actor_suggestions.html", {
        "processing": processing, "query": query, "suppliers": suppliers, "hosts": hosts,
        "exact": any(s.name.casefold() == query.casefold() for s in suppliers),
    })


def _editor_state(form: ChainLinkForm, data) -> dict:
    """What the person had already filled in the link form, to give it back unchanged."""
    return {name: field.widget.value_from_datadict(data, {}, name) for name, field in form.fields.items()}


@organisation_view(Perm.WRITE)
@require_POST
def chain_supplier_create(request, pk):
    """Create the link's supplier without leaving the editor: from a host of the ANS list (its match
    confirmed at once) or by name; the link form comes back as it was, the new supplier chosen."""
    processing = get_object_or_404(Processing.objects.all(), pk=pk)
    actor = _actor(request)
    form = _link_form(request, processing)
    try:
        if request.POST.get("registry_host"):
            supplier = services.supplier_create_from_registry(
                actor=actor, host=registry_host_or_404(request.POST["registry_host"]))
        else:
            supplier = services.supplier_create(actor=actor, name=request.POST.get("new_supplier_name", ""))
    except REFUSALS as exc:
        error = exc.message if isinstance(exc, ServiceError) else "; ".join(exc.messages)
        return _chain_editor(request, processing, error=error)
    initial = _editor_state(form, request.POST)
    initial["actor"] = str(supplier.pk)
    notice = _("Fournisseur « %s » créé et choisi comme acteur.") % supplier.name
    if not request.htmx:
        messages.success(request, notice)
        return redirect("compliance:chain-editor", org=request.organisation.slug, pk=pk)
    return _chain_editor(request, processing, _link_form(request, processing, initial=initial), notice=notice)
