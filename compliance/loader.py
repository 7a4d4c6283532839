"""Loading processings as the conformity engine's plain inputs, in a constant number of queries.

``load_inputs(processing_ids, on)`` reads, for any number of processings and links, six queries:
processings, their links, the suppliers of those links (with their registry host's listing
flags joined), the certificates of those suppliers and of the organisation, the published
certificates of the confirmed registry hosts, and the current evidence that can prove something.
Everything else is computed in Python.

How the database maps onto the engine's inputs (``compliance.conformity.inputs``):

- ``OrganisationFacts``: the current organisation's name and kind.
- ``ProcessingFacts``: the processing's fields; an empty ``hosting_mode`` is "unknown" (None);
  ``transfers`` become ``Transfer(country, safeguard)``; an empty ``exemption_reason`` is None,
  ``exemption_evidence`` true when the cited evidence is current and valid on the date.
- ``LinkFacts``: actor ``SELF`` when the link has no supplier, otherwise the supplier id;
  ``certificates`` the ids of the certificates the link names (joined into the links' query);
  ``remote_access`` entries become ``RemoteAccess(country, basis)``;
  ``has_hosting_contract`` / ``has_dpa``: a current (not superseded) evidence of kind
  ``hosting_contract`` / ``dpa`` linked to the link's supplier, either to no processing (a
  framework contract) or to this processing, and valid on the evaluation date (``issued_on``
  not after it, ``valid_until`` not before it; empty dates do not limit);
  ``exemption_evidence``: the link's ``exemption_evidence`` is current and valid on the date;
  ``documents_change_on``: the first date after the evaluation date on which one of the documents
  these three flags read starts (``issued_on``) or stops (the day after ``valid_until``) being
  valid, so that the answer's ``valid_until`` accounts for them.
  ``exemption_reason``: the stored reason, "" read as None (the database keeps
  ``exempt_under_parent`` in step with ``covered_by_parent_audit``);
  ``contract_clauses`` / ``contract_locations``: what the valid hosting contracts that count for
  the link (as above) were checked to say, read together: the union of the checked clauses (None
  when none was checked) and of the locations named. On a link of the organisation itself,
  ``has_hosting_contract`` and these terms come from the organisation's own hosting contracts: a
  current evidence of kind ``hosting_contract`` with no supplier, tied to this processing or to
  none (the contract it signs with every controller it serves).
- ``ActorFacts`` (one per supplier): ``non_eu_law_mitigations`` is true when the mitigations
  text is not blank; ``dpf_certified`` is the supplier's flag; ``registry_match`` is the
  supplier's status, a rejected match counting as none, and a confirmed match whose host has
  disappeared as none too; ``registry`` (confirmed
  only) is the ``RegistryView`` of the host: ``present`` = listed in the latest import,
  ``removed`` = removed by an import and not listed since, ``activities`` = the union of its
  current published certificates, ``expires_on`` = the latest of their expiry dates.
- ``ActorFacts.provider_share``: the supplier's ``provider_share`` (a provider linked on the
  instance: active while it shares, ended once the link ends or the share is withdrawn).
- ``CertificateFacts``: every certificate row of those suppliers and of the organisation itself
  (``actor`` ``SELF``), its ``perimeter`` as recorded, with ``has_document`` true when the
  certificate's ``evidence`` is a current evidence, or when a current evidence of kind
  ``hds_certificate`` / ``iso27001_certificate`` is linked to the certificate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

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
    "hosts_for_patients",
    "exemption_reason", "exemption_evidence_id",
)
LINK_FIELDS = (
    "id", "processing_id", "supplier_id", "parent_id", "activities", "stores_health_data", "storage_countries",
    "remote_access", "exempt_under_parent", "exemption_evidence_id", "is_backup", "exemption_reason",
)
RELIED_ON = "certificates"  # joined into the links' query: one row per certificate a link names
SUPPLIER_FIELDS = (
    "id", "name", "country", "subject_to_non_eu_law", "non_eu_laws", "non_eu_law_mitigations",
    "registry_match_status", "registry_host_id", "registry_host__listed", "registry_host__removed_in_id",
    "dpf_certified", "provider_share",
)
CERTIFICATE_FIELDS = (
    "id", "supplier_id", "kind", "activities", "certificate_number", "certifier", "referential_version",
    "issued_on", "expires_on", "status", "source", "evidence_id", "perimeter",
)
CERTIFICATE_DOCUMENTS = (EvidenceKind.HDS_CERTIFICATE, EvidenceKind.ISO27001_CERTIFICATE)
CONTRACT_KINDS = (EvidenceKind.HOSTING_CONTRACT, EvidenceKind.DPA)
EVIDENCE_FIELDS = ("id", "kind", "supplier_id", "processing_id", "certificate_id", "issued_on", "valid_until",
                   "contract_clauses", "contract_locations")


def load_inputs(processing_ids: Iterable[int], on: date) -> dict[int, EvaluationInput]:
    """The engine input of each processing of the current organisation among ``processing_ids``
    (ids of other organisations or deleted processings are simply absent from the result).

    The six queries run in this order, each in its own step; the facts are then built in Python.
    """
    organisation = require_organisation()
    processings = _read_processings(processing_ids)
    if not processings:
        return {}
    links = _read_links(processings)
    supplier_ids = _supplier_ids(links)
    suppliers = _read_suppliers(supplier_ids)
    certificates = _read_certificates(supplier_ids)
    published = _read_published_certificates(suppliers)
    evidence = _EvidenceOnFile.index(_read_evidence(supplier_ids, processings, links, certificates), on)

    facts = _BatchFacts(
        organisation=OrganisationFacts(name=organisation.name, kind=organisation.kind),
        on=on,
        actors={row["id"]: _actor(row, published) for row in suppliers},
        certificates_by_actor=_certificates_by_actor(certificates, evidence),
        evidence=evidence,
    )
    links_by_processing = _links_by_processing(links)
    return {row["id"]: facts.input_for(row, links_by_processing[row["id"]]) for row in processings}


# Reading: one query per step -------------------------------------------------------------------


def _read_processings(processing_ids: Iterable[int]) -> list[dict]:
    """Query 1: the processings of the current organisation among the ids, by id."""
    return list(Processing.objects.filter(id__in=list(processing_ids)).order_by("id").values(*PROCESSING_FIELDS))


def _read_links(processings: list[dict]) -> list[dict]:
    """Query 2: the links of those processings, by processing then id, each with the ids of the
    certificates it names (joined: a link naming two certificates comes as two rows, merged here)."""
    rows = (
        ChainLink.objects.filter(processing_id__in=[row["id"] for row in processings])
        .order_by("processing_id", "id", RELIED_ON).values(*LINK_FIELDS, RELIED_ON)
    )
    links: dict[int, dict] = {}
    for row in rows:
        certificate_id = row.pop(RELIED_ON)
        link = links.setdefault(row["id"], {**row, RELIED_ON: []})
        if certificate_id is not None:
            link[RELIED_ON].append(certificate_id)
    return list(links.values())


def _supplier_ids(links: list[dict]) -> list[int]:
    """The suppliers the links name (a link without one is the organisation itself), sorted."""
    return sorted({link["supplier_id"] for link in links if link["supplier_id"] is not None})


def _read_suppliers(supplier_ids: list[int]) -> list[dict]:
    """Query 3: those suppliers, with their registry host's listing flags joined."""
    return list(Supplier.objects.filter(id__in=supplier_ids).values(*SUPPLIER_FIELDS))


