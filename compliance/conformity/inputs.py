"""The facts the conformity engine reads: plain, frozen dataclasses, no Django.

The loader (outside this package) builds one `EvaluationInput` per processing. Enumerated fields
accept either the enum member or its string value (as stored in the database) and are coerced,
so a typo in the loader fails loudly here instead of being silently treated as "other". Lists
are coerced to tuples, activity sets to frozensets, country codes to upper case.

The enums are also the vocabulary the database stores: the models' choices are built from them
(`compliance.models.choices`), so their values and order are a contract.

Actors are identified by a key: `SELF` ("self") for the organisation itself, otherwise the
supplier's id. The same key appears on links and certificates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

SELF = "self"
"""Actor key of the evaluated organisation itself."""

ActorKey = int | str
"""`SELF` or a supplier id."""

ALL_ACTIVITIES = frozenset(range(1, 7))
"""The six HDS activities of CSP art. R.1111-9 (numbered as in the decree)."""

BACKUP_ACTIVITY = 6
"""External backup of health data (CSP art. R.1111-9, 6°)."""


class OrganisationKind(StrEnum):
    HEALTH_PROFESSIONAL = "health_professional"
    HEALTH_ESTABLISHMENT = "health_establishment"
    SOFTWARE_EDITOR = "software_editor"
    HOSTING_PROVIDER = "hosting_provider"
    OTHER = "other"


class Identifiability(StrEnum):
    IDENTIFIED = "identified"
    PSEUDONYMISED = "pseudonymised"
    ANONYMISED = "anonymised"


class HostingMode(StrEnum):
    SELF_HOSTED = "self_hosted"
    OUTSOURCED = "outsourced"


class Role(StrEnum):
    CONTROLLER = "controller"
    PROCESSOR = "processor"


class RegistryMatch(StrEnum):
    NONE = "none"
    SUGGESTED = "suggested"
    CONFIRMED = "confirmed"


class CertificateKind(StrEnum):
    HDS = "hds"
    ISO27001 = "iso27001"


class CertificateStatus(StrEnum):
    VALID = "valid"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"


class CertificateSource(StrEnum):
    REGISTRY = "registry"
    DOCUMENT = "document"
    MANUAL = "manual"
    PROVIDER = "provider"  # shared, read-only and live, by a provider linked on the same instance


class ProviderShare(StrEnum):
    """Whether an actor is a provider linked on the instance that shares its certificates."""

    NONE = ""  # not a linked provider
    ACTIVE = "active"  # linked: its shared certificates are the ones on file
    ENDED = "ended"  # the link ended or the share was withdrawn: its certificates are unknown


class TransferBasis(StrEnum):
    """Legal basis of a remote access from outside the EEA (HDS v2 EXI 29)."""

    ADEQUACY = "adequacy"  # GDPR art. 45: the country has an adequacy decision
    SAFEGUARDS = "safeguards"  # GDPR art. 46: documented appropriate safeguards (SCC, BCR...)
    NONE = ""  # nothing documented


class ContractClause(StrEnum):
    """The clauses a health data hosting contract must contain (CSP art. R.1111-11, 1° to 14°), in
    the article's order: the position of a member is its number minus one."""

    CERTIFICATE_SCOPE_DATES = "certificate_scope_dates"  # 1° certificate perimeter, issue and renewal dates
    SERVICES = "services"  # 2° services and expected results
    HOSTING_LOCATIONS = "hosting_locations"  # 3° hosting locations
    DATA_SUBJECT_RIGHTS_BREACH = "data_subject_rights_breach"  # 4° data-subject rights, breach notification
    INCIDENT_CONTACT = "incident_contact"  # 5° the customer's contact for incidents
    SERVICE_LEVELS = "service_levels"  # 6° service indicators and levels
    SUBCONTRACTORS = "subcontractors"  # 7° conditions for using subcontractors
    ACCESS_RULES = "access_rules"  # 8° access rules
    CHANGES = "changes"  # 9° obligations when things change
    HOST_FAILURE = "host_failure"  # 10° guarantees if the host fails
    NO_OTHER_USE = "no_other_use"  # 11° ban on any other use of the data
    REVERSIBILITY_RESTITUTION = "reversibility_restitution"  # 12° reversibility: restitution
    REVERSIBILITY_DESTRUCTION = "reversibility_destruction"  # 13° reversibility: destruction of copies
    REVERSIBILITY_FORMATS = "reversibility_formats"  # 14° reversibility: readable formats


