"""Hot reads answered from the cache, filed under the data generations they were built from.

A read that opts in (``cached_actions`` of a tenant view, the registry search) runs as usual up
to the point where it would read data: the caller is authenticated, the organisation resolved,
the role or the token's scopes checked, the request counted against the rate limit. Then, instead
of opening the organisation's transaction, it looks in the default cache for an answer filed under

* the organisation and its current data generation (:mod:`hds_platform.generations`, learnt in
  the same query as the token), and the ANS list's generation;
* the day (answers count days: certificates expiring, answers due again) and the language;
* what the caller may do (their permissions and scopes), what it asked (the full URL, host
  included, since page links are absolute, and the representation);
* the code itself (a digest of the project's sources and catalogues): a new release never serves
  an answer an older one built.

Found: the stored bytes and headers are answered (``304`` when ``If-None-Match`` names the stored
``ETag``), without a transaction. Not found: the view reads and answers as before, and a ``200``
JSON answer is stored once its transaction has committed. Whatever wrote since has moved a
generation, so an answer found was built from the data as it stands: the cache can add no
"compliant" that the database does not say. On SQLite (no generations) or with the setting
``RESPONSE_CACHE`` off nothing is cached; with Redis down every read is a miss.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIHandler
from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.http.response import ResponseHeaders
from django.urls import resolve
from django.utils import timezone, translation
from django.utils.http import parse_etags
from rest_framework.exceptions import AuthenticationFailed

from hds_platform import generations, ratelimit
from hds_platform.api.authentication import presented_api_token, usable_token_row
from hds_platform.middleware import request_id
from hds_platform.services import api_token_touch_due

logger = logging.getLogger(__name__)

NAMESPACE = "maillon:answer"
#: Headers of a stored answer that its view set (the middleware sets the others on every answer).
_KEPT_HEADERS = ("Content-Type", "ETag", "Link", "Content-Language")


@dataclass(frozen=True)
class Stored:
    content: bytes
    headers: tuple[tuple[str, str], ...]


class Hit(Exception):
    """Raised to end a view's checks with the stored answer."""

    def __init__(self, stored: Stored):
        super().__init__("cached answer")
        self.stored = stored


def enabled() -> bool:
    return settings.RESPONSE_CACHE and generations.available()


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the sources, templates and compiled catalogues of the project's apps."""
    digest = hashlib.sha256()
    root = Path(settings.BASE_DIR)
    for package in ("hds_platform", "compliance", "registry"):
        for path in sorted((root / package).rglob("*")):
            if path.suffix in (".py", ".html", ".mo", ".txt") and "migrations" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def key(request, *, organisation_id: int | None, found: generations.Generations, variant: str) -> str:
    parts = (
        code_version(), str(organisation_id or 0), str(found.organisation), str(found.registry),
        timezone.localdate().isoformat(), translation.get_language() or "", variant,
        request.build_absolute_uri(),
    )
    return f"{NAMESPACE}:{hashlib.sha256(chr(31).join(parts).encode()).hexdigest()}"


def load(cache_key: str) -> Stored | None:
    found = cache.get(cache_key)
    return found if isinstance(found, Stored) else None


def store(cache_key: str, response) -> None:
    """Keep a rendered ``200`` answer (nothing else is ever stored)."""
    if response.status_code != 200 or response.streaming or response.has_header("Set-Cookie"):
        return
    headers = tuple((name, response[name]) for name in _KEPT_HEADERS if response.has_header(name))
    cache.set(cache_key, Stored(bytes(response.content), headers), settings.RESPONSE_CACHE_SECONDS)


def respond(request, stored: Stored):
    """The stored answer, or ``304`` when the caller already holds it."""
    headers = dict(stored.headers)
    tag = headers.get("ETag")
    if _held(request, tag):
        response = HttpResponseNotModified()
        response["ETag"] = tag
        return response
    return HttpResponse(stored.content, headers=headers)


def _held(request, tag: str | None) -> bool:
    """Whether the caller's ``If-None-Match`` names ``tag`` (weakly or not, or ``*``)."""
    wanted = request.META.get("HTTP_IF_NONE_MATCH")
    if not tag or not wanted:
        return False
    tags = parse_etags(wanted)
    return wanted.strip() == "*" or tag in tags or f"W/{tag}" in tags