def _read_certificates(supplier_ids: list[int]) -> list[dict]:
    """Query 4: the certificates of those suppliers and of the organisation itself, by id."""
    return list(
        Certificate.objects.filter(Q(supplier_id__in=supplier_ids) | Q(supplier__isnull=True))
        .order_by("id").values(*CERTIFICATE_FIELDS)
    )


def _read_published_certificates(suppliers: list[dict]) -> defaultdict[int, list[dict]]:
    """Query 5: the current published certificates of the confirmed registry hosts, by host id
    (no query when no supplier has a confirmed host)."""
    confirmed_hosts = sorted({row["registry_host_id"] for row in suppliers if _confirmed_host(row)})
    published = defaultdict(list)
    for row in HostCertificate.objects.filter(host_id__in=confirmed_hosts, current=True).values(
        "host_id", "activities", "expires_on"
    ):
        published[row["host_id"]].append(row)
    return published


def _read_evidence(supplier_ids: list[int], processings: list[dict], links: list[dict],
                   certificates: list[dict]) -> list[dict]:
    """Query 6: the current evidence that can prove something: the suppliers' contracts and DPAs,
    the organisation's own hosting contracts (with no supplier: with the controllers it serves),
    the certificates' documents, and the evidence cited by an exemption or a certificate."""
    cited = {link["exemption_evidence_id"] for link in links if link["exemption_evidence_id"]}
    cited |= {row["exemption_evidence_id"] for row in processings if row["exemption_evidence_id"]}
    cited |= {row["evidence_id"] for row in certificates if row["evidence_id"]}
    return list(
        Evidence.objects.filter(superseded_by__isnull=True)
        .filter(Q(kind__in=CONTRACT_KINDS, supplier_id__in=supplier_ids)
                | Q(kind=EvidenceKind.HOSTING_CONTRACT, supplier__isnull=True)
                | Q(kind__in=CERTIFICATE_DOCUMENTS, certificate_id__in=[row["id"] for row in certificates])
                | Q(id__in=cited))
        .values(*EVIDENCE_FIELDS)
    )


