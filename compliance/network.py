"""The reads that cross a provider–client link, each through its named reader.

A linked client never reads the provider's tables through the scoped managers (they answer for
the client's organisation only). What the provider shares — the offers named by the link, the
certificates and documents those offers share, the subcontractors they declare — is read here
through ``crossing.cross_tenant_alias("network_share")``, always filtered on the link's provider
and offers, and only for an active link. What the provider may see of a client (the conformity
status of the processings relying on it, only while the client consents) is read through
``network_status``. Nothing else crosses; what is read leaves as plain values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q

from compliance.conformity import STATUS_RANK, Status
from compliance.models import (
    Certificate,
    ChainLink,
    ClientInvitation,
    ClientLink,
    ConformityResult,
    Evidence,
    LinkStatus,
    Offer,
    OfferCertificate,
    OfferDocument,
    OfferSubcontractor,
    ProviderProfile,
    Supplier,
)
from hds_platform import crossing
from hds_platform.models import Organisation
from hds_platform.tenancy import require_organisation
from registry.matching import normalise_certificate_number
from registry.models import HostCertificate

#: What a client's copy of a shared certificate holds (the provider's values, read-only).
SHARED_CERTIFICATE_FIELDS = ("kind", "activities", "certificate_number", "certifier", "referential_version",
                             "issued_on", "expires_on", "status", "perimeter")
SHARED_SUPPLIER_FIELDS = ("name", "siren", "country", "subject_to_non_eu_law", "non_eu_laws",
                          "non_eu_law_mitigations", "dpf_certified", "transparency_url")
SHARED_EVIDENCE_FIELDS = ("kind", "title", "file", "original_name", "sha256", "size", "content_type",
                          "issued_on", "valid_until", "contract_clauses", "contract_locations")


@dataclass
class Shared:
    """What a provider shares with one linked client: plain values, keyed by the provider's ids."""

    provider: Organisation
    profile: dict
    offers: dict[int, dict] = field(default_factory=dict)
    certificates: dict[int, dict] = field(default_factory=dict)
    subcontractors: dict[int, dict] = field(default_factory=dict)  # supplier id → its values
    documents: dict[int, dict] = field(default_factory=dict)


def find_client_invitation(digest: str) -> ClientInvitation | None:
    """A client invitation by the digest of its link, before any organisation is known."""
    alias = crossing.cross_tenant_alias("network_invitation")
    return ClientInvitation.all_organisations.using(alias).select_related("organisation").filter(
        token_digest=digest).first()


def links_of_client() -> list[ClientLink]:
    """The current organisation's links to its providers, newest first (the client reads the row
    the provider owns; row-level security lets it)."""
    client = require_organisation()
    return list(ClientLink.all_organisations.select_related("organisation")
                .filter(client_organisation_id=client.pk).order_by("-accepted_at", "-id"))


def link_of_client(link_id: int) -> ClientLink | None:
    client = require_organisation()
    return ClientLink.all_organisations.select_related("organisation").filter(
        pk=link_id, client_organisation_id=client.pk).first()


