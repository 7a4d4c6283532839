"""Where suppliers meet the official ANS list of certified hosts.

- Matching (candidates from ``registry.selectors.find_host_candidates``): an exact certificate
  number confirms a supplier's host automatically; a SIREN, an exact normalised name or a close
  name only suggests it, until a member confirms or rejects it. A rejected host is never
  suggested again for that supplier.
- Copies: a confirmed supplier gets a certificate row (source ``registry``) for each current
  published certificate of its host; :func:`refresh_registry_certificates` keeps them in step
  after each import.
- Re-checks: when an import changed hosts (:data:`registry.signals.hosts_changed`, connected in
  :meth:`ComplianceConfig.ready`), :func:`enqueue_registry_refreshes` enqueues one
  ``compliance.tasks.refresh_registry_copies`` per organisation depending on one of them
  (:func:`organisations_depending_on_hosts`), which refreshes its copies and re-evaluates it.
"""

from __future__ import annotations

from collections.abc import Iterable

from compliance.models import Certificate, CertificateKind, CertificateSource, RegistryMatchStatus, Supplier
from hds_platform import crossing, outbox
from registry.matching import normalise_certificate_number
from registry.models import HostCertificate
from registry.parsing import normalise_referential_version
from registry.selectors import find_host_candidates

CONFIRMING_METHODS = frozenset({"certificate_number"})


def apply_best_candidate(supplier: Supplier, *, certificate_numbers: Iterable[str] = ()) -> bool:
    """Set the supplier's match from the best candidate not rejected before; True if it changed.

    A confirmed match is left alone: only a member undoes it (by rejecting it).
    """
    if supplier.registry_match_status == RegistryMatchStatus.CONFIRMED:
        return False
    rejected = set(supplier.registry_rejected_hosts)
    best = None
    for number in [*certificate_numbers, ""]:
        found = [candidate for candidate in find_host_candidates(
            name=supplier.name, siren=supplier.siren, certificate_number=number,
        ) if candidate.host.pk not in rejected]
        if found:
            best = found[0]
            break
    before = (supplier.registry_match_status, supplier.registry_host_id, supplier.registry_match_score,
              supplier.registry_match_method)
    if best is not None:
        confirmed = best.method in CONFIRMING_METHODS
        supplier.registry_match_status = RegistryMatchStatus.CONFIRMED if confirmed else RegistryMatchStatus.SUGGESTED
        supplier.registry_host = best.host
        supplier.registry_match_score = round(best.score)
        supplier.registry_match_method = best.method
    elif supplier.registry_match_status == RegistryMatchStatus.SUGGESTED:
        # The name changed and the old suggestion no longer holds.
        supplier.registry_match_status = RegistryMatchStatus.NONE
        supplier.registry_host = None
        supplier.registry_match_score = None
        supplier.registry_match_method = ""
    after = (supplier.registry_match_status, supplier.registry_host_id, supplier.registry_match_score,
             supplier.registry_match_method)
    if after == before:
        return False
    supplier.save(update_fields=["registry_match_status", "registry_host", "registry_match_score",
                                 "registry_match_method", "updated_at"])
    if supplier.registry_match_status == RegistryMatchStatus.CONFIRMED:
        refresh_registry_certificates([supplier])
    return True


