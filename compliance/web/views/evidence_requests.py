"""The requester's pages of evidence requests: the list, a new request from a supplier's page, and
the review of an answer (accept, reject with a reason, cancel). And a linked provider's "Demandes
reçues": the requests its clients address to it, answered with a document it holds."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance import services
from compliance.models import Certificate, Evidence, EvidenceRequest, EvidenceRequestStatus, Supplier
from compliance.services import evidence_requests as request_services
from compliance.web.request_forms import AcceptForm, EvidenceRequestForm, RejectForm
from compliance.web.views._shared import REFUSALS, _actor, _refused
from hds_platform.forms import add_service_error
from hds_platform.params import parse_id
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
        EvidenceRequest.objects.select_related("supplier", "certificate", "evidence", "addressed_organisation"), pk=pk)
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


# A linked provider's inbox ---------------------------------------------------------------------


@organisation_view(Perm.READ)
@require_GET
def incoming_request_list(request):
    requests = request_services.inbox(request.organisation)
    status = request.GET.get("etat", "")
    if status in EvidenceRequestStatus.values:
        requests = requests.filter(status=status)
    return render(request, "compliance/incoming_request_list.html", {
        "section": "evidence_requests", "requests": requests, "statuses": EvidenceRequestStatus.choices,
        "status": status, "today": timezone.localdate(),
    })


@organisation_view(Perm.READ)
@require_GET
def incoming_request_detail(request, pk):
    evidence_request = request_services.inbox(request.organisation).filter(pk=pk).first()
    if evidence_request is None:
        raise Http404
    return render(request, "compliance/incoming_request_detail.html", {
        "section": "evidence_requests", "evidence_request": evidence_request,
        "answerable": evidence_request.is_open and evidence_request.link_expires_at > timezone.now(),
        "documents": request_services.documents_held(request.organisation, evidence_request.kinds),
    })


@login_required
@require_POST
def incoming_request_answer(request, org, pk):
    """The answer is written on both sides of the link, each in its own organisation's context:
    the form is read in the provider's, then the service runs outside it."""
    prepared = _answer_fields(request, org, pk)
    if not isinstance(prepared, dict):
        return prepared
    try:
        services.incoming_evidence_request_answer(request_id=pk, actor=_actor(request), **prepared)
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Document transmis : le client va l'examiner."))
    return redirect("compliance:incoming-evidence-request-detail", org=org, pk=pk)


@organisation_view(Perm.WRITE)
def _answer_fields(request, pk):
    if request_services.addressed_to(request.organisation, pk) is None:
        raise Http404
    evidence = None
    if request.POST.get("evidence"):
        evidence_id = parse_id(request.POST["evidence"])
        evidence = Evidence.objects.filter(pk=evidence_id).first() if evidence_id else None
        if evidence is None:
            messages.error(request, _("Objet introuvable."))
            return redirect("compliance:incoming-evidence-request-detail", org=request.organisation.slug, pk=pk)
    return {"provider": request.organisation, "evidence": evidence, "file": request.FILES.get("file"),
            "kind": request.POST.get("kind") or None}