def _confirmed_host(supplier: dict) -> bool:
    """The supplier's match with a registry host is confirmed, and the host still exists."""
    status, host_id = supplier["registry_match_status"], supplier["registry_host_id"]
    return status == RegistryMatchStatus.CONFIRMED and host_id is not None


# Indexing the evidence -------------------------------------------------------------------------


def _valid_on(row: dict, on: date) -> bool:
    issued_on, valid_until = row["issued_on"], row["valid_until"]
    return (issued_on is None or issued_on <= on) and (valid_until is None or valid_until >= on)


def _changes_on(row: dict, on: date) -> date | None:
    """The first date after ``on`` on which ``_valid_on`` turns for the document, if any."""
    issued_on, valid_until = row["issued_on"], row["valid_until"]
    if issued_on is not None and issued_on > on:
        return issued_on
    if valid_until is not None and valid_until >= on:
        return valid_until + timedelta(days=1)
    return None


def _earliest(*days: date | None) -> date | None:
    return min((day for day in days if day is not None), default=None)


@dataclass(frozen=True)
class _EvidenceOnFile:
    """What the current evidence proves on the evaluation date."""

    current_ids: set[int]
    valid_ids: set[int]
    documented_certificates: set[int]
    # (kind, supplier id) → the processings the valid contracts of that kind cover (None: all of them).
    # Supplier id None: the organisation's own hosting contracts with the controllers it serves.
    contracts: dict[tuple[str, int | None], set[int | None]]
    # Evidence id → the first date its validity turns; (supplier id, processing id or None) → the
    # earliest such date among the contracts and DPAs with that supplier for that scope.
    changes_on: dict[int, date]
    contract_changes_on: dict[tuple[int, int | None], date]
    # Supplier id (None: the organisation's own) → (processing id or None, clauses, locations) of
    # each valid hosting contract.
    hosting_terms: dict[int | None, list[tuple[int | None, list[str] | None, list[str]]]]

    @classmethod
    def index(cls, rows: list[dict], on: date) -> _EvidenceOnFile:
        valid_ids = {row["id"] for row in rows if _valid_on(row, on)}
        changes_on = {row["id"]: day for row in rows if (day := _changes_on(row, on)) is not None}
        contract_changes_on: dict[tuple[int, int | None], date] = {}
        for row in rows:
            day = changes_on.get(row["id"])
            # The organisation's own hosting contracts (no supplier) count for its own links.
            own_contract = row["supplier_id"] is None and row["kind"] == EvidenceKind.HOSTING_CONTRACT
            if day is not None and row["kind"] in CONTRACT_KINDS and (row["supplier_id"] is not None or own_contract):
                key = (row["supplier_id"], row["processing_id"])
                contract_changes_on[key] = _earliest(contract_changes_on.get(key), day)
        return cls(
            current_ids={row["id"] for row in rows},
            valid_ids=valid_ids,
            documented_certificates={row["certificate_id"] for row in rows if _documents_a_certificate(row)},
            contracts=_contracts(rows, valid_ids),
            changes_on=changes_on,
            contract_changes_on=contract_changes_on,
            hosting_terms=_hosting_terms(rows, valid_ids),
        )

    def is_valid(self, evidence_id: int | None) -> bool:
        return evidence_id in self.valid_ids

    def has_document(self, certificate: dict) -> bool:
        """The certificate's own evidence is current, or a current certificate document names it."""
        return certificate["evidence_id"] in self.current_ids or certificate["id"] in self.documented_certificates

    def contract_on_file(self, kind: str, supplier_id: int | None, processing_id: int) -> bool:
        """A valid contract of ``kind`` with the supplier, framework (no processing) or for this
        processing; with no supplier, the organisation's own hosting contract."""
        if supplier_id is None and kind != EvidenceKind.HOSTING_CONTRACT:
            return False
        scopes = self.contracts.get((kind, supplier_id), ())
        return None in scopes or processing_id in scopes

    def documents_change_on(self, supplier_id: int | None, processing_id: int,
                            exemption_evidence_id: int | None) -> date | None:
        """The first date a link's contracts, DPAs or exemption proof start or stop being valid."""
        contracts = self.contract_changes_on
        return _earliest(
            contracts.get((supplier_id, None)), contracts.get((supplier_id, processing_id)),
            self.changes_on.get(exemption_evidence_id),
        )

    def contract_terms(self, supplier_id: int | None,
                       processing_id: int) -> tuple[frozenset[str] | None, tuple[str, ...]]:
        """The clauses and locations of the valid hosting contracts that apply, read together:
        the union of those checked (None when none is), and the union of the locations named."""
        clauses: set[str] | None = None
        locations: set[str] = set()
        for scope, checked, named in self.hosting_terms.get(supplier_id, ()):
            if scope is not None and scope != processing_id:
                continue
            if checked is not None:
                clauses = (clauses or set()) | set(checked)
            locations.update(named)
        return (None if clauses is None else frozenset(clauses)), tuple(sorted(locations))


