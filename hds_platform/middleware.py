import re
import uuid

from csp.constants import HEADER as CSP_HEADER
from csp.constants import HEADER_REPORT_ONLY as CSP_HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from hds_platform.request_meta import RequestMeta, client_address, reset_meta, set_meta

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Gives every request an id (kept from ``X-Request-ID`` when well-formed) and
    records it with the client address (behind ``TRUSTED_PROXY`` proxies) for the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id(request)
        request.client_address = client_address(request)
        token = set_meta(RequestMeta(ip=request.client_address, request_id=request.request_id))
        try:
            response = self.get_response(request)
        finally:
            reset_meta(token)
        response["X-Request-ID"] = request.request_id
        return response


def request_id(request) -> str:
    """The request's id: its ``X-Request-ID`` when well-formed, else a new one."""
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    return incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


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


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy of a response that changes nothing built once.

    django-csp rebuilds both headers on every response (two ``build_policy`` over a
    ``dataclasses.asdict``): a fifth of the middleware's cost on a small API answer. The header of
    a response that used no nonce and carries no per-view override (``csp_update`` and the like)
    depends on the settings alone, so it is built once and reused; any other response goes
    through django-csp as before. The headers are the same bytes either way.
    """

    _PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro",
                     "_csp_replace_ro", "_csp_exempt", "_csp_exempt_ro")
    _policies: tuple[str, str] | None = None

    def process_response(self, request, response):
        if (getattr(request, "_csp_nonce", None) is not None
                or any(hasattr(response, name) for name in self._PER_RESPONSE)
                or (settings.DEBUG and response.status_code in (500, 404))
                or _csp_excluded_prefixes()):
            return super().process_response(request, response)
        policies = ContentSecurityPolicyMiddleware._policies
        if policies is None:
            policies = ContentSecurityPolicyMiddleware._policies = (
                build_policy(), build_policy(report_only=True))
        csp, csp_ro = policies
        if csp and CSP_HEADER not in response:
            response[CSP_HEADER] = csp
        if csp_ro and CSP_HEADER_REPORT_ONLY not in response:
            response[CSP_HEADER_REPORT_ONLY] = csp_ro
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


def _csp_excluded_prefixes() -> bool:
    return any((getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES")
               for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"))


@receiver(setting_changed)
def _forget_policies(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        ContentSecurityPolicyMiddleware._policies = None
