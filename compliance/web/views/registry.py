"""Searching the ANS registry of certified hosts."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from compliance.models import RegistryMatchStatus, Supplier
from compliance.web import pages
from hds_platform.params import parse_id
from hds_platform.roles import Perm
from hds_platform.web import organisation_view


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
    context = {"section": "registry", "query": query, "activity": activity, "hosts": hosts, "for_supplier": supplier,
               "match_status": RegistryMatchStatus}
    template = "compliance/_registry_results.html" if request.htmx else "compliance/registry_search.html"
    return render(request, template, context)