class CachedReads:
    """For a DRF view: answer the GET actions named in ``cached_actions`` from the cache.

    The view calls :meth:`answer_from_cache` once the caller is allowed; a hit ends the request
    there (``Hit``, turned into the answer by ``handle_exception``). A miss remembers the key; the
    view's answer is stored by :meth:`keep_answer` once its transaction has ended.
    """

    cached_actions: frozenset[str] = frozenset()
    _cache_key: str | None = None
    _answer_kept = False

    def answer_from_cache(self, request, *, organisation_id: int | None,
                          found: generations.Generations | None, variant: str = "") -> None:
        self._cache_key = None
        if found is None or not self.cacheable(request):
            return
        self._answer_kept = True
        self._cache_key = key(request, organisation_id=organisation_id, found=found, variant=variant)
        stored = load(self._cache_key)
        if stored is not None:
            self._cache_key = None
            raise Hit(stored)

    def cacheable(self, request) -> bool:
        """A GET of a cached action, answered in JSON, with the cache on."""
        if request.method != "GET" or not enabled():
            return False
        if (getattr(self, "action", None) or request.method) not in self.cached_actions:
            return False
        renderer = getattr(request, "accepted_renderer", None)
        return renderer is not None and renderer.format == "json"

    def handle_exception(self, exc):
        if isinstance(exc, Hit):
            return respond(self.request, exc.stored)
        return super().handle_exception(exc)

    def keep_answer(self, response) -> None:
        if self._answer_kept:
            # The front door (FrontDoorMiddleware) may keep it too, with its final headers.
            response.keep_in_front = True
        if self._cache_key is not None:
            store(self._cache_key, response)
            self._cache_key = None


#: Headers that belong to one request and are never kept: set afresh on every answer.
_PER_REQUEST_HEADERS = frozenset({"x-request-id", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset",
                                  "date", "set-cookie"})
FRONT_NAMESPACE = "maillon:front"


@functools.lru_cache(maxsize=4096)
def _cached_route(path: str) -> bool:
    """Whether ``path`` leads to a view that keeps answers in the cache."""
    try:
        match = resolve(path)
    except Http404:
        return False
    view_class = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    return bool(view_class is not None and getattr(view_class, "cached_actions", None))


def first_statement(lookup, *args):
    """``lookup(*args)``, which only reads, run as the request's first statement and its
    connection health check.

    Django checks a persistent connection (``CONN_HEALTH_CHECKS``) with a ``SELECT 1`` before the
    first query of each request: a round trip as dear as a front door's lookup itself. Here the
    lookup goes first; if the connection turns out broken (the server restarted), it is closed
    and the lookup runs once more on a new one."""
    connection = connections["default"]
    unchecked = connection.health_check_enabled and not connection.health_check_done
    if not unchecked:
        return lookup(*args)
    connection.health_check_done = True
    try:
        return lookup(*args)
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        connection.close()
        return lookup(*args)


#: Where the WSGI front door (:class:`FrontDoorHandler`) leaves what it learnt of a request it did
#: not answer: the WSGI environment, which is the request's ``META``.
FRONT_CHECK = "maillon.front_check"


@dataclass(frozen=True)
class FrontCheck:
    """What the front door learnt of a request it does not answer: where the whole stack's answer
    is to be kept (None: nowhere), the token it checked and the use it counted, which the rest of
    the way neither looks up nor counts again."""

    cache_key: str | None = None
    found_api_token: tuple | None = None
    counted_usage: ratelimit.Usage | None = None

    def apply(self, request) -> None:
        if self.found_api_token is not None:
            request.found_api_token = self.found_api_token
        if self.counted_usage is not None:
            request.counted_usage = self.counted_usage


@dataclass(frozen=True)
class FrontAnswer:
    """An answer the front door gives: the stored one, or ``304`` when the caller holds it, with
    this request's own headers added."""

    status: int
    headers: list[tuple[str, str]]
    content: bytes

    def status_line(self) -> str:
        return "200 OK" if self.status == 200 else "304 Not Modified"

    def response(self) -> HttpResponse:
        response = HttpResponse(self.content) if self.status == 200 else HttpResponseNotModified()
        response.headers = ResponseHeaders(self.headers)
        return response


