"""Serializers of the compliance API. Field names listed in DESIGN.md never change meaning.

Every id given as input goes through a field scoped to the current organisation
(:class:`~hds_platform.api.fields.TenantPrimaryKeyRelatedField`): another organisation's id is
"does not exist", never a link.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.utils import html

from compliance.conformity import RegistryMatch, Severity
from compliance.conformity.horizons import EXPIRY_HORIZON_DAYS, EXPIRY_WINDOWS
from compliance.models import (
    Certificate,
    CertificateSource,
    ChainLink,
    ConformityResult,
    ConformityStatus,
    ConformityStatusChange,
    ContractClause,
    Evidence,
    ExemptionReason,
    HostingMode,
    Processing,
    RegistryMatchStatus,
    RemoteAccessBasis,
    Supplier,
)
from compliance.selectors import within_days_key
from hds_platform.api.fields import OptionalChoiceField, TenantPrimaryKeyRelatedField
from hds_platform.api.strict import StrictModelSerializer, StrictSerializer

ACTIVITIES_SCHEMA = {
    "type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 6}, "uniqueItems": True,
    "description": "HDS activities (CSP art. R.1111-9), sorted integers 1 to 6.", "example": [1, 2, 3, 4],
}


#: ``external_id`` on writes: a string of at most 128 characters, or null; never "" (send null to clear it).
EXTERNAL_ID_KWARGS = {"allow_blank": False, "help_text": _(
    "Your own identifier of this row: at most 128 characters, unique in the organisation for this resource "
    "(400 duplicate_external_id otherwise); null when not given. Filter lists with ?external_id=.")}


@extend_schema_field(ACTIVITIES_SCHEMA)
class ActivitiesField(serializers.Field):
    """A set of HDS activities: a sorted list of integers 1–6 in JSON."""

    default_error_messages = {
        "invalid": _("Attendu : une liste d'activités HDS (entiers de 1 à 6)."),
        "invalid_activity": _("Activité HDS inconnue : {value} (1 à 6)."),
    }

    def to_representation(self, value):
        return sorted(value or ())

    def to_internal_value(self, data):
        if not isinstance(data, list) or not all(isinstance(item, int) and not isinstance(item, bool) for item in data):
            self.fail("invalid")
        for item in data:
            if item not in range(1, 7):
                self.fail("invalid_activity", value=item)
        return frozenset(data)


@extend_schema_field({
    "oneOf": [{"type": "string", "enum": ["self"]}, {"type": "integer"}],
    "description": '"self" for the organisation itself, otherwise a supplier id.', "example": 12,
})
class ActorField(TenantPrimaryKeyRelatedField):
    """``"self"`` (the organisation itself, stored as no supplier) or a supplier id of the organisation."""

    SELF = "self"

    def __init__(self, **kwargs):
        super().__init__(model=Supplier, source="supplier", **kwargs)

    def get_attribute(self, instance):
        # No supplier is a value here ("self"), not a missing relation.
        return instance.supplier_id if instance.supplier_id is not None else self.SELF

    def to_representation(self, value):
        return value

    def to_internal_value(self, data):
        if data == self.SELF:
            return None
        return super().to_internal_value(data)


class CodeListField(serializers.Field):
    """A list of codes. In a multipart form (an upload), the key is repeated or its value is
    comma-separated; an empty value is the empty list."""

    default_error_messages = {"invalid": _("Attendu : une liste de codes.")}

    def get_value(self, dictionary):
        if not html.is_html_input(dictionary):
            return dictionary.get(self.field_name, empty)
        if self.field_name not in dictionary:
            return empty
        return [part.strip() for item in dictionary.getlist(self.field_name) for part in item.split(",")
                if part.strip()]

    def to_representation(self, value):
        return None if value is None else list(value)

    def to_internal_value(self, data):
        if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            self.fail("invalid")
        return data


@extend_schema_field({
    "type": "array", "nullable": True, "uniqueItems": True,
    "items": {"type": "string", "enum": ContractClause.values},
    "description": "Hosting contract: the clauses of CSP art. R.1111-11 (1° to 14°) it was checked to contain, "
                   "in the article's order; null: not checked yet.",
    "example": ["certificate_scope_dates", "services", "hosting_locations"],
})
class ContractClausesField(CodeListField):
    default_error_messages = {
        "invalid": _("Attendu : une liste de codes de clauses."),
        "unknown_contract_clause": _("Clause inconnue : {codes}."),
    }

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        unknown = [code for code in data if code not in ContractClause.values]
        if unknown:
            self.fail("unknown_contract_clause", codes=", ".join(unknown))
        return data


@extend_schema_field({
    "type": "array", "items": {"type": "string", "minLength": 2, "maxLength": 2},
    "description": "ISO 3166-1 alpha-2 country codes.", "example": ["FR"],
})
class CountryCodesField(CodeListField):
    default_error_messages = {
        "invalid": _("Attendu : une liste de codes pays."),
        "invalid_country": _("{value} n'est pas un code pays ISO 3166 alpha-2."),
    }

    def to_internal_value(self, data):
        codes = [code.strip().upper() for code in super().to_internal_value(data)]
        for code in codes:
            if code not in countries:
                self.fail("invalid_country", value=code)
        return codes


EXEMPTION_REASON_HELP = _("archiving_approved (electronic archiving approved by the Culture ministry, CSP "
                          "L.1111-8), short_term_processing (CSP R.1111-8-8 I), covered_by_parent_audit (the "
                          "certified parent's audit, HDS v2 EXI 12/14), or null. Exempts only with "
                          "exemption_evidence.")


# Suppliers -----------------------------------------------------------------------------------


class RegistryHostSummarySerializer(StrictSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text=_("Name as published in the ANS list."))
    certificate_number = serializers.CharField(allow_blank=True)
    activities = ActivitiesField()
    expires_on = serializers.DateField(allow_null=True)


class RegistryMatchSerializer(StrictSerializer):
    status = serializers.ChoiceField(
        choices=[match.value for match in RegistryMatch],
        help_text=_("none, suggested (awaiting a member's decision) or confirmed. A rejected suggestion reads none."),
    )
    host = RegistryHostSummarySerializer(allow_null=True, help_text=_("The host of the ANS list, with its "
                                                                      "current published certificate."))
    score = serializers.IntegerField(allow_null=True, help_text=_("Match score 0 to 100."))
    method = serializers.CharField(allow_blank=True,
                                   help_text=_("certificate_number, siren, name_exact, name_fuzzy or manual."))
    rejected_hosts = serializers.ListField(child=serializers.IntegerField(),
                                           help_text=_("Hosts a member rejected: never suggested again."))


EXPIRING_WITHIN_HORIZON = f"expiring_within_{EXPIRY_HORIZON_DAYS}_days"

# Built with type() because a field name carries the horizon.
CertificatesSummarySerializer = type("CertificatesSummarySerializer", (StrictSerializer,), {
    "__module__": __name__,
    "valid": serializers.IntegerField(help_text=_("Certificates in force today.")),
    EXPIRING_WITHIN_HORIZON: serializers.IntegerField(),
    "expired_or_invalid": serializers.IntegerField(help_text=_("Expired, suspended or withdrawn.")),
    "next_expiry": serializers.DateField(allow_null=True),
})


SUPPLIER_EXAMPLE = {
    "id": 12, "external_id": "ERP-FOURN-0042", "name": "OVH SAS", "siren": "424761419", "siret": "",
    "vat_number": "FR22424761419", "country": "FR",
    "registry_match": {
        "status": "confirmed",
        "host": {"id": 3, "name": "OVH SAS", "certificate_number": "HDS-LNE-2024-0042",
                 "activities": [1, 2, 3, 4, 5, 6], "expires_on": "2027-06-13"},
        "score": 100, "method": "certificate_number", "rejected_hosts": [],
    },
    "subject_to_non_eu_law": False, "non_eu_laws": [], "non_eu_law_mitigations": "",
    "transparency_url": "https://example.org/transparence", "dpf_certified": False,
    "certificates_summary": {"valid": 1, EXPIRING_WITHIN_HORIZON: 0, "expired_or_invalid": 0,
                             "next_expiry": "2027-06-13"},
    "created_at": "2026-11-02T09:15:00+01:00", "updated_at": "2026-11-02T09:15:00+01:00",
    "contact_email": "conformite@ovh.example",
}


@extend_schema_serializer(examples=[OpenApiExample("Supplier", value=SUPPLIER_EXAMPLE, response_only=True)])
class SupplierSerializer(StrictModelSerializer):
    registry_match = serializers.SerializerMethodField()
    certificates_summary = serializers.SerializerMethodField()
    non_eu_laws = serializers.ListField(child=serializers.CharField(), required=False, help_text=_(
        'Non-EU laws the supplier is exposed to, e.g. ["US CLOUD Act"].'))

    class Meta:
        model = Supplier
        fields = ["id", "external_id", "name", "siren", "siret", "vat_number", "country", "registry_match",
                  "subject_to_non_eu_law",
                  "non_eu_laws", "non_eu_law_mitigations", "transparency_url", "dpf_certified",
                  "certificates_summary", "created_at", "updated_at", "contact_email"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"external_id": EXTERNAL_ID_KWARGS}
        validators = []

    @extend_schema_field(RegistryMatchSerializer)
    def get_registry_match(self, supplier: Supplier) -> dict:
        host = supplier.registry_host
        host_data = None
        if host is not None:
            current = getattr(host, "current_certificates", None)
            if current is None:
                current = list(host.certificates.filter(current=True).order_by("-expires_on", "-id"))
            certificate = current[0] if current else None
            host_data = {
                "id": host.pk, "name": host.name,
                "certificate_number": certificate.certificate_number if certificate else "",
                "activities": sorted(certificate.activities) if certificate else [],
                "expires_on": certificate.expires_on if certificate else None,
            }
        status = supplier.registry_match_status
        return RegistryMatchSerializer({
            "status": RegistryMatchStatus.NONE if status == RegistryMatchStatus.REJECTED else status,
            "host": host_data, "score": supplier.registry_match_score, "method": supplier.registry_match_method,
            "rejected_hosts": supplier.registry_rejected_hosts,
        }).data

    @extend_schema_field(CertificatesSummarySerializer)
    def get_certificates_summary(self, supplier: Supplier) -> dict | None:
        if not hasattr(supplier, "certificates_valid"):
            return None
        return {"valid": supplier.certificates_valid, EXPIRING_WITHIN_HORIZON: supplier.certificates_expiring,
                "expired_or_invalid": supplier.certificates_invalid,
                "next_expiry": supplier.next_expiry.isoformat() if supplier.next_expiry else None}


class RegistryMatchConfirmSerializer(StrictSerializer):
    host = serializers.IntegerField(required=False, help_text=_(
        "The ANS host to confirm; omit it to confirm the suggested one."))


# Certificates --------------------------------------------------------------------------------

CERTIFICATE_EXAMPLE = {
    "id": 40, "supplier": 12, "kind": "hds", "activities": [1, 2, 3, 4], "certificate_number": "AFNOR 2025/40317",
    "certifier": "AFNOR Certification", "referential_version": "v2", "issued_on": "2025-03-03",
    "expires_on": "2028-03-02", "status": "valid", "perimeter": "Offre cloud santé : datacenters de Paris et Lille",
    "source": "document", "evidence": 7,
    "created_at": "2026-11-02T09:20:00+01:00", "updated_at": "2026-11-02T09:20:00+01:00",
}


@extend_schema_serializer(examples=[OpenApiExample("Certificate", value=CERTIFICATE_EXAMPLE, response_only=True)])
class CertificateSerializer(StrictModelSerializer):
    supplier = TenantPrimaryKeyRelatedField(model=Supplier, allow_null=True, required=False,
                                            help_text=_("Supplier id; null for the organisation's own certificate."))
    activities = ActivitiesField(required=False)
    source = serializers.ChoiceField(
        choices=CertificateSource.choices, default=CertificateSource.MANUAL,
        help_text=_("registry (copied from the ANS list, read-only), document or manual."),
    )
    evidence = TenantPrimaryKeyRelatedField(model=Evidence, allow_null=True, required=False,
                                            help_text=_("The certificate document on file (evidence id)."))

    class Meta:
        model = Certificate
        fields = ["id", "supplier", "kind", "activities", "certificate_number", "certifier", "referential_version",
                  "issued_on", "expires_on", "status", "perimeter", "source", "evidence", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"perimeter": {"help_text": _(
            "The certified offer, service or sites, as the certificate and the ANS list's scope column say.")}}
        validators = []

    def validate_source(self, value):
        if value == CertificateSource.REGISTRY:
            raise serializers.ValidationError(
                _("Les certificats de la liste ANS sont recopiés automatiquement."), code="registry_source_reserved")
        return value


class SupplierCertificateSerializer(CertificateSerializer):
    """A supplier's certificate under ``suppliers/{id}/certificates/``: the supplier comes from the URL."""

    supplier = serializers.PrimaryKeyRelatedField(read_only=True)


