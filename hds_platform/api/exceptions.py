"""The one error envelope of the API: every error under ``/api/`` is a JSON object

    {"code": …, "message": …, "errors": {field: [{"code": …, "message": …}]}}

``code`` is stable and ``message`` is for a person, in the request's language; ``errors`` is
there when the error is about the values sent. Inside ``errors``:

- an error about the request as a whole (two fields that contradict each other, a name already
  taken) is listed under :data:`NON_FIELD_ERRORS`, whichever layer found it (a serializer, a
  model's ``full_clean()``, a service);
- an error about an item of a list is under the item's index, as a string, whatever the list
  holds: ``{"remote_access_countries": {"1": [...]}}``, ``{"transfers": {"0": {"country": [...]}}}``;
  an error about the list itself stays a list of errors (``[{"code": "duplicate_country", …}]``).

The top-level ``code`` is ``invalid`` when the values sent have errors, except in two cases where
one code says it all: ``unknown_fields`` when every error is a field the endpoint does not take,
and the error's own code (``duplicate_name``, ``chain_cycle``…) when the only error is about the
request as a whole.
"""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS as DJANGO_NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from hds_platform.errors import ServiceError
from hds_platform.uploads import TOO_LARGE_CODE

#: The key of errors about the request as a whole, in every error body.
NON_FIELD_ERRORS = api_settings.NON_FIELD_ERRORS_KEY
INVALID = "invalid"
UNKNOWN_FIELD = "unknown_field"
UNKNOWN_FIELDS = "unknown_fields"


def _key(name) -> str:
    return NON_FIELD_ERRORS if name == DJANGO_NON_FIELD_ERRORS else str(name)


def _field_errors(detail):
    """DRF's error detail in the envelope's shape (see the module docstring)."""
    if isinstance(detail, dict):
        return {_key(key): _field_errors(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail) for item in detail):
            return [{"code": item.code, "message": str(item)} for item in detail]
        # A ListSerializer answers one entry per item, empty for the items without errors.
        return {str(index): _field_errors(item) for index, item in enumerate(detail) if item}
    if isinstance(detail, exceptions.ErrorDetail):
        return [{"code": detail.code, "message": str(detail)}]
    return detail


def _leaves(errors, path=()):
    """(path, error) for every error of an ``errors`` tree."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(errors, list):
        for error in errors:
            yield path, error


def validation_body(errors: dict) -> dict:
    """The envelope of a request whose values have ``errors`` (already in the envelope's shape)."""
    leaves = list(_leaves(errors))
    if leaves and all(error["code"] == UNKNOWN_FIELD for _path, error in leaves):
        names = sorted(".".join(path) for path, _error in leaves)
        return {"code": UNKNOWN_FIELDS, "message": _("Champs inconnus : %s") % ", ".join(names), "errors": errors}
    if len(leaves) == 1 and leaves[0][0] == (NON_FIELD_ERRORS,):
        error = leaves[0][1]
        return {"code": error["code"], "message": error["message"], "errors": errors}
    return {"code": INVALID, "message": _("Les données envoyées ne sont pas valides."), "errors": errors}


def _django_validation_errors(exc: DjangoValidationError) -> dict:
    by_field = exc.error_dict.items() if hasattr(exc, "error_dict") else [(NON_FIELD_ERRORS, exc.error_list)]
    return {
        _key(field): [{"code": e.code or INVALID, "message": " ".join(e.messages)} for e in errs]
        for field, errs in by_field
    }


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        body = {"code": exc.code, "message": exc.message}
        if exc.field:
            body["errors"] = {exc.field: [{"code": exc.code, "message": exc.message}]}
        headers = {"Retry-After": str(exc.retry_after)} if getattr(exc, "retry_after", None) else None
        return Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, DjangoValidationError):
        return Response(validation_body(_django_validation_errors(exc)), status=status.HTTP_400_BAD_REQUEST)
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
        errors = _field_errors(exc.detail)
        response.data = validation_body(errors if isinstance(errors, dict) else {NON_FIELD_ERRORS: errors})
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"code": code, "message": str(detail)}
    return response
