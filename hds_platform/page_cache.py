"""Pages a person already saw, answered from the cache before the rest of the middleware runs.

The web counterpart of the API's front door (:class:`hds_platform.response_cache.FrontDoorMiddleware`).
A page opts in with ``organisation_view(…, page_cache=True)``. Its ``GET`` is answered from the
cache only when a few reads prove everything the whole stack would check:

* the login session (its ``sessionid`` cookie): found and not expired in the session table,
  signed, naming the model backend, neither idle nor over its lifetime, its last-seen stamp not
  due to be written, no second factor pending, no message waiting;
* the person (one prepared query, :func:`hds_platform.crossing.page_caller`): active, the
  session's password hash still theirs, the second-factor device the session names still theirs
  and confirmed (staff, and organisations that require it, need one), a member of the
  organisation in the URL;
* a CSRF cookie already set, so that the page's forms carry a token of it.

The page is filed under what decides its bytes: the person's row (but the password), whether the
second factor was entered, every organisation they belong to with their role and its data
generation (the switcher lists them all), the ANS list's generation, the day, the language, the
URL (host included), the code version. Whatever changes a page has moved one of these. A page is
only ever filed by the whole stack, which checked these inputs once more and answered ``200``
without touching the session or leaving a message; it is kept with the headers the whole
middleware gave it, less those of one request. Its CSRF tokens are kept as a placeholder and
served as a fresh mask of the caller's own secret, with the cookie renewed as Django's middleware
renews it; a page that used a CSP nonce is never kept.

Anything else goes the whole way: no session or an expired one, HTMX requests (fragments), a
person to be sent to their second factor, a stamp to write, a miss, Redis down.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import Http404, HttpResponse
from django.http.response import ResponseHeaders
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    CsrfViewMiddleware,
    _unmask_cipher_token,
    get_token,
)
from django.urls import resolve
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from hds_platform import crossing
from hds_platform.accounts import sessions
from hds_platform.middleware import request_id
from hds_platform.response_cache import code_version, enabled, first_statement

NAMESPACE = "maillon:page"
SESSION_ENGINE = "django.contrib.sessions.backends.db"
#: Where the CSRF tokens of a kept page were; never produced by a template (NUL bytes).
CSRF_PLACEHOLDER = b"\x00maillon-csrf-token\x00"
_MASKED_TOKEN = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{%d}(?![A-Za-z0-9])" % (2 * CSRF_SECRET_LENGTH))
#: Headers of one request, set afresh on every answer.
_PER_REQUEST_HEADERS = frozenset({"x-request-id", "date", "set-cookie"})
_CSRF = CsrfViewMiddleware(lambda request: None)


@dataclass(frozen=True)
class StoredPage:
    content: bytes
    headers: tuple[tuple[str, str], ...]
    #: Whether the whole stack renewed the CSRF cookie (the page used a token).
    renews_csrf_cookie: bool


@functools.lru_cache(maxsize=4096)
def _kept_route(path: str) -> str | None:
    """The organisation's slug when ``path`` leads to a page that is kept in the cache."""
    try:
        match = resolve(path)
    except Http404:
        return None
    if not getattr(match.func, "page_cache", False):
        return None
    return match.kwargs.get("org")


_ALLOWED = frozenset(CSRF_ALLOWED_CHARS)


def _secret(value: str | None) -> str | None:
    """The CSRF cookie's secret when it has the form Django issues today (no legacy mask)."""
    if value and len(value) == CSRF_SECRET_LENGTH and set(value) <= _ALLOWED:
        return value
    return None


@functools.lru_cache(maxsize=16)
def _device_model(label: str):
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    return model if issubclass(model, Device) else None


