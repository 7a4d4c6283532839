"""HDS certificates' pages, the organisation's own and its suppliers'."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance import services
from compliance.models import Certificate, Supplier
from compliance.web.forms import CertificateDocumentForm, CertificateForm
from compliance.web.views._shared import REFUSALS, _actor, _refused
from hds_platform.forms import add_service_error
from hds_platform.roles import Perm
from hds_platform.web import organisation_view


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


@organisation_view(Perm.WRITE)
@require_http_methods(["GET", "POST"])
def certificate_document(request, pk):
    """File the copy of a certificate, one taken from the ANS list too, or a new version of it."""
    certificate = get_object_or_404(Certificate.objects.select_related("supplier", "evidence"), pk=pk)
    form = CertificateDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_attach_document(certificate=certificate, actor=_actor(request),
                                                 document=form.cleaned_data["document"])
        except REFUSALS as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Document du certificat enregistré."))
            if certificate.supplier_id:
                return redirect("compliance:supplier-detail", org=request.organisation.slug, pk=certificate.supplier_id)
            return redirect("compliance:certificate-list", org=request.organisation.slug)
    return render(request, "compliance/certificate_document.html", {
        "section": "certificates", "certificate": certificate, "form": form,
    }, status=400 if form.errors else 200)
