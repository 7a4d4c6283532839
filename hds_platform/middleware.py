import re
import uuid

from hds_platform.request_meta import RequestMeta, client_address, reset_meta, set_meta

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Gives every request an id (kept from ``X-Request-ID`` when well-formed) and
    records it with the client address (behind ``TRUSTED_PROXY`` proxies) for the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        request.client_address = client_address(request)
        token = set_meta(RequestMeta(ip=request.client_address, request_id=request_id))
        try:
            response = self.get_response(request)
        finally:
            reset_meta(token)
        response["X-Request-ID"] = request_id
        return response


class ApiCacheControlMiddleware:
    """API answers hold an organisation's data: no shared cache may keep them.

    Every ``/api/`` response without its own ``Cache-Control`` becomes ``private``, and
    ``private, no-cache`` when it carries an ``ETag`` (the client revalidates with
    ``If-None-Match`` before reusing it). Downloads set ``no-store`` themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/") and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-cache" if response.has_header("ETag") else "private"
        return response