def _documents_a_certificate(row: dict) -> bool:
    return row["kind"] in CERTIFICATE_DOCUMENTS and row["certificate_id"] is not None


def _contracts(rows: list[dict], valid_ids: set[int]) -> dict[tuple[str, int | None], set[int | None]]:
    """The valid contracts and DPAs: (kind, supplier id) → the processings they cover. A hosting
    contract with no supplier is the organisation's own (supplier id None); a DPA needs a supplier."""
    contracts: dict[tuple[str, int | None], set[int | None]] = defaultdict(set)
    for row in rows:
        if row["id"] not in valid_ids or row["kind"] not in CONTRACT_KINDS:
            continue
        if row["supplier_id"] is not None or row["kind"] == EvidenceKind.HOSTING_CONTRACT:
            contracts[(row["kind"], row["supplier_id"])].add(row["processing_id"])
    return contracts


def _hosting_terms(rows: list[dict], valid_ids: set[int]) -> dict[int | None, list]:
    """Supplier id (None: the organisation's own) → what each valid hosting contract says."""
    terms: dict[int | None, list] = defaultdict(list)
    for row in rows:
        if row["kind"] == EvidenceKind.HOSTING_CONTRACT and row["id"] in valid_ids:
            terms[row["supplier_id"]].append((row["processing_id"], row["contract_clauses"],
                                              row["contract_locations"]))
    return terms


# Building the facts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _BatchFacts:
    """The facts shared by the processings of a batch; each processing takes the part its links name."""

    organisation: OrganisationFacts
    on: date
    actors: dict[int, ActorFacts]
    certificates_by_actor: defaultdict[int | str, list[CertificateFacts]]
    evidence: _EvidenceOnFile

    def input_for(self, processing: dict, links: list[dict]) -> EvaluationInput:
        """Actors sorted by key and certificates grouped by actor in key order: the inputs digest
        hashes their ``repr``, so this order is part of the output."""
        own_proof = processing["exemption_evidence_id"]
        link_facts = tuple(_link(link, self.evidence, own_proof) for link in links)
        keys = {link.actor for link in link_facts}
        return EvaluationInput(
            organisation=self.organisation,
            processing=_processing(processing, self.evidence),
            on=self.on,
            links=link_facts,
            actors={key: self.actors[key] for key in sorted(keys - {SELF})},
            certificates=tuple(
                certificate for key in sorted(keys, key=str) for certificate in self.certificates_by_actor[key]
            ),
        )


