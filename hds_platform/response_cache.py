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
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone, translation
from django.utils.http import parse_etags

from hds_platform import generations

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
    wanted = request.headers.get("If-None-Match")
    if tag and wanted:
        tags = parse_etags(wanted)
        if wanted.strip() == "*" or tag in tags or f"W/{tag}" in tags:
            response = HttpResponseNotModified()
            response["ETag"] = tag
            return response
    return HttpResponse(stored.content, headers=headers)


class CachedReads:
    """For a DRF view: answer the GET actions named in ``cached_actions`` from the cache.

    The view calls :meth:`answer_from_cache` once the caller is allowed; a hit ends the request
    there (``Hit``, turned into the answer by ``handle_exception``). A miss remembers the key; the
    view's answer is stored by :meth:`keep_answer` once its transaction has ended.
    """

    cached_actions: frozenset[str] = frozenset()
    _cache_key: str | None = None

    def answer_from_cache(self, request, *, organisation_id: int | None,
                          found: generations.Generations | None, variant: str = "") -> None:
        self._cache_key = None
        if found is None or not self.cacheable(request):
            return
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
        if self._cache_key is not None:
            store(self._cache_key, response)
            self._cache_key = None