ALL_CONTRACT_CLAUSES = frozenset(ContractClause)


class ExemptionReason(StrEnum):
    """Why an actor performing HDS activities needs no HDS certificate of its own, each with its proof."""

    ARCHIVING_APPROVED = "archiving_approved"  # electronic archiving approved by the Culture ministry (L.1111-8)
    SHORT_TERM_PROCESSING = "short_term_processing"  # short-term reception, not hosting (R.1111-8-8 I)
    COVERED_BY_PARENT_AUDIT = "covered_by_parent_audit"  # within the certified parent's audit (v2, EXI 12/14)


# Value -> member: a dictionary lookup costs a tenth of calling the enum class, and inputs are
# built by the hundred thousand.
_MEMBERS = {
    enum_cls: {member.value: member for member in enum_cls}
    for enum_cls in (OrganisationKind, Identifiability, HostingMode, Role, RegistryMatch, CertificateKind,
                     CertificateStatus, CertificateSource, TransferBasis, ContractClause, ExemptionReason,
                     ProviderShare)
}


def _enum(enum_cls, value):
    try:
        return _MEMBERS[enum_cls][value]
    except KeyError:
        raise ValueError(f"{value!r} is not a valid {enum_cls.__name__}") from None


def _optional_enum(enum_cls, value):
    return None if value is None or value == "" else _enum(enum_cls, value)


def _tuple(values: Iterable) -> tuple:
    return values if type(values) is tuple else tuple(values)


def _activities(values: Iterable[int]) -> frozenset[int]:
    activities = values if type(values) is frozenset else frozenset(values)
    if not activities <= ALL_ACTIVITIES:
        raise ValueError(f"HDS activities are numbered 1 to 6, got {sorted(activities)}")
    return activities


