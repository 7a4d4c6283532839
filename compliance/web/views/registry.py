"""Searching the ANS registry of certified hosts."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from compliance import services
from compliance.models import RegistryMatchStatus, Supplier
from compliance.web import pages
from compliance.web.views._shared import REFUSALS, _actor, _refused, registry_host_or_404
from hds_platform.params import parse_id
from hds_platform.roles import Perm
from hds_platform.web import organisation_view
from registry.selectors import current_snapshot


@organisation_view(Perm.READ)
@require_GET
def registry_search(request):
    query = request.GET.get("q", "").strip()
    activity = request.GET.get("activite", "")
    activity = int(activity) if activity in {"1", "2", "3", "4", "5", "6"} else None
    supplier = None
    supplier_id = parse_id(request.GET.get("fournisseur", ""))
    if supplier_id is not None:
        supplier = Supplier.objects.filter(pk=supplier_id).first()
    hosts = pages.registry_search(query, activity) if query or activity else None
    if hosts:  # each host's supplier in the organisation, when one is already matched to it
        matched = dict(Supplier.objects.filter(registry_host__in=[host.pk for host in hosts],
                                               registry_match_status=RegistryMatchStatus.CONFIRMED)
                       .values_list("registry_host_id", "pk"))
        for host in hosts:
            host.our_supplier = matched.get(host.pk)
    context = {"section": "registry", "query": query, "activity": activity, "hosts": hosts, "for_supplier": supplier,
               "match_status": RegistryMatchStatus, "snapshot": None if request.htmx else current_snapshot()}
    template = "compliance/_registry_results.html" if request.htmx else "compliance/registry_search.html"
    return render(request, template, context)


@organisation_view(Perm.WRITE)
@require_POST
def supplier_from_registry(request):
    """"Add as supplier" on a host of the ANS list: the supplier, its match confirmed at once."""
    host = registry_host_or_404(request.POST.get("host", ""))
    try:
        supplier = services.supplier_create_from_registry(actor=_actor(request), host=host)
    except REFUSALS as exc:
        _refused(request, exc)
        return redirect("compliance:registry-search", org=request.organisation.slug)
    messages.success(request, _("Fournisseur « %s » ajouté, correspondance ANS confirmée.") % supplier.name)
    return redirect("compliance:supplier-detail", org=request.organisation.slug, pk=supplier.pk)
