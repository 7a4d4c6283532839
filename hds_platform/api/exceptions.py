"""JSON errors with a stable ``code``: ``{"code": …, "message": …, "errors": {field: [{code, message}]}}``."""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from hds_platform.errors import ServiceError
from hds_platform.uploads import TOO_LARGE_CODE


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {key: _field_errors(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail) for item in detail):
            return [{"code": item.code, "message": str(item)} for item in detail]
        return [_field_errors(item) for item in detail]
    if isinstance(detail, exceptions.ErrorDetail):
        return [{"code": detail.code, "message": str(detail)}]
    return detail


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        body = {"code": exc.code, "message": exc.message}
        if exc.field:
            body["errors"] = {exc.field: [{"code": exc.code, "message": exc.message}]}
        headers = {"Retry-After": str(exc.retry_after)} if getattr(exc, "retry_after", None) else None
        return Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, DjangoValidationError):
        by_field = exc.error_dict.items() if hasattr(exc, "error_dict") else [("non_field_errors", exc.error_list)]
        errors = {
            field: [{"code": e.code or "invalid", "message": " ".join(e.messages)} for e in errs]
            for field, errs in by_field
        }
        return Response({"code": "invalid", "message": _("Les données envoyées ne sont pas valides."),
                         "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        return Response({"code": TOO_LARGE_CODE, "message": _(
            "La requête dépasse la taille maximale acceptée (%(max)s octets).") % {"max": settings.REQUEST_MAX_BYTES}},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Introuvable."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "code": "invalid",
            "message": _("Les données envoyées ne sont pas valides."),
            "errors": _field_errors(exc.detail),
        }
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"code": code, "message": str(detail)}
    return response