def _countries(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(country.strip().upper() for country in values)


def _clauses(values: Iterable[str] | None) -> frozenset[ContractClause] | None:
    return None if values is None else frozenset(_enum(ContractClause, value) for value in values)


_set = object.__setattr__  # how __post_init__ normalises a field of a frozen dataclass


@dataclass(frozen=True, slots=True)
class OrganisationFacts:
    """The organisation whose processing is evaluated (the tenant)."""

    name: str
    kind: OrganisationKind

    def __post_init__(self) -> None:
        _set(self, "kind", _enum(OrganisationKind, self.kind))


@dataclass(frozen=True, slots=True)
class Transfer:
    """A transfer to a third country recorded in the register (GDPR art. 30(1)(e))."""

    country: str
    safeguard: str = ""  # e.g. "CCT 2021/914"; empty when none is recorded

    def __post_init__(self) -> None:
        _set(self, "country", self.country.strip().upper())


@dataclass(frozen=True, slots=True)
class ProcessingFacts:
    """One GDPR art. 30 register entry.

    Text fields are "" and collections empty when the register does not say. `hosting_mode`
    None (or "") means unknown; `dpia_required` None means nobody assessed it yet.
    `controllers_served` is read only for the processor role (art. 30(2)(a)). The DPO's contact
    is deliberately not an input: whether a DPO is required (art. 37) is not decided here, so its
    absence would prove nothing. `hosts_for_patients` marks a service hosting health data on
    behalf of the patients themselves (CSP L.1111-8 I: a patient-facing service holding its
    users' data), which is hosting even on the organisation's own servers.
    `exemption_reason` is the organisation's own exemption for what
    it does in this processing (an approved archiving service, or short-term processing; never
    `covered_by_parent_audit`, which concerns a link); `exemption_evidence` tells whether its proof
    is on file.
    """

    id: int
    name: str
    health_data: bool
    identifiability: Identifiability
    hosting_mode: HostingMode | None
    role: Role = Role.CONTROLLER
    purposes: tuple[str, ...] = ()
    legal_basis: str = ""  # GDPR art. 6(1) basis
    art9_condition: str = ""  # GDPR art. 9(2) condition
    data_subject_categories: tuple[str, ...] = ()
    data_categories: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    retention: str = ""
    security_measures: str = ""
    controller_contact: str = ""  # controller (or, for a processor, processor) name and contact
    transfers: tuple[Transfer, ...] = ()
    dpia_required: bool | None = None
    dpia_done: bool = False
    controllers_served: tuple[str, ...] = ()
    hosts_for_patients: bool = False
    exemption_reason: ExemptionReason | None = None
    exemption_evidence: bool = False

    def __post_init__(self) -> None:
        _set(self, "exemption_reason", _optional_enum(ExemptionReason, self.exemption_reason))
        if self.exemption_reason is ExemptionReason.COVERED_BY_PARENT_AUDIT:
            raise ValueError(f"processing {self.id}: covered_by_parent_audit is an exemption of a link")
        _set(self, "identifiability", _enum(Identifiability, self.identifiability))
        _set(self, "hosting_mode", _optional_enum(HostingMode, self.hosting_mode))
        _set(self, "role", _enum(Role, self.role))
        for name in ("purposes", "data_subject_categories", "data_categories", "recipients",
                     "transfers", "controllers_served"):
            _set(self, name, _tuple(getattr(self, name)))


@dataclass(frozen=True, slots=True)
class RegistryView:
    """What the latest official ANS list says about a supplier confirmed as one of its hosts."""

    present: bool  # the host is in the latest imported list
    removed: bool = False  # the host was in an earlier list and has been removed since
    activities: frozenset[int] = frozenset()
    expires_on: date | None = None

    def __post_init__(self) -> None:
        _set(self, "activities", _activities(self.activities))


@dataclass(frozen=True, slots=True)
class ActorFacts:
    """Someone who performs HDS activities in a chain: a supplier, or the organisation itself.

    `country` is the ISO 3166 alpha-2 code of the actor's seat ("" when unknown); an actor
    seated in a third country without an adequacy decision is treated as subject to non-EU law
    even when not flagged. `dpf_certified` records that the actor is certified under the EU-US
    Data Privacy Framework, the condition of the US adequacy decision.
    `registry` holds the official list's view and is required when, and only when,
    `registry_match` is confirmed.
    """

    key: ActorKey
    name: str
    country: str = ""
    subject_to_non_eu_law: bool = False
    non_eu_laws: tuple[str, ...] = ()  # e.g. ("US CLOUD Act", "FISA 702")
    non_eu_law_mitigations: bool = False  # mitigations and residual risk documented (EXI 30)
    registry_match: RegistryMatch = RegistryMatch.NONE
    registry: RegistryView | None = None
    dpf_certified: bool = False
    provider_share: ProviderShare = ProviderShare.NONE

    def __post_init__(self) -> None:
        _set(self, "country", self.country.strip().upper())
        _set(self, "provider_share", _enum(ProviderShare, self.provider_share))
        _set(self, "non_eu_laws", _tuple(self.non_eu_laws))
        _set(self, "registry_match", _enum(RegistryMatch, self.registry_match))
        if (self.registry_match is RegistryMatch.CONFIRMED) != (self.registry is not None):
            raise ValueError(f"actor {self.key!r}: a registry view goes with a confirmed match only")

    @property
    def is_self(self) -> bool:
        return self.key == SELF


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """An HDS or ISO 27001 certificate held by an actor (from the registry or from evidence).

    `referential_version` is normalised when written ("v1", "v2", "" when unknown; a notation
    nobody recognises, such as "v2.1", is kept as data); the validity rule decides the
    referential from the facts (`rules.validity.referential_of`). `issued_on` may be None when
    unknown; `expires_on` is always known (an HDS certificate is issued for three years).
    `has_document` tells whether the certificate itself is on file as evidence. `perimeter` is
    the certified offer or service as the certificate and the ANS list's scope column word it
    ("" when unknown): two certificates of one actor with different perimeters are two offers.
    """

    id: int
    actor: ActorKey
    kind: CertificateKind
    activities: frozenset[int]
    number: str
    certifier: str
    referential_version: str
    issued_on: date | None
    expires_on: date
    status: CertificateStatus = CertificateStatus.VALID
    source: CertificateSource = CertificateSource.DOCUMENT
    has_document: bool = False
    perimeter: str = ""

    def __post_init__(self) -> None:
        _set(self, "kind", _enum(CertificateKind, self.kind))
        _set(self, "activities", _activities(self.activities))
        _set(self, "status", _enum(CertificateStatus, self.status))
        _set(self, "source", _enum(CertificateSource, self.source))


@dataclass(frozen=True, slots=True)
class RemoteAccess:
    """A country from which the actor of a link can access the data, and the legal basis."""

    country: str
    basis: TransferBasis = TransferBasis.NONE

    def __post_init__(self) -> None:
        _set(self, "country", self.country.strip().upper())
        _set(self, "basis", _enum(TransferBasis, self.basis))


@dataclass(frozen=True, slots=True)
class LinkFacts:
    """A chain link: an actor performing HDS activities for the processing.

    `parent_id` is the link this one subcontracts for (None for a direct contractor of the
    organisation). `storage_countries` empty means unknown. `is_backup` marks an external backup
    service, which is activity 6 whatever `activities` says. `has_hosting_contract` and
    `has_dpa` tell whether the contract (CSP R.1111-11) and the data processing agreement
    (GDPR art. 28) are on file; they are read for direct contractors only. On a link of the
    organisation itself (`SELF`), `has_hosting_contract` and the contract terms describe the
    organisation's own hosting contract with the controllers it serves.

    `certificates` holds the ids of the certificates of the link's actor the link relies on (the
    service used is in their perimeter); empty means none was named.

    `documents_change_on` is the first date after the evaluation date on which one of the dated
    documents behind `has_hosting_contract`, `has_dpa` or `exemption_evidence` starts or stops
    being valid (None: none will), so that the answer's `valid_until` accounts for documents too.

    `contract_clauses` are the R.1111-11 clauses the hosting contracts on file were checked to
    contain, None when nobody has checked them (or no contract is on file); `contract_locations`
    the hosting locations they name (ISO codes, empty: not recorded).

    `exemption_reason` says why the actor needs no HDS certificate of its own, and
    `exemption_evidence` whether its proof is on file. `exempt_under_parent` is the older name of
    `covered_by_parent_audit`: either one sets the other, and a contradiction between them is
    refused (to drop the exemption of a link built with it, clear both).
    """

    id: int
    actor: ActorKey
    activities: frozenset[int]
    parent_id: int | None = None
    stores_health_data: bool = True
    storage_countries: tuple[str, ...] = ()
    remote_access: tuple[RemoteAccess, ...] = ()
    exempt_under_parent: bool | None = None  # None: as the exemption reason says; always a bool once built
    exemption_evidence: bool = False
    has_hosting_contract: bool = False
    has_dpa: bool = False
    is_backup: bool = False
    certificates: frozenset[int] = frozenset()
    documents_change_on: date | None = None
    exemption_reason: ExemptionReason | None = None
    contract_clauses: frozenset[ContractClause] | None = None
    contract_locations: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _set(self, "activities", _activities(self.activities))
        _set(self, "storage_countries", _countries(self.storage_countries))
        _set(self, "remote_access", _tuple(self.remote_access))
        _set(self, "certificates", self.certificates if type(self.certificates) is frozenset
             else frozenset(self.certificates))
        _set(self, "contract_clauses", _clauses(self.contract_clauses))
        _set(self, "contract_locations", _countries(self.contract_locations))
        reason = _optional_enum(ExemptionReason, self.exemption_reason)
        if reason is None and self.exempt_under_parent:
            reason = ExemptionReason.COVERED_BY_PARENT_AUDIT
        covered = reason is ExemptionReason.COVERED_BY_PARENT_AUDIT
        if self.exempt_under_parent is not None and self.exempt_under_parent != covered:
            raise ValueError(f"link {self.id}: exempt_under_parent={self.exempt_under_parent} contradicts "
                             f"exemption reason {reason}")
        _set(self, "exemption_reason", reason)
        _set(self, "exempt_under_parent", covered)

    @property
    def is_self(self) -> bool:
        return self.actor == SELF


@dataclass(frozen=True, slots=True)
class EvaluationInput:
    """Everything needed to evaluate one processing on one date.

    `actors` maps every supplier key used by a link to its facts; the organisation's own entry
    (`SELF`) is optional and defaults to an actor named after the organisation. `certificates`
    may hold any certificate of these actors; the engine indexes them itself.
    """

    organisation: OrganisationFacts
    processing: ProcessingFacts
    on: date
    links: tuple[LinkFacts, ...] = ()
    actors: Mapping[ActorKey, ActorFacts] = field(default_factory=dict)
    certificates: tuple[CertificateFacts, ...] = ()

    def __post_init__(self) -> None:
        _set(self, "links", _tuple(self.links))
        _set(self, "certificates", _tuple(self.certificates))
