"""The tables of the compliance app (one app label, ``compliance``), one module per noun.

Every model is tenant-owned (:class:`~hds_platform.tenancy.TenantModel`): a non-null organisation, a
scoped default manager, unique constraints that include the organisation. Business rules live in
``compliance.services`` and ``compliance.conformity``; ``clean()`` only checks what a single row can
tell about itself. The tables of monitoring (alerts, digest preferences, webhooks) are here too, so
that Django finds them under this app; the code that writes them lives in ``compliance.monitoring``.
The choices that come from the conformity engine, and their labels, are in ``choices``.
"""

from compliance.models.alerts import (
    Alert,
    AlertKind,
    AlertResolution,
    AlertStatus,
    DigestFrequency,
    NotificationPreference,
)
from compliance.models.certificates import Certificate
from compliance.models.choices import (
    STATUS_LABELS,
    AlertSeverity,
    CertificateKind,
    CertificateSource,
    CertificateStatus,
    ConformityStatus,
    ContractClause,
    ExemptionReason,
    HostingMode,
    Identifiability,
    ProcessingRole,
    ProviderShare,
    RegistryMatchStatus,
    RemoteAccessBasis,
)
from compliance.models.conformity import (
    ConformityResult,
    ConformityStatusChange,
    RowPlaceholderJSONField,
)
from compliance.models.evidence import (
    Evidence,
    EvidenceKind,
    evidence_storage_name,
)
from compliance.models.evidence_requests import (
    EvidenceRequest,
    EvidenceRequestStatus,
    IncomingEvidenceRequest,
)
from compliance.models.network import (
    ClientInvitation,
    ClientLink,
    LinkSide,
    LinkStatus,
    Offer,
    OfferCertificate,
    OfferDocument,
    OfferSubcontractor,
    ProviderLink,
    ProviderProfile,
    SubcontractorCoverage,
)
from compliance.models.processings import (
    ChainLink,
    ChainLinkCertificate,
    Processing,
)
from compliance.models.suppliers import (
    RegistryMatchMethod,
    Supplier,
)
from compliance.models.validators import (
    validate_contract_clauses,
    validate_country,
    validate_country_list,
    validate_remote_access,
    validate_text_list,
    validate_transfers,
    validate_vat_number,
)
from compliance.models.webhooks import (
    LEGACY_PAYLOAD_VERSION,
    PAYLOAD_VERSION,
    DeliveryStatus,
    PayloadVersion,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

__all__ = [
    "LEGACY_PAYLOAD_VERSION",
    "PAYLOAD_VERSION",
    "STATUS_LABELS",
    "Alert",
    "AlertKind",
    "AlertResolution",
    "AlertSeverity",
    "AlertStatus",
    "Certificate",
    "CertificateKind",
    "CertificateSource",
    "CertificateStatus",
    "ChainLink",
    "ChainLinkCertificate",
    "ClientInvitation",
    "ClientLink",
    "ConformityResult",
    "ConformityStatus",
    "ConformityStatusChange",
    "ContractClause",
    "DeliveryStatus",
    "DigestFrequency",
    "Evidence",
    "EvidenceKind",
    "EvidenceRequest",
    "EvidenceRequestStatus",
    "ExemptionReason",
    "HostingMode",
    "Identifiability",
    "IncomingEvidenceRequest",
    "LinkSide",
    "LinkStatus",
    "NotificationPreference",
    "Offer",
    "OfferCertificate",
    "OfferDocument",
    "OfferSubcontractor",
    "PayloadVersion",
    "Processing",
    "ProcessingRole",
    "ProviderLink",
    "ProviderProfile",
    "ProviderShare",
    "RegistryMatchMethod",
    "RegistryMatchStatus",
    "RemoteAccessBasis",
    "RowPlaceholderJSONField",
    "SubcontractorCoverage",
    "Supplier",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "evidence_storage_name",
    "validate_contract_clauses",
    "validate_country",
    "validate_country_list",
    "validate_remote_access",
    "validate_text_list",
    "validate_transfers",
    "validate_vat_number",
]
