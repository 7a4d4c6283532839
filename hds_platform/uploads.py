"""Bounded requests: no body larger than what its path accepts is read, nor any file written.

Two walls, both before a view runs:

* :class:`RequestSizeLimitMiddleware` refuses, from the ``Content-Length`` header alone, a body
  larger than ``REQUEST_MAX_BYTES`` (multipart: the largest file accepted plus the form around
  it) or than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (every other body: JSON, forms). Nothing is read.
  Under WSGI the body is the ``Content-Length`` bytes and no more, so the header cannot lie
  upwards; the second wall covers a client that sends less than it announced.
* :class:`UploadSizeLimitHandler`, first of ``FILE_UPLOAD_HANDLERS``, counts each file's bytes
  as they stream in and stops the request as soon as one passes the limit, before the next
  handler (memory or temporary file) receives the chunk. The limit is ``UPLOAD_MAX_FILE_BYTES``
  (the evidence limit), or ``request.upload_max_bytes`` when a view that accepts larger files
  sets it before the body is read (the registry import).

Both answer 413 with the stable code ``request_too_large`` (JSON under ``/api/``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

TOO_LARGE_CODE = "request_too_large"
NUL_BYTE_CODE = "nul_byte"


class UploadTooLarge(RequestDataTooBig):
    """A file of the request passed its size limit while it was streaming in."""


def too_large_response(request, limit: int) -> HttpResponse:
    message = _("La requête dépasse la taille maximale acceptée (%(max)s octets).") % {"max": limit}
    return error_response(request, 413, TOO_LARGE_CODE, message)


def error_response(request, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": code, "message": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def bad_request(request, exception=None):
    """``handler400``: a body stopped for its size answers 413 with its code, like the API."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.REQUEST_MAX_BYTES if _is_multipart(request) else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if isinstance(exception, UploadTooLarge):
            limit = getattr(request, "upload_max_bytes", None) or settings.UPLOAD_MAX_FILE_BYTES
        return too_large_response(request, limit)
    return defaults.bad_request(request, exception)


def _is_multipart(request) -> bool:
    return request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/")


class RequestSizeLimitMiddleware:
    """Refuses an oversized body before anything reads it, and a NUL byte in the query string
    (PostgreSQL cannot store or compare text holding one: a search would fail with a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.REQUEST_MAX_BYTES if _is_multipart(request) else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return too_large_response(request, limit)
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            return error_response(request, 400, NUL_BYTE_CODE,
                                  _("Les paramètres de la requête ne peuvent pas contenir d'octet nul."))
        return self.get_response(request)


class UploadSizeLimitHandler(FileUploadHandler):
    """Stops the request as soon as one file passes its limit, before any handler after it
    stores the chunk (see the module docstring)."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    @property
    def limit(self) -> int:
        return getattr(self.request, "upload_max_bytes", None) or settings.UPLOAD_MAX_FILE_BYTES

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > settings.REQUEST_MAX_BYTES:
            raise UploadTooLarge(f"request body of {content_length} bytes over {settings.REQUEST_MAX_BYTES}")

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            raise UploadTooLarge(f"file {self.file_name!r} over {self.limit} bytes")
        return raw_data

    def file_complete(self, file_size):
        return None