def front_door(request) -> FrontAnswer | FrontCheck:
    """The stored answer of an API token's read, found before anything else of the stack runs.

    A ``GET`` under ``/api/`` with an API token (``Bearer mln_…``), no cookie, to a route that keeps
    its answers: the token is checked as its authentication does (found, not revoked, not expired;
    one query, which reads the data generations too), its use counted against the rate limit and
    the answer looked up in one Redis round trip. The answer is filed under what decides it: the
    token's organisation, scopes and the data generations, the day, the URL (host included), the
    ``Accept`` and ``Accept-Language`` headers, the code version. An answer is only ever filed by
    the whole stack, which checked the organisation and the scopes for exactly these inputs; it is
    kept with the headers the whole middleware gave it, minus those of one request
    (``X-Request-ID``, ``RateLimit-*``), which are set afresh.

    Anything else goes the whole way (a :class:`FrontCheck`): a miss, a token to be recorded as
    used (once per window), a request over its limit, a token refused, Redis down.
    """
    if request.method != "GET" or not request.path.startswith("/api/") or request.META.get("HTTP_COOKIE"):
        return FrontCheck()
    raw = presented_api_token(request)
    if raw is None or not enabled():
        return FrontCheck()
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return FrontCheck()  # SecurityMiddleware redirects it
    cache = caches["default"]
    if not hasattr(cache, "hit_and_get") or not _cached_route(request.path_info):
        return FrontCheck()
    try:
        uri = request.build_absolute_uri()
        token = first_statement(usable_token_row, raw)
    except (DisallowedHost, AuthenticationFailed):
        return FrontCheck()  # the whole way answers the refusal
    found = token.data_generations
    if found is None:
        return FrontCheck(found_api_token=(raw, token))
    parts = (code_version(), str(token.organisation_id), token.scope, str(found.organisation), str(found.registry),
             timezone.localdate().isoformat(), request.META.get("HTTP_ACCEPT", ""),
             request.META.get("HTTP_ACCEPT_LANGUAGE", ""), uri)
    cache_key = f"{FRONT_NAMESPACE}:{hashlib.sha256(chr(31).join(parts).encode()).hexdigest()}"
    counter = start = now = None
    limit = ratelimit.limit_of_plan(token.plan)
    if settings.RATE_LIMIT_ENABLED:
        counter, start, now = ratelimit.window(f"token:{token.pk}", limit)
    answer = cache.hit_and_get(counter, ratelimit.WINDOW + 1, cache_key)
    if answer is None:
        return FrontCheck(cache_key, (raw, token))  # Redis down: nothing counted, nothing found
    hits, stored = answer
    usage = None if counter is None else ratelimit.usage_of(hits, limit, start, now)
    if (not isinstance(stored, tuple) or (usage is not None and usage.exceeded)
            or api_token_touch_due(token)):
        # The whole way: to build the answer, refuse the request, or record the token's use.
        return FrontCheck(cache_key, (raw, token), usage)
    content, headers = stored
    status = 200
    if _held(request, next((value for name, value in headers if name.lower() == "etag"), None)):
        # As the view's 304: the answer's headers, but those of its body.
        status, content = 304, b""
        body_headers = ("content-type", "content-length")
        headers = [*((name, value) for name, value in headers if name.lower() not in body_headers),
                   ("Content-Length", "0")]
    headers = [*headers, *ratelimit.header_items(usage), ("X-Request-ID", request_id(request))]
    return FrontAnswer(status, headers, content)


class FrontDoorMiddleware:
    """The front door (:func:`front_door`) as the first middleware, and where the whole stack's
    answers are kept.

    Under gunicorn the door has already run in :class:`FrontDoorHandler`, before Django's request
    handling; what it learnt comes along in ``META``. Elsewhere (the test client, ASGI) the door
    runs here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        check = request.META.get(FRONT_CHECK)
        if check is None:
            check = front_door(request)
            if isinstance(check, FrontAnswer):
                return check.response()
        check.apply(request)
        response = self.get_response(request)
        if check.cache_key is not None and getattr(response, "keep_in_front", False):
            self._store(check.cache_key, response)
        return response

    @staticmethod
    def _store(cache_key: str, response) -> None:
        if response.status_code != 200 or response.streaming or response.cookies:
            return
        headers = tuple((name, value) for name, value in response.items() if name.lower() not in _PER_REQUEST_HEADERS)
        cache.set(cache_key, (bytes(response.content), headers), settings.RESPONSE_CACHE_SECONDS)


class FrontDoorHandler(WSGIHandler):
    """Django's WSGI handler with the front door ahead of it (``hds_platform.wsgi``).

    An answer found is written straight to the server: no request object for the stack, no
    ``request_started`` or ``request_finished`` signal, no middleware. What those would have done
    for the request's only resource, the default database connection, is done here: the
    connection is closed when it is broken or past its age, and checked again before the next
    request's first statement. Anything else goes the whole way, with what the door learnt.
    """

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_AUTHORIZATION" not in environ:
            return super().__call__(environ, start_response)  # not for the door: no request built
        try:
            # On a copy: a request writes its decoded path back into the environment it is given,
            # which the handler's own request would then decode a second time.
            check = front_door(self.request_class(dict(environ)))
        except Exception:  # the whole way answers, or reports, the same failure
            logger.exception("front door: the request goes the whole way")
            check = FrontCheck()
        if isinstance(check, FrontAnswer):
            connections["default"].close_if_unusable_or_obsolete()
            start_response(check.status_line(), check.headers)
            return [check.content]
        environ[FRONT_CHECK] = check
        return super().__call__(environ, start_response)
