"""The public upload page of an evidence request (``/depot/<token>/``): no account, the link is
the credential.

``GET`` shows what is asked and the form; ``POST`` (multipart ``file``, and ``kind`` when several
kinds were asked) stores the document for the requester's review. The same URL answers JSON to a
client that asks for it (``Accept: application/json``). The page speaks the language the
requester chose for the contact, unless the visitor picked one with the language switcher.

CSRF protection is off for this view only: it guards a session's ambient authority, and this
page uses none (no login, no cookie grants anything); the secret link is the only credential, and
a forged request would need it.
"""

from __future__ import annotations

from contextlib import nullcontext

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from compliance import services
from compliance.models import EvidenceKind, Supplier
from compliance.services.evidence_requests import LinkRefused, check_link, find_by_link
from compliance.web.request_forms import PublicUploadForm
from hds_platform.errors import ServiceError
from hds_platform.forms import add_service_error
from hds_platform.tenancy import organisation_context


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _private(response):
    # The URL holds the secret: never sent on to another site, never cached, never indexed.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def evidence_request_upload(request, token):
    try:
        found = find_by_link(token)
        check_link(found)
    except LinkRefused as refused:
        return _refused_link(request, refused)
    language = None if settings.LANGUAGE_COOKIE_NAME in request.COOKIES else found.language
    with translation.override(language) if language else nullcontext():
        return _private(_upload(request, token, found))


def _refused_link(request, refused: LinkRefused):
    status = 404 if refused.code == "evidence_request_link_invalid" else 410
    if _wants_json(request):
        return _private(JsonResponse({"code": refused.code, "message": refused.message}, status=status))
    return _private(render(request, "compliance/evidence_request_upload.html", {"refused": refused}, status=status))


def _upload(request, token, found):
    with organisation_context(found.organisation):
        supplier_name = Supplier.objects.values_list("name", flat=True).get(pk=found.supplier_id)
    form = PublicUploadForm(request.POST or None, request.FILES or None, kinds=found.kinds)
    context = {"found": found, "organisation_name": found.organisation.name, "supplier_name": supplier_name,
               "kind_labels": [EvidenceKind(kind).label for kind in found.kinds], "form": form}
    if request.method == "POST":
        if form.is_valid():
            try:
                submitted = services.evidence_request_submit(raw_token=token, file=form.cleaned_data["file"],
                                                             kind=form.cleaned_data.get("kind"))
            except LinkRefused as refused:
                return _refused_link(request, refused)
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                if _wants_json(request):
                    return JsonResponse({"status": submitted.status, "kind": submitted.submitted_kind,
                                         "sha256": submitted.submitted_sha256, "size": submitted.submitted_size,
                                         "content_type": submitted.submitted_content_type}, status=201)
                return render(request, "compliance/evidence_request_upload.html",
                              {**context, "submitted": submitted}, status=201)
        if _wants_json(request):
            errors = {name: [{"code": error.code or "invalid", "message": " ".join(error.messages)}
                             for error in field_errors.as_data()] for name, field_errors in form.errors.items()}
            first = next(iter(errors.values()))[0]
            return JsonResponse({"code": first["code"], "message": first["message"], "errors": errors}, status=400)
        return render(request, "compliance/evidence_request_upload.html", context, status=400)
    return render(request, "compliance/evidence_request_upload.html", context)