def shared_by(link: ClientLink, offer_ids: list[int] | None = None) -> Shared:
    """What the link's provider shares through the link's offers (none once the link ended)."""
    alias = crossing.cross_tenant_alias("network_share")
    provider_id = link.organisation_id
    provider = Organisation.objects.get(pk=provider_id)
    profile = ProviderProfile.all_organisations.using(alias).filter(organisation_id=provider_id).values(
        "description", "transparency_url").first() or {"description": "", "transparency_url": ""}
    shared = Shared(provider=provider, profile=profile)
    if link.status != LinkStatus.ACTIVE:
        return shared
    wanted = [offer_id for offer_id in link.offer_ids if offer_ids is None or offer_id in offer_ids]
    offers = Offer.all_organisations.using(alias).filter(organisation_id=provider_id, pk__in=wanted)
    shared.offers = {offer["id"]: {**offer, "certificates": [], "subcontractors": [], "documents": []}
                     for offer in offers.values()}
    mine = {"organisation_id": provider_id, "offer_id__in": list(shared.offers)}
    certificate_ids = set()
    for row in OfferCertificate.all_organisations.using(alias).filter(**mine).values("offer_id", "certificate_id"):
        shared.offers[row["offer_id"]]["certificates"].append(row["certificate_id"])
        certificate_ids.add(row["certificate_id"])
    subcontractor_rows = list(OfferSubcontractor.all_organisations.using(alias).filter(**mine).order_by("id").values(
        "offer_id", "supplier_id", "activities", "coverage", "certificate_id", "exemption_evidence_id",
        "stores_health_data"))
    document_ids = set()
    for row in subcontractor_rows:
        shared.offers[row["offer_id"]]["subcontractors"].append(row)
        if row["certificate_id"]:
            certificate_ids.add(row["certificate_id"])
        if row["exemption_evidence_id"]:
            document_ids.add(row["exemption_evidence_id"])
    offer_documents = list(OfferDocument.all_organisations.using(alias).filter(**mine).values("offer_id",
                                                                                              "evidence_id"))
    # A document the provider replaced by a newer version is shared as that version.
    current = _current_versions(alias, provider_id, {row["evidence_id"] for row in offer_documents})
    for row in offer_documents:
        if row["evidence_id"] in current:
            shared.offers[row["offer_id"]]["documents"].append(current[row["evidence_id"]])
            document_ids.add(current[row["evidence_id"]])
    supplier_ids = {row["supplier_id"] for row in subcontractor_rows}
    certificates = Certificate.all_organisations.using(alias).filter(organisation_id=provider_id).filter(
        Q(pk__in=certificate_ids)).values("id", "supplier_id", "evidence_id", *SHARED_CERTIFICATE_FIELDS)
    shared.certificates = {row["id"]: row for row in certificates}
    # A shared certificate's own document travels with it.
    document_ids |= {row["evidence_id"] for row in shared.certificates.values() if row["evidence_id"]}
    supplier_ids |= {row["supplier_id"] for row in shared.certificates.values() if row["supplier_id"]}
    shared.subcontractors = {row["id"]: row for row in Supplier.all_organisations.using(alias).filter(
        organisation_id=provider_id, pk__in=supplier_ids).values("id", *SHARED_SUPPLIER_FIELDS)}
    shared.documents = {row["id"]: row for row in Evidence.all_organisations.using(alias).filter(
        organisation_id=provider_id, pk__in=document_ids, superseded_by__isnull=True).values(
        "id", "supplier_id", "certificate_id", *SHARED_EVIDENCE_FIELDS)}
    return shared


def _current_versions(alias: str, provider_id: int, evidence_ids: set[int]) -> dict[int, int]:
    """Each document's current version (following ``superseded_by``), by the id named; a deleted
    one is absent. One query per step of the longest chain of versions."""
    resolved, frontier = {}, {evidence_id: evidence_id for evidence_id in evidence_ids}
    while frontier:
        newer = dict(Evidence.all_organisations.using(alias).filter(
            organisation_id=provider_id, pk__in=set(frontier.values())).values_list("pk", "superseded_by_id"))
        following = {}
        for origin, at in frontier.items():
            if newer.get(at):
                following[origin] = newer[at]
            elif at in newer:
                resolved[origin] = at
        frontier = following
    return resolved


def consented_statuses(links: list[ClientLink]) -> dict[int, dict]:
    """For the provider's links whose client consents: the conformity of the client's processings
    whose chain names the provider, as ``{"status": worst, "processings": {status: count}}``."""
    consenting = [link for link in links if link.share_status and link.status == LinkStatus.ACTIVE
                  and link.client_supplier_id]
    if not consenting:
        return {}
    alias = crossing.cross_tenant_alias("network_status")
    by_supplier = {(link.client_organisation_id, link.client_supplier_id): link.pk for link in consenting}
    relying = ChainLink.all_organisations.using(alias).filter(
        organisation_id__in={link.client_organisation_id for link in consenting},
        supplier_id__in={link.client_supplier_id for link in consenting},
    ).values_list("organisation_id", "supplier_id", "processing_id")
    processings: dict[int, set[int]] = {link.pk: set() for link in consenting}
    for organisation_id, supplier_id, processing_id in relying:
        link_id = by_supplier.get((organisation_id, supplier_id))
        if link_id is not None:
            processings[link_id].add(processing_id)
    wanted = set().union(*processings.values())
    statuses = dict(ConformityResult.all_organisations.using(alias).filter(processing_id__in=wanted)
                    .values_list("processing_id", "status"))
    answer = {}
    for link_id, ids in processings.items():
        counts = Counter(statuses.get(processing_id, "") or "unevaluated" for processing_id in ids)
        known = [Status(value) for value in counts if value in Status._value2member_map_]
        worst = max(known, key=STATUS_RANK.__getitem__).value if known else None
        if "unevaluated" in counts and worst != Status.NON_COMPLIANT.value:
            worst = Status.INCOMPLETE.value if ids else None
        answer[link_id] = {"status": worst, "processings": dict(sorted(counts.items())),
                           "chain_declared": bool(ids)}
    return answer


def registry_listing(numbers: list[str]) -> dict[str, HostCertificate]:
    """The current ANS list's certificate of each number that it lists (by normalised number)."""
    wanted = {normalise_certificate_number(number): number for number in numbers if number}
    found = {}
    for published in HostCertificate.objects.select_related("host").filter(
            normalised_number__in=list(wanted), current=True, host__listed=True):
        found[wanted[published.normalised_number]] = published
    return found
