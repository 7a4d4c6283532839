"""The requester's pages of evidence requests: the list, a new request from a supplier's page, and
the review of an answer (accept, reject with a reason, cancel)."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance import services
from compliance.models import Certificate, EvidenceRequest, EvidenceRequestStatus, Supplier
from compliance.web.request_forms import AcceptForm, EvidenceRequestForm, RejectForm
from compliance.web.views._shared import REFUSALS, _actor, _refused
from hds_platform.forms import add_service_error
from hds_platform.roles import Perm
from hds_platform.web import organisation_view


@organisation_view(Perm.READ)
@require_GET
def evidence_request_list(request):
    requests = EvidenceRequest.objects.select_related("supplier").order_by("-created_at", "-id")
    status = request.GET.get("etat", "")
    if status in EvidenceRequestStatus.values:
        requests = requests.filter(status=status)
    return render(request, "compliance/evidence_request_list.html", {
        "section": "evidence_requests", "requests": requests, "statuses": EvidenceRequestStatus.choices,
        "status": status, "today": timezone.localdate(),
    })


@organisation_view(Perm.WRITE)
@require_http_methods(["GET", "POST"])
def evidence_request_create(request, pk):
    supplier = get_object_or_404(Supplier.objects.all(), pk=pk)
    certificates = list(Certificate.objects.filter(supplier=supplier).order_by("-expires_on", "id"))
    form = EvidenceRequestForm(request.POST or None, certificates=certificates,
                               initial={"contact_email": supplier.contact_email})
    if request.method == "POST" and form.is_valid():
        try:
            created, _raw = services.evidence_request_create(actor=_actor(request), supplier=supplier,
                                                             **form.service_fields())
        except REFUSALS as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Demande envoyée à %s.") % created.contact_email)
            return redirect("compliance:evidence-request-detail", org=request.organisation.slug, pk=created.pk)
    return render(request, "compliance/evidence_request_form.html", {
        "section": "evidence_requests", "form": form, "supplier": supplier,
    }, status=400 if form.errors else 200)


@organisation_view(Perm.READ)
@require_GET
def evidence_request_detail(request, pk):
    evidence_request = get_object_or_404(
        EvidenceRequest.objects.select_related("supplier", "certificate", "evidence"), pk=pk)
    return render(request, "compliance/evidence_request_detail.html", {
        "section": "evidence_requests", "evidence_request": evidence_request,
        "accept_form": AcceptForm(), "reject_form": RejectForm(), "today": timezone.localdate(),
    })


def _back(request, pk):
    return redirect("compliance:evidence-request-detail", org=request.organisation.slug, pk=pk)


@organisation_view(Perm.WRITE)
@require_POST
def evidence_request_accept(request, pk):
    evidence_request = get_object_or_404(EvidenceRequest.objects.all(), pk=pk)
    form = AcceptForm(request.POST)
    if form.is_valid():
        try:
            services.evidence_request_accept(request=evidence_request, actor=_actor(request),
                                             **{key: value for key, value in form.cleaned_data.items() if value})
        except REFUSALS as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Document accepté : il figure désormais parmi les pièces du fournisseur."))
    else:
        messages.error(request, _("Vérifiez les dates saisies."))
    return _back(request, pk)


@organisation_view(Perm.WRITE)
@require_POST
def evidence_request_reject(request, pk):
    evidence_request = get_object_or_404(EvidenceRequest.objects.all(), pk=pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez le motif du refus : il est transmis au contact."))
        return _back(request, pk)
    try:
        services.evidence_request_reject(request=evidence_request, actor=_actor(request),
                                         reason=form.cleaned_data["reason"])
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Document refusé : le contact a reçu le motif et un nouveau lien."))
    return _back(request, pk)


@organisation_view(Perm.WRITE)
@require_POST
def evidence_request_cancel(request, pk):
    evidence_request = get_object_or_404(EvidenceRequest.objects.all(), pk=pk)
    try:
        services.evidence_request_cancel(request=evidence_request, actor=_actor(request))
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Demande annulée : son lien ne fonctionne plus."))
    return _back(request, pk)


@organisation_view(Perm.READ)
@require_GET
def evidence_request_file(request, pk):
    evidence_request = get_object_or_404(EvidenceRequest.objects.all(), pk=pk)
    if not evidence_request.submitted_file:
        raise Http404
    try:
        handle = default_storage.open(evidence_request.submitted_file, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=evidence_request.submitted_name,
                            content_type=evidence_request.submitted_content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