def _device(session) -> tuple[type, int] | bool | None:
    """The second-factor device the session names (its model and id), None when it names none,
    False when it names one this door does not read."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return None
    label, _slash, device_id = str(persistent_id).rpartition("/")
    model = _device_model(label) if label.count(".") == 1 else None
    if model is None or not device_id.isdigit():
        return False
    return model, int(device_id)


def _session(request):
    """The decoded login session, or None when the whole way must look at it."""
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return None
    data = first_statement(crossing.session_data, session_key, timezone.now())
    if data is None:
        return None
    session = SessionStore().decode(data)
    if (session.get(BACKEND_SESSION_KEY) != sessions.MODEL_BACKEND or not session.get(HASH_SESSION_KEY)
            or session.get(sessions.MFA_PENDING) or SessionStorage.session_key in session
            or sessions.expiry_reason(session) or sessions.touch_due(session)):
        return None
    return session


def page_key(request) -> str | None:
    """The key of the page this request asks for, when everything the stack checks holds."""
    if (request.method != "GET" or request.path.startswith("/api/") or "HTTP_HX_REQUEST" in request.META
            or settings.SESSION_ENGINE != SESSION_ENGINE
            or sessions.MODEL_BACKEND not in settings.AUTHENTICATION_BACKENDS or not enabled()):
        return None
    if (_secret(request.COOKIES.get(settings.CSRF_COOKIE_NAME)) is None
            or CookieStorage.cookie_name in request.COOKIES):
        return None
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return None  # SecurityMiddleware redirects it
    slug = _kept_route(request.path_info)
    if slug is None:
        return None
    try:
        uri = request.build_absolute_uri()
    except DisallowedHost:
        return None
    session = _session(request)
    if session is None:
        return None
    device = _device(session)
    if device is False:
        return None
    try:
        user_id = int(session.get(SESSION_KEY))
    except (TypeError, ValueError):
        return None
    caller = crossing.page_caller(user_id, device)
    if caller is None:
        return None
    user = caller.user
    if not user.is_active or not constant_time_compare(session[HASH_SESSION_KEY], user.get_session_auth_hash()):
        return None
    verified = device is not None
    if verified and not caller.device_confirmed:
        return None  # the stack forgets the device in the session, which it then writes
    membership = next((entry for entry in caller.memberships if entry[1] == slug), None)
    if membership is None or (not verified and (user.is_staff or membership[3])):
        return None  # 404, or the way to the second factor
    person = repr(tuple(getattr(user, field.attname) for field in user._meta.concrete_fields
                        if field.attname != "password"))
    parts = (code_version(), person, str(verified), repr(caller.memberships), str(caller.registry_generation),
             timezone.localdate().isoformat(), translation.get_language_from_request(request) or "", uri)
    return f"{NAMESPACE}:{hashlib.sha256(chr(31).join(parts).encode()).hexdigest()}"


def respond(request, stored: StoredPage) -> HttpResponse:
    """The kept page with a fresh mask of the caller's CSRF secret, and the cookie renewed."""
    request.META["CSRF_COOKIE"] = request.COOKIES[settings.CSRF_COOKIE_NAME]
    content = stored.content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(content)
    response.headers = ResponseHeaders(dict(stored.headers))
    if stored.renews_csrf_cookie:
        _CSRF.process_response(request, response)
    response["X-Request-ID"] = request_id(request)
    return response


def keep(cache_key: str, request, response) -> None:
    """File the whole stack's ``200`` page, when it changed nothing of the session."""
    if (response.status_code != 200 or response.streaming or not getattr(response, "keep_in_front", False)
            or getattr(request, "_csp_nonce", None) is not None):
        return
    secret = request.META.get("CSRF_COOKIE")
    csrf_cookie = response.cookies.get(settings.CSRF_COOKIE_NAME)
    if set(response.cookies) - {settings.CSRF_COOKIE_NAME} or (csrf_cookie is not None and csrf_cookie.value != secret):
        return  # the session was written, a message left, or the CSRF secret replaced
    content = _MASKED_TOKEN.sub(lambda found: CSRF_PLACEHOLDER if _masks(found.group(), secret) else found.group(),
                                response.content)
    headers = tuple((name, value) for name, value in response.items() if name.lower() not in _PER_REQUEST_HEADERS)
    cache.set(cache_key, StoredPage(content, headers, csrf_cookie is not None), settings.RESPONSE_CACHE_SECONDS)


def _masks(token: bytes, secret: str | None) -> bool:
    """Whether ``token`` is a mask of ``secret``, as Django checks a submitted token."""
    return secret is not None and constant_time_compare(_unmask_cipher_token(token.decode()), secret)


class PageFrontDoorMiddleware:
    """Answers a kept page from the cache (see the module); second in ``MIDDLEWARE``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cache_key = page_key(request)
        if cache_key is None:
            return self.get_response(request)
        stored = cache.get(cache_key)
        if isinstance(stored, StoredPage):
            return respond(request, stored)
        response = self.get_response(request)
        keep(cache_key, request, response)
        return response

