"""Company facts from the public "Recherche d'entreprises" API (recherche-entreprises.api.gouv.fr).

Behind ``settings.REGISTRY_ENRICHMENT_ENABLED``: when it is off, every lookup answers None
without touching the network. The API needs no key; it answers
``{"results": [{"siren", "nom_complet", "nom_raison_sociale", "etat_administratif" ("A" active,
"C" ceased), "date_fermeture", "siege": {"siret", …}, …}], "total_results", "page", …}``.
Answers are cached for a day, a company not found for an hour.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import httpx
from django.conf import settings
from django.core.cache import cache
from stdnum.fr import siren as siren_number

from registry import http

logger = logging.getLogger(__name__)

SEARCH_URL = "https://recherche-entreprises.api.gouv.fr/search"
TIMEOUT = httpx.Timeout(5.0, connect=3.0)
_FOUND_SECONDS = 24 * 3600
_NOT_FOUND_SECONDS = 3600
_NOT_FOUND = "not-found"


class EnrichmentUnavailable(Exception):
    """The API could not answer (network, rate limit, server error, unexpected body)."""


@dataclass(frozen=True)
class CompanyInfo:
    siren: str
    legal_name: str
    head_office_siret: str
    active: bool
    closed_on: date | None


def lookup_siren(siren: str) -> CompanyInfo | None:
    """The company with this SIREN, or None (enrichment off, invalid SIREN, or not found).

    Raises EnrichmentUnavailable when the API cannot be asked.
    """
    if not settings.REGISTRY_ENRICHMENT_ENABLED:
        return None
    siren = siren_number.compact(siren or "")
    if not siren_number.is_valid(siren):
        return None
    key = f"registry:company:{siren}"
    cached = cache.get(key)
    if cached is not None:
        return None if cached == _NOT_FOUND else cached
    company = next((c for c in _search(siren) if c.siren == siren), None)
    cache.set(key, company or _NOT_FOUND, _FOUND_SECONDS if company else _NOT_FOUND_SECONDS)
    return company


def search_companies(name: str, *, limit: int = 5) -> list[CompanyInfo]:
    """Companies whose name resembles ``name``, as ranked by the API. Empty when enrichment is off."""
    if not settings.REGISTRY_ENRICHMENT_ENABLED or not name.strip():
        return []
    return _search(name.strip(), per_page=limit)[:limit]


def _search(query: str, *, per_page: int = 5) -> list[CompanyInfo]:
    try:
        with http.client(timeout=TIMEOUT) as client:
            response = client.get(SEARCH_URL, params={"q": query, "page": 1, "per_page": per_page})
    except httpx.TransportError as exc:
        raise EnrichmentUnavailable(f"recherche-entreprises unreachable: {exc}") from exc
    if response.status_code != 200:
        raise EnrichmentUnavailable(f"recherche-entreprises answered {response.status_code}")
    try:
        results = response.json()["results"]
        return [_company(item) for item in results]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EnrichmentUnavailable(f"recherche-entreprises answered an unexpected body: {exc!r}") from exc


def _company(item: dict) -> CompanyInfo:
    head_office = item.get("siege") or {}
    return CompanyInfo(
        siren=item["siren"],
        legal_name=item.get("nom_raison_sociale") or item.get("nom_complet") or "",
        head_office_siret=head_office.get("siret") or "",
        active=item.get("etat_administratif") != "C",
        closed_on=date.fromisoformat(item["date_fermeture"]) if item.get("date_fermeture") else None,
    )