def refresh_registry_certificates(suppliers: Iterable[Supplier]) -> dict[str, int]:
    """Bring the registry copies of these suppliers' certificates in step with the list.

    A confirmed supplier gets one row per current published certificate of its host (unless the
    organisation already recorded that number itself); copies of certificates no longer current,
    or of a host no longer confirmed, are deleted. Returns the counts added, updated, removed.
    """
    suppliers = list(suppliers)
    hosts = {supplier.pk: supplier.registry_host_id for supplier in suppliers
             if supplier.registry_match_status == RegistryMatchStatus.CONFIRMED and supplier.registry_host_id}
    published = _published_by_host(set(hosts.values()))
    existing = list(Certificate.objects.filter(supplier_id__in=[supplier.pk for supplier in suppliers]))
    copies = {(row.supplier_id, row.registry_certificate_id): row for row in existing
              if row.source == CertificateSource.REGISTRY and row.registry_certificate_id is not None}
    recorded = {(row.supplier_id, normalise_certificate_number(row.certificate_number)) for row in existing
                if row.source != CertificateSource.REGISTRY}
    counts = {"added": 0, "updated": 0, "removed": 0}
    wanted = set()
    for supplier_id, host_id in hosts.items():
        for published_certificate in published.get(host_id, []):
            copy = copies.get((supplier_id, published_certificate.pk))
            if copy is not None:
                wanted.add(copy.pk)
                counts["updated"] += _update_copy(copy, published_certificate)
            elif _copy_wanted(supplier_id, published_certificate, recorded):
                wanted.add(_create_copy(supplier_id, published_certificate).pk)
                counts["added"] += 1
    stale = [row.pk for row in copies.values() if row.pk not in wanted]
    if stale:
        counts["removed"] = Certificate.objects.filter(pk__in=stale).delete()[1].get("compliance.Certificate", 0)
    return counts


def _published_by_host(host_ids: set[int]) -> dict[int, list[HostCertificate]]:
    """The current published certificates of these hosts, by host, in id order (one query)."""
    published: dict[int, list[HostCertificate]] = {}
    for certificate in HostCertificate.objects.filter(host_id__in=host_ids, current=True).order_by("id"):
        published.setdefault(certificate.host_id, []).append(certificate)
    return published


def _copied_values(published: HostCertificate) -> dict:
    """What a registry copy takes from the published certificate."""
    return {
        "kind": CertificateKind.HDS,
        "activities": published.activities,
        "certificate_number": published.certificate_number,
        "certifier": published.certifier,
        "referential_version": normalise_referential_version(published.referential_version),
        "issued_on": published.issued_on,
        "expires_on": published.expires_on,
        "perimeter": published.scope,
    }


def _update_copy(copy: Certificate, published: HostCertificate) -> int:
    """Bring an existing copy in step; 1 if it changed, 0 if it already was."""
    values = _copied_values(published)
    if all(getattr(copy, key) == value for key, value in values.items()):
        return 0
    for key, value in values.items():
        setattr(copy, key, value)
    copy.save()
    return 1


def _copy_wanted(supplier_id: int, published: HostCertificate, recorded: set[tuple[int, str]]) -> bool:
    """A new copy is made unless the organisation recorded that number itself for this supplier,
    or the list gives no end date (a certificate without one cannot be relied on)."""
    number = normalise_certificate_number(published.certificate_number)
    return (supplier_id, number) not in recorded and published.expires_on is not None


def _create_copy(supplier_id: int, published: HostCertificate) -> Certificate:
    return Certificate.objects.create(
        supplier_id=supplier_id, source=CertificateSource.REGISTRY, registry_certificate=published,
        **_copied_values(published),
    )


def organisations_depending_on_hosts(host_ids: Iterable[int]) -> list[int]:
    """Organisations with a supplier whose confirmed or suggested host is among ``host_ids``,
    sorted, each once."""
    # Crossing organisations is the point here: the registry is shared and its import must
    # find every tenant that relies on a changed host. Only organisation ids leave this function.
    alias = crossing.cross_tenant_alias("registry_recheck")
    return sorted(set(
        Supplier.all_organisations.using(alias).filter(
            registry_host_id__in=list(host_ids),
            registry_match_status__in=[RegistryMatchStatus.CONFIRMED, RegistryMatchStatus.SUGGESTED],
        ).values_list("organisation_id", flat=True)
    ))


def enqueue_registry_refreshes(sender, *, snapshot_id: int, host_ids: list[int], **kwargs) -> None:
    """After an import changed ``host_ids``: refresh the registry copies and re-evaluate each
    organisation that depends on one of them, one task each, recorded in the announcing
    transaction."""
    for organisation_id in organisations_depending_on_hosts(host_ids):
        outbox.enqueue("compliance.tasks.refresh_registry_copies", organisation_id)
