"""Reads of the registry shared by the API, the pages, the tasks and the supplier matching."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet

from hds_platform.compiled import CompiledPage, CompiledQuery
from registry import enrichment
from registry.matching import normalise_certificate_number, normalise_name, rank_names
from registry.models import CertifiedHost, Change, HostCertificate, Snapshot

logger = logging.getLogger(__name__)

#: a name scoring this much (rapidfuzz WRatio on normalised names) is suggested for confirmation.
#: Two names sharing a single word ("Cabinet médical du Parc", "Azur-Médical IT") score exactly
#: 85.5, so the threshold sits just above; "OVHcloud" against "OVH" scores 90.
FUZZY_MIN_SCORE = 86.0
_NAMES_CACHE_SECONDS = 24 * 3600


def current_snapshot() -> Snapshot | None:
    """The latest imported snapshot: the list the product currently trusts."""
    return Snapshot.objects.filter(status=Snapshot.Status.IMPORTED).order_by("-id").first()


def certificates_prefetch(to_attr: str | None = None) -> Prefetch:
    """A host's certificates, current first, then the latest expiry first."""
    return Prefetch(
        "certificates",
        queryset=HostCertificate.objects.order_by(
            "-current", F("expires_on").desc(nulls_last=True), "-id"
        ),
        to_attr=to_attr,
    )


def search_hosts(
    *,
    q: str = "",
    certificate_number: str = "",
    activities: Iterable[int] = (),
    certifier: str = "",
    listed: bool | None = True,
    hosts: QuerySet[CertifiedHost] | None = None,
) -> QuerySet[CertifiedHost]:
    """Hosts of the list, by name, certificate number, activities and certifier, with certificates.

    ``q`` matches part of the normalised name (so accents, case and legal forms do not matter).
    ``certificate_number`` matches any certificate the host ever had, once normalised.
    ``activities`` must all be performed, under any current certificate of the host.
    ``certifier`` is part of a current certificate's certifier, case-insensitive.
    ``listed``: True (default) for hosts of the current list, False for removed ones, None for all.
    ``hosts`` narrows the search to a queryset.
    """
    hosts = CertifiedHost.objects.all() if hosts is None else hosts
    if listed is not None:
        hosts = hosts.filter(listed=listed)
    name = normalise_name(q) if q else ""
    if name:
        hosts = hosts.filter(normalised_name__contains=name)
    number = normalise_certificate_number(certificate_number) if certificate_number else ""
    if number:
        hosts = hosts.filter(Exists(HostCertificate.objects.filter(host=OuterRef("pk"), normalised_number=number)))
    current = HostCertificate.objects.filter(host=OuterRef("pk"), current=True)
    for activity in sorted(set(activities)):
        hosts = hosts.filter(Exists(current.filter(activities__has=activity)))
    if certifier.strip():
        hosts = hosts.filter(Exists(current.filter(certifier__icontains=certifier.strip())))
    return hosts.prefetch_related(certificates_prefetch()).order_by("normalised_name", "id")


HOST_ROW_FIELDS = ("id", "name", "normalised_name", "listed", "first_seen_id", "last_seen_id", "removed_in_id")
HOST_CERTIFICATE_ROW_FIELDS = (
    "id", "host_id", "certificate_number", "certifier", "activities", "referential_version", "issued_on",
    "expires_on", "transparency_url", "scope", "current", "first_seen_id", "last_seen_id",
)
_LISTED_HOSTS = CompiledQuery(
    lambda: CertifiedHost.objects.filter(listed=True).order_by("normalised_name", "id").values(*HOST_ROW_FIELDS),
    tenant=False,
)
_LISTED_HOSTS_NAMED = CompiledQuery(
    lambda name: CertifiedHost.objects.filter(listed=True, normalised_name__contains=name)
    .order_by("normalised_name", "id").values(*HOST_ROW_FIELDS),
    tenant=False, name=str,
)
_HOST_CERTIFICATES = CompiledQuery(
    lambda hosts: HostCertificate.objects.filter(host_id__in=hosts)
    .order_by("host_id", "-current", F("expires_on").desc(nulls_last=True), "-id").values(*HOST_CERTIFICATE_ROW_FIELDS),
    tenant=False, hosts=[int],
)


class _HostRowsPage(CompiledPage):
    """Listed hosts as plain rows, each with its certificates in display order (``certificates``)."""

    def __getitem__(self, item: slice) -> list[dict]:
        hosts = super().__getitem__(item)
        by_host: dict[int, list[dict]] = {host["id"]: [] for host in hosts}
        for certificate in _HOST_CERTIFICATES.rows(hosts=list(by_host)):
            by_host[certificate["host_id"]].append(certificate)
        for host in hosts:
            host["certificates"] = by_host[host["id"]]
        return hosts