def _links_by_processing(links: list[dict]) -> defaultdict[int, list[dict]]:
    """The link rows of each processing, in the order read (a processing without links has none)."""
    links_by_processing = defaultdict(list)
    for link in links:
        links_by_processing[link["processing_id"]].append(link)
    return links_by_processing


def _certificates_by_actor(
    certificates: list[dict], evidence: _EvidenceOnFile
) -> defaultdict[int | str, list[CertificateFacts]]:
    """The certificate facts of each actor, by certificate id."""
    certificates_by_actor = defaultdict(list)
    for row in certificates:
        certificate = _certificate(row, evidence)
        certificates_by_actor[certificate.actor].append(certificate)
    return certificates_by_actor


def _certificate(row: dict, evidence: _EvidenceOnFile) -> CertificateFacts:
    """A certificate row of a supplier or of the organisation itself (actor ``SELF``)."""
    return CertificateFacts(
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
        has_document=evidence.has_document(row),
        perimeter=row["perimeter"],
    )


def _processing(row: dict, evidence: _EvidenceOnFile) -> ProcessingFacts:
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
        hosts_for_patients=row["hosts_for_patients"],
        exemption_reason=row["exemption_reason"] or None,
        exemption_evidence=evidence.is_valid(row["exemption_evidence_id"]),
    )


def _actor(row: dict, published: dict[int, list[dict]]) -> ActorFacts:
    """A supplier as an actor; a rejected match, or a confirmed one whose host is gone, counts as none."""
    status = row["registry_match_status"]
    registry = None
    if _confirmed_host(row):
        registry = _registry_view(row, published[row["registry_host_id"]])
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
        dpf_certified=row["dpf_certified"],
        provider_share=row["provider_share"],
    )


def _registry_view(supplier: dict, published: list[dict]) -> RegistryView:
    """The confirmed host as the ANS list shows it: listing flags and its current published certificates."""
    expiries = [c["expires_on"] for c in published if c["expires_on"] is not None]
    listed = bool(supplier["registry_host__listed"])
    return RegistryView(
        present=listed,
        removed=not listed and supplier["registry_host__removed_in_id"] is not None,
        activities=frozenset().union(*(c["activities"] for c in published)),
        expires_on=max(expiries) if expiries else None,
    )


def _link(row: dict, evidence: _EvidenceOnFile, own_exemption_evidence_id: int | None) -> LinkFacts:
    """A link, with the contracts and the exemption proof that are valid on the evaluation date.
    The organisation's own links take the processing's exemption (and so its proof's dates) when
    they have none of their own."""
    supplier_id = row["supplier_id"]
    processing_id = row["processing_id"]
    documents_change_on = evidence.documents_change_on(supplier_id, processing_id, row["exemption_evidence_id"])
    if supplier_id is None:
        documents_change_on = _earliest(documents_change_on, evidence.changes_on.get(own_exemption_evidence_id))
    clauses, locations = evidence.contract_terms(supplier_id, processing_id)
    return LinkFacts(
        id=row["id"],
        actor=SELF if supplier_id is None else supplier_id,
        activities=row["activities"],
        parent_id=row["parent_id"],
        stores_health_data=row["stores_health_data"],
        storage_countries=row["storage_countries"],
        remote_access=tuple(RemoteAccess(item["country"], item.get("basis", "")) for item in row["remote_access"]),
        exempt_under_parent=row["exempt_under_parent"],
        exemption_evidence=evidence.is_valid(row["exemption_evidence_id"]),
        has_hosting_contract=evidence.contract_on_file(EvidenceKind.HOSTING_CONTRACT, supplier_id, processing_id),
        has_dpa=evidence.contract_on_file(EvidenceKind.DPA, supplier_id, processing_id),
        is_backup=row["is_backup"],
        certificates=frozenset(row[RELIED_ON]),
        documents_change_on=documents_change_on,
        exemption_reason=row["exemption_reason"] or None,
        contract_clauses=clauses,
        contract_locations=locations,
    )
