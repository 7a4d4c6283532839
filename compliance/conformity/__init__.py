"""Maillon's conformity engine: plain Python over plain data, no Django.

`evaluate(EvaluationInput) -> EvaluationResult` takes one processing with its hosting chain, the
certificates of the actors involved and the evaluation date, and returns a status with ordered
findings. The finding catalogue is documented in `findings`, the status logic in `engine`, each
rule family in `rules/`, the expiry horizons every part of Maillon shares in `horizons`.
"""

from .engine import STATUS_RANK, EvaluationResult, Status, evaluate, worse
from .findings import CATALOGUE, RULE_CODES, Finding, FindingSpec, Severity
from .inputs import (
    ALL_CONTRACT_CLAUSES,
    SELF,
    ActorFacts,
    ActorKey,
    CertificateFacts,
    CertificateKind,
    CertificateSource,
    CertificateStatus,
    ContractClause,
    EvaluationInput,
    ExemptionReason,
    HostingMode,
    Identifiability,
    LinkFacts,
    OrganisationFacts,
    OrganisationKind,
    ProcessingFacts,
    ProviderShare,
    RegistryMatch,
    RegistryView,
    RemoteAccess,
    Role,
    Transfer,
    TransferBasis,
)

__all__ = [
    "ALL_CONTRACT_CLAUSES",
    "CATALOGUE",
    "RULE_CODES",
    "SELF",
    "STATUS_RANK",
    "ActorFacts",
    "ActorKey",
    "CertificateFacts",
    "CertificateKind",
    "CertificateSource",
    "CertificateStatus",
    "ContractClause",
    "EvaluationInput",
    "EvaluationResult",
    "ExemptionReason",
    "Finding",
    "FindingSpec",
    "HostingMode",
    "Identifiability",
    "LinkFacts",
    "OrganisationFacts",
    "OrganisationKind",
    "ProcessingFacts",
    "ProviderShare",
    "RegistryMatch",
    "RegistryView",
    "RemoteAccess",
    "Role",
    "Severity",
    "Status",
    "Transfer",
    "TransferBasis",
    "evaluate",
    "worse",
]
