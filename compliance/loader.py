"""Loading processings as the conformity engine's plain inputs, in a constant number of queries.

``load_inputs(processing_ids, on)`` reads, for any number of processings and links, six queries:
processings, their links, the suppliers of those links (with their registry host's listing
flags joined), the certificates of those suppliers and of the organisation, the published
certificates of the confirmed registry hosts, and the current evidence that can prove something.
Everything else is computed in Python.

How the database maps onto the engine's inputs (``compliance.conformity.inputs``):

- ``OrganisationFacts``: the current organisation's name and kind.
- ``ProcessingFacts``: the processing's fields; an empty ``hosting_mode`` is "unknown" (None);
  ``transfers`` become ``Transfer(country, safeguard)``.
- ``LinkFacts``: actor ``SELF`` when the link has no supplier, otherwise the supplier id;
  ``remote_access`` entries become ``RemoteAccess(country, basis)``;
  ``has_hosting_contract`` / ``has_dpa``: a current (not superseded) evidence of kind
  ``hosting_contract`` / ``dpa`` linked to the link's supplier, either to no processing (a
  framework contract) or to this processing, and valid on the evaluation date (``issued_on``
  not after it, ``valid_until`` not before it; empty dates do not limit);
  ``exemption_evidence``: the link's ``exemption_evidence`` is current and valid on the date.
- ``ActorFacts`` (one per supplier): ``non_eu_law_mitigations`` is true when the mitigations
  text is not blank; ``registry_match`` is the supplier's status, a rejected match counting as
  none, and a confirmed match whose host has disappeared as none too; ``registry`` (confirmed
  only) is the ``RegistryView`` of the host: ``present`` = listed in the latest import,
  ``removed`` = removed by an import and not listed since, ``activities`` = the union of its
  current published certificates, ``expires_on`` = the latest of their expiry dates.
- ``CertificateFacts``: every certificate row of those suppliers and of the organisation itself
  (``actor`` ``SELF``), with ``has_document`` true when the certificate's ``evidence`` is a
  current evidence, or when a current evidence of kind ``hds_certificate`` /
  ``iso27001_certificate`` is linked to the certificate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import Q

from compliance.conformity import (
    SELF,
    ActorFacts,
    CertificateFacts,
    EvaluationInput,
    LinkFacts,
    OrganisationFacts,
    ProcessingFacts,
    RegistryView,
    RemoteAccess,
    Transfer,
)
from compliance.models import (
    Certificate,
    ChainLink,
    Evidence,
    EvidenceKind,
    Processing,
    RegistryMatchStatus,
    Supplier,
)
from hds_platform.tenancy import require_organisation
from registry.models import HostCertificate

PROCESSING_FIELDS = (
    "id", "name", "health_data", "identifiability", "hosting_mode", "role", "purposes", "legal_basis",
    "art9_condition", "data_subject_categories", "data_categories", "recipients", "retention",
    "security_measures", "controller_contact", "transfers", "dpia_required", "dpia_done", "controllers_served",
)
LINK_FIELDS = (
    "id", "processing_id", "supplier_id", "parent_id", "activities", "stores_health_data", "storage_countries",
    "remote_access", "exempt_under_parent", "exemption_evidence_id", "is_backup",
)
SUPPLIER_FIELDS = (
    "id", "name", "country", "subject_to_non_eu_law", "non_eu_laws", "non_eu_law_mitigations",
    "registry_match_status", "registry_host_id", "registry_host__listed", "registry_host__removed_in_id",
)
CERTIFICATE_FIELDS = (
    "id", "supplier_id", "kind", "activities", "certificate_number", "certifier", "referential_version",
    "issued_on", "expires_on", "status", "source", "evidence_id",
)
CERTIFICATE_DOCUMENTS = (EvidenceKind.HDS_CERTIFICATE, EvidenceKind.ISO27001_CERTIFICATE)
CONTRACT_KINDS = (EvidenceKind.HOSTING_CONTRACT, EvidenceKind.DPA)


def _valid_on(row: dict, on: date) -> bool:
    issued_on, valid_until = row["issued_on"], row["valid_until"]
    return (issued_on is None or issued_on <= on) and (valid_until is None or valid_until >= on)


def load_inputs(processing_ids: Iterable[int], on: date) -> dict[int, EvaluationInput]:
    """The engine input of each processing of the current organisation among ``processing_ids``
    (ids of other organisations or deleted processings are simply absent from the result)."""
    organisation = require_organisation()
    ids = list(processing_ids)
    processings = list(Processing.objects.filter(id__in=ids).order_by("id").values(*PROCESSING_FIELDS))
    if not processings:
        return {}
    links = list(
        ChainLink.objects.filter(processing_id__in=[row["id"] for row in processings])
        .order_by("processing_id", "id").values(*LINK_FIELDS)
    )
    supplier_ids = sorted({link["supplier_id"] for link in links if link["supplier_id"] is not None})
    suppliers = list(Supplier.objects.filter(id__in=supplier_ids).values(*SUPPLIER_FIELDS))
    certificates = list(
        Certificate.objects.filter(Q(supplier_id__in=supplier_ids) | Q(supplier__isnull=True))
        .order_by("id").values(*CERTIFICATE_FIELDS)
    )
    confirmed_hosts = sorted({
        row["registry_host_id"] for row in suppliers
        if row["registry_match_status"] == RegistryMatchStatus.CONFIRMED and row["registry_host_id"] is not None
    })
    published = defaultdict(list)
    for row in HostCertificate.objects.filter(host_id__in=confirmed_hosts, current=True).values(
        "host_id", "activities", "expires_on"
    ):
        published[row["host_id"]].append(row)

    cited = {link["exemption_evidence_id"] for link in links if link["exemption_evidence_id"]}
    cited |= {row["evidence_id"] for row in certificates if row["evidence_id"]}
    evidence = list(
        Evidence.objects.filter(superseded_by__isnull=True)
        .filter(Q(kind__in=CONTRACT_KINDS, supplier_id__in=supplier_ids)
                | Q(kind__in=CERTIFICATE_DOCUMENTS, certificate_id__in=[row["id"] for row in certificates])
                | Q(id__in=cited))
        .values("id", "kind", "supplier_id", "processing_id", "certificate_id", "issued_on", "valid_until")
    )

    # Evidence indexes.
    current_ids = {row["id"] for row in evidence}
    valid_ids = {row["id"] for row in evidence if _valid_on(row, on)}
    documented_certificates = {row["certificate_id"] for row in evidence
                               if row["kind"] in CERTIFICATE_DOCUMENTS and row["certificate_id"] is not None}
    contracts: dict[tuple[str, int], set[int | None]] = defaultdict(set)
    for row in evidence:
        if row["kind"] in CONTRACT_KINDS and row["supplier_id"] is not None and row["id"] in valid_ids:
            contracts[(row["kind"], row["supplier_id"])].add(row["processing_id"])

    actors = {row["id"]: _actor(row, published) for row in suppliers}
    certificate_facts = [
        CertificateFacts(
            id=row["id"],
            actor=SELF if row["supplier_id"] is None else row["supplier_id"],
            kind=row["kind"],
            activities=row["activities"],
            number=row["certificate_number"],
            certifier=row["certifier"],
            referential_version=row["referential_version"],
            issued_on=row["issued_on"],
            expires_on=row["expires_on"],
            status=row["status"],
            source=row["source"],
            has_document=row["evidence_id"] in current_ids or row["id"] in documented_certificates,
        )
        for row in certificates
    ]
    certificates_by_actor = defaultdict(list)
    for certificate in certificate_facts:
        certificates_by_actor[certificate.actor].append(certificate)

    links_by_processing = defaultdict(list)
    for link in links:
        links_by_processing[link["processing_id"]].append(link)

    organisation_facts = OrganisationFacts(name=organisation.name, kind=organisation.kind)
    inputs = {}
    for row in processings:
        processing_links = links_by_processing[row["id"]]
        link_facts = tuple(_link(link, contracts, valid_ids) for link in processing_links)
        keys = {link.actor for link in link_facts}
        inputs[row["id"]] = EvaluationInput(
            organisation=organisation_facts,
            processing=_processing(row),
            on=on,
            links=link_facts,
            actors={key: actors[key] for key in sorted(keys - {SELF})},
            certificates=tuple(
                certificate for key in sorted(keys, key=str) for certificate in certificates_by_actor[key]
            ),
        )
    return inputs


def _processing(row: dict) -> ProcessingFacts:
    return ProcessingFacts(
        id=row["id"],
        name=row["name"],
        health_data=row["health_data"],
        identifiability=row["identifiability"],
        hosting_mode=row["hosting_mode"] or None,
        role=row["role"],
        purposes=row["purposes"],
        legal_basis=row["legal_basis"],
        art9_condition=row["art9_condition"],
        data_subject_categories=row["data_subject_categories"],
        data_categories=row["data_categories"],
        recipients=row["recipients"],
        retention=row["retention"],
        security_measures=row["security_measures"],
        controller_contact=row["controller_contact"],
        transfers=tuple(Transfer(item["country"], item.get("safeguard", "")) for item in row["transfers"]),
        dpia_required=row["dpia_required"],
        dpia_done=row["dpia_done"],
        controllers_served=row["controllers_served"],
    )


def _actor(row: dict, published: dict[int, list[dict]]) -> ActorFacts:
    status = row["registry_match_status"]
    registry = None
    if status == RegistryMatchStatus.CONFIRMED and row["registry_host_id"] is not None:
        certificates = published[row["registry_host_id"]]
        activities = frozenset().union(*(c["activities"] for c in certificates))
        expiries = [c["expires_on"] for c in certificates if c["expires_on"] is not None]
        listed = bool(row["registry_host__listed"])
        registry = RegistryView(
            present=listed,
            removed=not listed and row["registry_host__removed_in_id"] is not None,
            activities=activities,
            expires_on=max(expiries) if expiries else None,
        )
    elif status in (RegistryMatchStatus.CONFIRMED, RegistryMatchStatus.REJECTED):
        status = RegistryMatchStatus.NONE
    return ActorFacts(
        key=row["id"],
        name=row["name"],
        country=row["country"],
        subject_to_non_eu_law=row["subject_to_non_eu_law"],
        non_eu_laws=row["non_eu_laws"],
        non_eu_law_mitigations=bool(row["non_eu_law_mitigations"].strip()),
        registry_match=status,
        registry=registry,
    )


def _link(row: dict, contracts: dict, valid_ids: set[int]) -> LinkFacts:
    supplier_id = row["supplier_id"]
    processing_id = row["processing_id"]

    def on_file(kind: str) -> bool:
        scopes = contracts.get((kind, supplier_id), ())
        return None in scopes or processing_id in scopes

    return LinkFacts(
        id=row["id"],
        actor=SELF if supplier_id is None else supplier_id,
        activities=row["activities"],
        parent_id=row["parent_id"],
        stores_health_data=row["stores_health_data"],
        storage_countries=row["storage_countries"],
        remote_access=tuple(RemoteAccess(item["country"], item.get("basis", "")) for item in row["remote_access"]),
        exempt_under_parent=row["exempt_under_parent"],
        exemption_evidence=row["exemption_evidence_id"] in valid_ids,
        has_hosting_contract=supplier_id is not None and on_file(EvidenceKind.HOSTING_CONTRACT),
        has_dpa=supplier_id is not None and on_file(EvidenceKind.DPA),
        is_backup=row["is_backup"],
    )
