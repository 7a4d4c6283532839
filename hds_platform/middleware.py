import re
import uuid

from hds_platform.request_meta import RequestMeta, reset_meta, set_meta

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Gives every request an id (kept from ``X-Request-ID`` when well-formed) and
    records it with the client address for the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = set_meta(RequestMeta(ip=request.META.get("REMOTE_ADDR") or None, request_id=request_id))
        try:
            response = self.get_response(request)
        finally:
            reset_meta(token)
        response["X-Request-ID"] = request_id
        return response