# Processings ---------------------------------------------------------------------------------


class TransferSerializer(StrictSerializer):
    country = serializers.CharField(max_length=2, help_text=_("ISO 3166-1 alpha-2."))
    safeguard = serializers.CharField(allow_blank=True, required=False, default="",
                                      help_text=_("e.g. CCT 2021/914; empty when none."))


PROCESSING_EXAMPLE = {
    "id": 5, "external_id": None, "name": "Dossier patient en ligne", "purposes": ["Suivi des patients"],
    "legal_basis": "Art. 6(1)(b) contrat", "art9_condition": "Art. 9(2)(h) soins",
    "data_subject_categories": ["Patients"], "data_categories": ["Identité", "Données de santé"],
    "recipients": ["Professionnels de santé"], "transfers": [], "retention": "20 ans",
    "security_measures": "Chiffrement, authentification forte", "controller_contact": "dpo@medisoft.example",
    "dpo_contact": "dpo@medisoft.example", "dpia_required": True, "dpia_done": True, "role": "processor",
    "controllers_served": ["Clinique des Tilleuls"], "health_data": True, "identifiability": "identified",
    "hosting_mode": "outsourced", "hosts_for_patients": False, "exemption_reason": None, "exemption_evidence": None,
    "conformity_status": "compliant", "hosting_status": "compliant", "register_status": "compliant",
    "created_at": "2026-11-02T09:30:00+01:00", "updated_at": "2026-11-02T09:30:00+01:00",
}