def listed_host_rows_page(q: str = "") -> CompiledPage:
    """:func:`search_hosts` by name only (the search box), as plain rows for DRF's paginator:
    a count, a page and the page's certificates, each query compiled once per process."""
    name = normalise_name(q) if q else ""
    return _HostRowsPage(_LISTED_HOSTS_NAMED, name=name) if name else _HostRowsPage(_LISTED_HOSTS)


def host_detail(host_id: int) -> CertifiedHost | None:
    """One host with its certificates and its change history (newest first)."""
    return (
        CertifiedHost.objects.filter(pk=host_id)
        .prefetch_related(
            certificates_prefetch(),
            Prefetch("changes", queryset=Change.objects.select_related("snapshot").order_by("-snapshot_id", "id")),
        )
        .first()
    )


def changed_host_ids(snapshot_id: int) -> list[int]:
    """The hosts a snapshot added, removed or changed."""
    return sorted(set(Change.objects.filter(snapshot_id=snapshot_id).values_list("host_id", flat=True)))


# --- Matching a supplier to a host --------------------------------------------------------------


@dataclass(frozen=True)
class HostCandidate:
    """A host of the list that a supplier may be.

    ``method`` is how it was found: "certificate_number", "siren" (the legal name the company
    register gives for the SIREN equals the host's name), "name_exact" (equal normalised names)
    or "name_fuzzy" (a close name, a suggestion for a person to confirm or reject).
    """

    host: CertifiedHost
    certificate: HostCertificate | None
    method: str
    score: float

    @property
    def confident(self) -> bool:
        return self.method != "name_fuzzy"


class HostMatcher:
    """Finds candidate hosts for many suppliers against one snapshot of the list.

    The (id, normalised name) pairs of listed hosts are read once per snapshot and kept in the
    cache under the snapshot's id, so matching a thousand suppliers reads the list once, and a new
    import makes the cached list obsolete by itself.
    """

    def __init__(self):
        self.snapshot = current_snapshot()
        self._names: list[tuple[int, str]] | None = None

    def listed_names(self) -> list[tuple[int, str]]:
        if self._names is None:
            if self.snapshot is None:
                self._names = []
            else:
                key = f"registry:listed-names:{self.snapshot.pk}"
                names = cache.get(key)
                if names is None:
                    names = list(
                        CertifiedHost.objects.filter(listed=True).order_by("id").values_list("id", "normalised_name")
                    )
                    cache.set(key, names, _NAMES_CACHE_SECONDS)
                self._names = names
        return self._names

    def candidates(self, *, name: str, siren: str = "", certificate_number: str = "",
                   limit: int = 5) -> list[HostCandidate]:
        """Candidates best first: by certificate number, then SIREN, then name (exact, then fuzzy)."""
        found: dict[int, tuple[str, float, str]] = {}  # host id -> (method, score, certificate number)

        def keep(host_id: int, method: str, score: float, number: str = "") -> None:
            if host_id not in found and len(found) < limit:
                found[host_id] = (method, score, number)

        number = normalise_certificate_number(certificate_number) if certificate_number else ""
        if number:
            for host_id in (
                HostCertificate.objects.filter(normalised_number=number)
                .order_by("-host__listed", "-current", "host_id").values_list("host_id", flat=True)
            ):
                keep(host_id, "certificate_number", 100.0, number)
        legal_name = _legal_name(siren) if siren else ""
        names = self.listed_names()
        if legal_name:
            wanted = normalise_name(legal_name)
            for host_id, normalised in names:
                if normalised == wanted:
                    keep(host_id, "siren", 100.0)
        wanted = normalise_name(name)
        for match in rank_names(name, names, limit=limit, min_score=FUZZY_MIN_SCORE):
            keep(match.key, "name_exact" if match.name == wanted else "name_fuzzy", match.score)
        if not found:
            return []
        hosts = {
            host.pk: host
            for host in CertifiedHost.objects.filter(pk__in=list(found)).prefetch_related(
                certificates_prefetch("ordered_certificates")
            )
        }
        candidates = []
        for host_id, (method, score, matched_number) in found.items():
            host = hosts[host_id]
            certificate = next(
                (c for c in host.ordered_certificates if matched_number and c.normalised_number == matched_number),
                host.ordered_certificates[0] if host.ordered_certificates else None,
            )
            candidates.append(HostCandidate(host=host, certificate=certificate, method=method, score=score))
        return candidates


def find_host_candidates(*, name: str, siren: str = "", certificate_number: str = "",
                         limit: int = 5) -> list[HostCandidate]:
    """Candidate hosts for one supplier. For many suppliers, reuse one :class:`HostMatcher`."""
    return HostMatcher().candidates(name=name, siren=siren, certificate_number=certificate_number, limit=limit)


def _legal_name(siren: str) -> str:
    """The legal name of the company with this SIREN, when enrichment is on and it answers."""
    try:
        company = enrichment.lookup_siren(siren)
    except enrichment.EnrichmentUnavailable as exc:
        logger.warning("SIREN %s not looked up: %s", siren, exc)
        return ""
    return company.legal_name if company else ""
