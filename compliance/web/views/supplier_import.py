"""The supplier import page: upload a file, read the preview (what each row would do), apply.

The previewed file waits in the person's session (at most ``SUPPLIER_IMPORT_MAX_BYTES``), named
by its sha256: "Apply" sends that digest back, so exactly the file that was previewed is applied,
all or nothing, and the session forgets it afterwards."""

from __future__ import annotations

import base64
import hashlib

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from compliance import services
from compliance.services.supplier_import import ImportRefused
from compliance.web.request_forms import SupplierImportForm
from compliance.web.views._shared import REFUSALS, _actor
from hds_platform.forms import add_service_error
from hds_platform.roles import Perm
from hds_platform.web import organisation_view

SESSION_KEY = "supplier_import"


@organisation_view(Perm.WRITE)
@require_http_methods(["GET", "POST"])
def supplier_import(request):
    if request.method == "POST" and "apply" in request.POST:
        return _apply(request)
    form = SupplierImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            report = services.supplier_import(actor=_actor(request), data=data, filename=upload.name or "",
                                              dry_run=True)
        except REFUSALS as exc:
            add_service_error(form, exc)
        else:
            request.session[SESSION_KEY] = {"organisation": request.organisation.pk, "name": upload.name or "",
                                            "sha256": report["sha256"], "data": base64.b64encode(data).decode()}
    return _page(request, form, report, status=400 if form.errors else 200)


def _page(request, form, report, *, status=200, refused=False):
    return render(request, "compliance/supplier_import.html", {
        "section": "suppliers", "form": form, "report": report, "refused": refused,
    }, status=status)


def _apply(request):
    stored = request.session.get(SESSION_KEY) or {}
    data = base64.b64decode(stored.get("data", "")) if stored.get("organisation") == request.organisation.pk else b""
    if not data or hashlib.sha256(data).hexdigest() != request.POST.get("sha256"):
        messages.error(request, _("Ce fichier n'est plus en attente : envoyez-le à nouveau pour le prévisualiser."))
        return redirect("compliance:supplier-import", org=request.organisation.slug)
    try:
        report = services.supplier_import(actor=_actor(request), data=data, filename=stored.get("name", ""),
                                          dry_run=False)
    except ImportRefused as refused:
        return _page(request, SupplierImportForm(), refused.report, status=400, refused=True)
    except REFUSALS as exc:
        form = SupplierImportForm()
        add_service_error(form, exc)
        return _page(request, form, None, status=400)
    request.session.pop(SESSION_KEY, None)
    summary = report["summary"]
    messages.success(request, _("Import appliqué : %(created)s créé(s), %(updated)s mis à jour, %(unchanged)s "
                                "inchangé(s).") % summary)
    return redirect("compliance:supplier-list", org=request.organisation.slug)