@extend_schema_serializer(examples=[OpenApiExample("Processing", value=PROCESSING_EXAMPLE, response_only=True)])
class ProcessingSerializer(StrictModelSerializer):
    purposes = serializers.ListField(child=serializers.CharField(), required=False,
                                     help_text=_("Purposes (art. 30(1)(b)); for a processor, the categories of "
                                                 "processing (art. 30(2)(b))."))
    data_subject_categories = serializers.ListField(child=serializers.CharField(), required=False)
    data_categories = serializers.ListField(child=serializers.CharField(), required=False)
    recipients = serializers.ListField(child=serializers.CharField(), required=False)
    controllers_served = serializers.ListField(child=serializers.CharField(), required=False,
                                               help_text=_("Processor role: each controller served."))
    transfers = TransferSerializer(many=True, required=False,
                                   help_text=_("Transfers outside the EU with their safeguards (art. 30(1)(e))."))
    conformity_status = serializers.ChoiceField(
        choices=ConformityStatus.choices, read_only=True, allow_null=True,
        help_text=_("Status of the latest evaluation; null before the first one."),
    )
    hosting_status = serializers.ChoiceField(
        choices=ConformityStatus.choices, read_only=True, allow_null=True,
        help_text=_("The hosting chain's answer (HDS) of the latest evaluation; null before the first one."),
    )
    register_status = serializers.ChoiceField(
        choices=ConformityStatus.choices, read_only=True, allow_null=True,
        help_text=_("The GDPR register's answer (art. 30, 9, 35) of the latest evaluation; null before the first "
                    "one."),
    )
    hosting_mode = OptionalChoiceField(choices=HostingMode.choices, required=False,
                                       help_text=_("self_hosted or outsourced; null: not recorded."))
    exemption_reason = OptionalChoiceField(
        choices=[(value, label) for value, label in ExemptionReason.choices
                 if value != ExemptionReason.COVERED_BY_PARENT_AUDIT],
        required=False,
        help_text=_("The organisation's own exemption for this processing: archiving_approved (CSP L.1111-8), "
                    "short_term_processing (CSP R.1111-8-8 I), or null. Exempts only with exemption_evidence."),
    )
    exemption_evidence = TenantPrimaryKeyRelatedField(model=Evidence, allow_null=True, required=False,
                                                      help_text=_("The proof of the exemption (evidence id)."))

    class Meta:
        model = Processing
        fields = ["id", "external_id", "name", "purposes", "legal_basis", "art9_condition", "data_subject_categories",
                  "data_categories", "recipients", "transfers", "retention", "security_measures",
                  "controller_contact", "dpo_contact", "dpia_required", "dpia_done", "role", "controllers_served",
                  "health_data", "identifiability", "hosting_mode", "hosts_for_patients", "exemption_reason",
                  "exemption_evidence", "conformity_status", "hosting_status", "register_status", "created_at",
                  "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"external_id": EXTERNAL_ID_KWARGS}
        validators = []


# Chain links ---------------------------------------------------------------------------------


class RemoteAccessSerializer(StrictSerializer):
    country = serializers.CharField(max_length=2, help_text=_("ISO 3166-1 alpha-2."))
    basis = OptionalChoiceField(choices=RemoteAccessBasis.choices, required=False, default="",
                                help_text=_("adequacy (art. 45), safeguards (art. 46) or null."))


class RemoteAccessEntryField(serializers.Field):
    """One remote access: a plain ISO code (no basis typed: an adequacy decision in force applies by
    itself) or a ``{country, basis}`` object. Read back as the object."""

    default_error_messages = {
        # Braces doubled: DRF formats these messages.
        "invalid": _('Attendu : un code pays ISO ou {{"country": …, "basis": …}}.'),
        "invalid_country": _("« {value} » n'est pas un code pays ISO 3166 alpha-2."),
    }

    def to_representation(self, value):
        return {"country": value["country"], "basis": value.get("basis") or None}

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = {"country": data}
        if not isinstance(data, dict):
            self.fail("invalid")
        entry = RemoteAccessSerializer(data=data)
        entry.is_valid(raise_exception=True)
        country = entry.validated_data["country"].strip().upper()
        if country not in countries:
            self.fail("invalid_country", value=entry.validated_data["country"])
        return {"country": country, "basis": entry.validated_data["basis"]}


class RemoteAccessEntryFieldSchema(OpenApiSerializerFieldExtension):
    """A plain country code, or the object that answers always come back as."""

    target_class = RemoteAccessEntryField

    def map_serializer_field(self, auto_schema, direction):
        entry = auto_schema.resolve_serializer(RemoteAccessSerializer, direction)
        return {
            "oneOf": [
                {"type": "string", "description": "ISO 3166-1 alpha-2 code, no basis typed.", "example": "CH"},
                entry.ref,
            ],
            "description": 'A country code ("IN") or {"country": "IN", "basis": "safeguards"}; always answered '
                           "as the object.",
        }


class RemoteAccessListField(serializers.ListField):
    child = RemoteAccessEntryField()
    default_error_messages = {"duplicate_country": _("Un pays figure deux fois dans la liste : {country}.")}

    def to_internal_value(self, data):
        entries = super().to_internal_value(data)
        seen = set()
        for entry in entries:
            if entry["country"] in seen:
                self.fail("duplicate_country", country=entry["country"])
            seen.add(entry["country"])
        return entries


CHAIN_LINK_EXAMPLE = {
    "id": 31, "external_id": None, "processing": 5, "actor": 12, "actor_name": "OVH SAS", "parent": None,
    "activities": [1, 2, 3, 4],
    "stores_health_data": True, "storage_countries": ["FR"],
    "remote_access_countries": [{"country": "CA", "basis": "adequacy"}], "exempt_under_parent": False,
    "exemption_reason": None, "exemption_evidence": None, "is_backup": False, "certificates": [40],
    "created_at": "2026-11-02T09:40:00+01:00", "updated_at": "2026-11-02T09:40:00+01:00",
}


@extend_schema_serializer(examples=[OpenApiExample("Chain link", value=CHAIN_LINK_EXAMPLE, response_only=True)])
class ChainLinkSerializer(StrictModelSerializer):
    actor = ActorField(help_text=_('"self" for the organisation itself, otherwise a supplier id.'))
    actor_name = serializers.SerializerMethodField()
    parent = TenantPrimaryKeyRelatedField(model=ChainLink, allow_null=True, required=False,
                                          help_text=_("The link this one subcontracts for (same processing)."))
    activities = ActivitiesField(required=False)
    storage_countries = serializers.ListField(
        child=serializers.CharField(max_length=2), required=False,
        help_text=_("Where the actor stores the health data (ISO 3166-1 alpha-2); empty: unknown."),
    )
    remote_access_countries = RemoteAccessListField(
        source="remote_access", required=False,
        help_text=_("Countries from which the actor can access the data: ISO codes, or objects with the legal "
                    "basis. Answered as objects."),
    )
    exemption_evidence = TenantPrimaryKeyRelatedField(model=Evidence, allow_null=True, required=False,
                                                      help_text=_("Evidence of the exemption under the parent."))
    certificates = TenantPrimaryKeyRelatedField(
        model=Certificate, many=True, required=False,
        help_text=_("Ids of the HDS certificates of the link's actor whose perimeter covers the service used, "
                    "sorted. Empty: every valid certificate of the actor counts, and two valid ones with "
                    "different perimeters for the same activity leave the link incomplete until one is named."),
    )
    exempt_under_parent = serializers.BooleanField(
        required=False,
        help_text=_("Covered by the parent host's certification audit: the same as exemption_reason "
                    "covered_by_parent_audit (either sets the other)."),
    )
    exemption_reason = OptionalChoiceField(choices=ExemptionReason.choices, required=False,
                                           help_text=EXEMPTION_REASON_HELP)

    class Meta:
        model = ChainLink
        fields = ["id", "external_id", "processing", "actor", "actor_name", "parent", "activities",
                  "stores_health_data", "storage_countries", "remote_access_countries", "exempt_under_parent",
                  "exemption_reason", "exemption_evidence", "is_backup", "certificates", "created_at", "updated_at"]
        read_only_fields = ["id", "processing", "created_at", "updated_at"]
        extra_kwargs = {"external_id": EXTERNAL_ID_KWARGS}
        validators = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["certificates"] = sorted(data["certificates"])
        return data

    def get_actor_name(self, link: ChainLink) -> str:
        if link.supplier_id is None:
            organisation = self.context.get("organisation")
            return organisation.name if organisation is not None else ""
        return link.supplier.name


# Conformity ----------------------------------------------------------------------------------


class FindingSerializer(StrictSerializer):
    code = serializers.CharField(help_text=_("Stable code, e.g. coverage.activity_not_covered."))
    severity = serializers.ChoiceField(choices=[severity.value for severity in Severity])
    message = serializers.CharField(help_text=_("In the request's language (French by default)."))
    activity = serializers.IntegerField(allow_null=True)
    link = serializers.IntegerField(allow_null=True, help_text=_("Chain link id."))
    supplier = serializers.IntegerField(allow_null=True, help_text=_("Supplier id; null for the organisation."))
    legal_reference = serializers.CharField()


CONFORMITY_EXAMPLE = {
    "processing": 5, "status": "non_compliant", "hosting_status": "non_compliant", "register_status": "compliant",
    "findings": [{
        "code": "coverage.activity_not_covered", "severity": "error",
        "message": "Hébergeur Régional réalise l'activité 5 (administration et exploitation du système "
                   "d'information) sans certificat HDS valide qui la couvre. La certification n'est pas "
                   "transitive : le certificat d'un autre maillon ne la couvre pas.",
        "activity": 5, "link": 31, "supplier": 12, "legal_reference": "CSP art. L.1111-8 et R.1111-9",
    }],
    "evaluated_at": "2026-11-28T06:00:02+01:00", "evaluated_on": "2026-11-28", "valid_until": "2027-09-02",
    "inputs_digest": "9f2c…",
}


@extend_schema_serializer(examples=[OpenApiExample("Conformity", value=CONFORMITY_EXAMPLE, response_only=True)])
class ConformityResultSerializer(StrictModelSerializer):
    """The answer for one processing, never older than today: a stored answer from an earlier day
    is brought up to date when read."""

    status = serializers.ChoiceField(
        choices=ConformityStatus.choices, read_only=True,
        help_text=_("The overall answer: the worse of hosting_status and register_status (from best to worst: "
                    "not_applicable, compliant, incomplete, non_compliant)."),
    )
    hosting_status = serializers.ChoiceField(
        choices=ConformityStatus.choices, read_only=True,
        help_text=_("The hosting chain's answer (HDS): scope, coverage, validity, registry, sovereignty, evidence. "
                    "What practice software reads."),
    )
    register_status = serializers.ChoiceField(
        choices=ConformityStatus.choices, read_only=True,
        help_text=_("The GDPR register's answer: art. 30 fields, art. 9 condition, DPIA (art. 35)."),
    )
    findings = serializers.SerializerMethodField()
    evaluated_at = serializers.DateTimeField(
        read_only=True, help_text=_("When the answer was last established for evaluated_on (today)."))
    evaluated_on = serializers.DateField(read_only=True, help_text=_("The date the rules were applied to."))
    valid_until = serializers.DateField(
        read_only=True, allow_null=True,
        help_text=_("The first date the answer may change: with the same inputs (chain, certificates, documents, "
                    "register, ANS list), the answer is the same on every day before it; it is the earliest date "
                    "a certificate or document relied on ends, starts or enters the expiry horizon. The answer may "
                    "still be the same on that date. Null when nothing in it can change with time alone."),
    )

    class Meta:
        model = ConformityResult
        fields = ["processing", "status", "hosting_status", "register_status", "findings", "evaluated_at",
                  "evaluated_on", "valid_until", "inputs_digest"]
        read_only_fields = fields

    @extend_schema_field(FindingSerializer(many=True))
    def get_findings(self, result: ConformityResult) -> list[dict]:
        english = (translation.get_language() or "fr").startswith("en")
        return [
            {"code": f["code"], "severity": f["severity"], "message": f["message_en"] if english else f["message"],
             "activity": f["activity"], "link": f["link"], "supplier": f["supplier"],
             "legal_reference": f["legal_reference"]}
            for f in result.findings
        ]


class ConformityStatusChangeSerializer(StrictModelSerializer):
    from_status = OptionalChoiceField(choices=ConformityStatus.choices, read_only=True,
                                      help_text=_("null for the processing's first answer."))

    class Meta:
        model = ConformityStatusChange
        fields = ["processing", "from_status", "to_status", "changed_at", "appeared", "disappeared"]
        read_only_fields = fields


class FindingCountSerializer(StrictSerializer):
    code = serializers.CharField()
    severity = serializers.CharField()
    count = serializers.IntegerField(help_text=_("Occurrences across all processings."))
    processings = serializers.IntegerField(help_text=_("Processings with at least one occurrence."))


class ExpiringCertificateSerializer(StrictSerializer):
    id = serializers.IntegerField()
    supplier = serializers.IntegerField(allow_null=True)
    supplier_name = serializers.CharField(allow_null=True)
    kind = serializers.CharField()
    certificate_number = serializers.CharField(allow_blank=True)
    expires_on = serializers.DateField()
    days_left = serializers.IntegerField()


# Built with type() because the field names carry the horizons.
ExpiringCertificatesSerializer = type("ExpiringCertificatesSerializer", (StrictSerializer,), {
    "__module__": __name__,
    **{within_days_key(days): serializers.IntegerField() for days in EXPIRY_WINDOWS},
    "certificates": ExpiringCertificateSerializer(many=True, help_text=format_lazy(
        _("Valid certificates expiring within {days} days, soonest first."), days=max(EXPIRY_WINDOWS))),
})


# Built with type() because the field names are the statuses.
StatusCountsSerializer = type("StatusCountsSerializer", (StrictSerializer,), {
    "__module__": __name__,
    **{status: serializers.IntegerField() for status in ConformityStatus.values},
    "not_evaluated": serializers.IntegerField(),
})


EXPIRING_CERTIFICATE_EXAMPLE = {
    "id": 40, "supplier": 12, "supplier_name": "Sauvegarde Santé Services", "kind": "hds",
    "certificate_number": "DEKRA.HDS.24.0311", "expires_on": "2027-01-20", "days_left": 53,
}
SUMMARY_EXAMPLE = {
    "processings": 4, "evaluated": 4,
    "by_status": {"not_applicable": 0, "compliant": 1, "non_compliant": 2, "incomplete": 1, "not_evaluated": 0},
    "by_hosting_status": {"not_applicable": 1, "compliant": 1, "non_compliant": 2, "incomplete": 0,
                          "not_evaluated": 0},
    "by_register_status": {"not_applicable": 0, "compliant": 3, "non_compliant": 0, "incomplete": 1,
                           "not_evaluated": 0},
    "top_findings": [{"code": "coverage.activity_not_covered", "severity": "error", "count": 3, "processings": 2}],
    "expiring_certificates": {
        **{within_days_key(days): int(EXPIRING_CERTIFICATE_EXAMPLE["days_left"] <= days) for days in EXPIRY_WINDOWS},
        "certificates": [EXPIRING_CERTIFICATE_EXAMPLE],
    },
}


@extend_schema_serializer(examples=[OpenApiExample("Summary", value=SUMMARY_EXAMPLE, response_only=True)])
class ConformitySummarySerializer(StrictSerializer):
    processings = serializers.IntegerField()
    evaluated = serializers.IntegerField()
    by_status = StatusCountsSerializer(help_text=_("Processings by overall status."))
    by_hosting_status = StatusCountsSerializer(help_text=_("Processings by the hosting chain's answer."))
    by_register_status = StatusCountsSerializer(help_text=_("Processings by the GDPR register's answer."))
    top_findings = FindingCountSerializer(many=True, help_text=_("The ten most frequent finding codes."))
    expiring_certificates = ExpiringCertificatesSerializer()


# Evidence ------------------------------------------------------------------------------------

EVIDENCE_EXAMPLE = {
    "id": 7, "external_id": "GED-2026-118", "kind": "hosting_contract", "title": "Contrat d'hébergement OVH 2026",
    "file": "https://maillon.example/api/v1/orgs/medisoft/evidence/7/download/",
    "original_name": "contrat-ovh-2026.pdf",
    "sha256": "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef", "size": 48213,
    "content_type": "application/pdf", "issued_on": "2026-01-15", "valid_until": "2029-01-14", "supplier": 12,
    "processing": None, "certificate": None,
    "contract_clauses": ["certificate_scope_dates", "services", "hosting_locations", "data_subject_rights_breach",
                         "incident_contact", "service_levels", "subcontractors", "access_rules", "changes",
                         "host_failure", "no_other_use", "reversibility_restitution", "reversibility_destruction",
                         "reversibility_formats"],
    "contract_locations": ["FR"], "version": 2, "supersedes": 4, "superseded_by": None,
    "is_current": True, "uploaded_by": "camille.martin@medisoft.example", "uploaded_at": "2026-11-02T10:00:00+01:00",
}


@extend_schema_serializer(examples=[OpenApiExample("Evidence", value=EVIDENCE_EXAMPLE, response_only=True)])
class EvidenceSerializer(StrictModelSerializer):
    file = serializers.SerializerMethodField(help_text=_("The authorised download URL (never a storage URL)."))
    supplier = TenantPrimaryKeyRelatedField(model=Supplier, allow_null=True, required=False)
    processing = TenantPrimaryKeyRelatedField(model=Processing, allow_null=True, required=False)
    certificate = TenantPrimaryKeyRelatedField(model=Certificate, allow_null=True, required=False)
    contract_clauses = ContractClausesField(allow_null=True, required=False)
    contract_locations = CountryCodesField(required=False, help_text=_(
        "Hosting contract: the countries it names as hosting locations (R.1111-11 3°), ISO 3166-1 alpha-2."))
    supersedes = serializers.SerializerMethodField(help_text=_("Id of the version this one replaced."))
    is_current = serializers.BooleanField(read_only=True, help_text=_("Not superseded by a newer version."))
    uploaded_by = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "external_id", "kind", "title", "file", "original_name", "sha256", "size", "content_type",
                  "issued_on", "valid_until", "supplier", "processing", "certificate", "contract_clauses",
                  "contract_locations", "version", "supersedes", "superseded_by", "is_current", "uploaded_by",
                  "uploaded_at", "updated_at"]
        read_only_fields = ["id", "original_name", "sha256", "size", "content_type", "version", "superseded_by",
                            "uploaded_at", "updated_at"]
        extra_kwargs = {
            "external_id": EXTERNAL_ID_KWARGS,
            "sha256": {"help_text": _("sha256 of the file, hexadecimal.")},
            "size": {"help_text": _("Size in bytes.")},
            "content_type": {"help_text": _("Detected from the content, not the name.")},
        }
        validators = []

    @extend_schema_field(OpenApiTypes.URI)
    def get_file(self, evidence: Evidence) -> str:
        organisation = self.context["organisation"]
        path = reverse("evidence-download", kwargs={"org": organisation.slug, "pk": evidence.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_supersedes(self, evidence: Evidence) -> int | None:
        previous = getattr(evidence, "previous_versions", None)
        if previous is None:
            previous = list(evidence.supersedes.all())
        return previous[0].pk if previous else None

    def get_uploaded_by(self, evidence: Evidence) -> str | None:
        return evidence.uploaded_by.email if evidence.uploaded_by_id else None


class EvidenceUploadSerializer(StrictModelSerializer):
    """Multipart upload: the file and what it proves."""

    # Emptiness, like size and type, is judged by the service, with its own stable codes.
    file = serializers.FileField(allow_empty_file=True,
                                 help_text=_("PDF, PNG, JPEG, DOCX or XLSX, checked by content; size-limited."))
    supplier = TenantPrimaryKeyRelatedField(model=Supplier, allow_null=True, required=False)
    processing = TenantPrimaryKeyRelatedField(model=Processing, allow_null=True, required=False)
    certificate = TenantPrimaryKeyRelatedField(model=Certificate, allow_null=True, required=False)
    contract_clauses = ContractClausesField(allow_null=True, required=False, help_text=_(
        "Hosting contract: the R.1111-11 clauses it contains (repeat the key, or separate with commas); "
        "omitted: not checked yet."))
    contract_locations = CountryCodesField(required=False, help_text=_(
        "Hosting contract: the countries it names as hosting locations (repeat the key, or separate with commas)."))

    class Meta:
        model = Evidence
        fields = ["file", "external_id", "kind", "title", "issued_on", "valid_until", "supplier", "processing",
                  "certificate", "contract_clauses", "contract_locations"]
        extra_kwargs = {"title": {"required": False}, "external_id": EXTERNAL_ID_KWARGS}
        validators = []


class EvidenceSupersedeSerializer(EvidenceUploadSerializer):
    """A new version: everything but the file is inherited from the version it replaces unless given."""

    class Meta(EvidenceUploadSerializer.Meta):
        extra_kwargs = {"title": {"required": False}, "kind": {"required": False}, "external_id": EXTERNAL_ID_KWARGS}
