"""The Django admin of compliance data, for platform staff: read-only lists across organisations
(see :class:`hds_platform.admin.TenantAdmin`). Rows change only through the services, inside an
organisation's context; evidence files are downloaded by members through the API, not here."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from compliance.models import (
    Certificate,
    ChainLink,
    ChainLinkCertificate,
    ConformityResult,
    ConformityStatusChange,
    ContractClause,
    Evidence,
    EvidenceRequest,
    Processing,
    Supplier,
)
from hds_platform import crossing
from hds_platform.admin import TenantAdmin


class ComplianceAdmin(TenantAdmin):
    """Every field displayed read-only: a form field for a link to another tenant row would
    read through the scoped manager, which has no organisation in the admin."""

    def get_readonly_fields(self, request, obj=None):
        hidden = set(self.exclude or ())
        fields = [field.name for field in self.model._meta.fields if field.name not in hidden]
        return [*fields, *self.readonly_fields]


@admin.register(Supplier)
class SupplierAdmin(ComplianceAdmin):
    list_display = ["name", "organisation", "siren", "country", "registry_match_status", "registry_host",
                    "subject_to_non_eu_law"]
    list_filter = ["registry_match_status", "country", "subject_to_non_eu_law"]
    search_fields = ["name", "siren", "siret", "vat_number", "organisation__name"]
    list_select_related = ["organisation", "registry_host"]


@admin.register(Certificate)
class CertificateAdmin(ComplianceAdmin):
    list_display = ["certificate_number", "organisation", "supplier", "kind", "status", "source", "expires_on"]
    list_filter = ["kind", "status", "source", "referential_version"]
    search_fields = ["certificate_number", "certifier", "supplier__name", "organisation__name"]
    list_select_related = ["organisation", "supplier"]
    date_hierarchy = "expires_on"


@admin.register(Processing)
class ProcessingAdmin(ComplianceAdmin):
    list_display = ["name", "organisation", "role", "health_data", "identifiability", "hosting_mode",
                    "exemption_reason", "updated_at"]
    list_filter = ["role", "health_data", "identifiability", "hosting_mode", "exemption_reason"]
    search_fields = ["name", "organisation__name"]
    readonly_fields = ["chain"]

    @admin.display(description=_("chaîne d'hébergement"))
    def chain(self, processing):
        # An inline formset would build its forms through the scoped manager: a plain list instead.
        links = (ChainLink.all_organisations.using(crossing.cross_tenant_alias("admin"))
                 .filter(processing_id=processing.pk).select_related("supplier"))
        return format_html_join(
            mark_safe("<br>"), "#{} {} — {} {}",
            ((link.pk, link.supplier or _("l'organisation"), _("activités"),
              ", ".join(map(str, sorted(link.activities))) or "—") for link in links),
        )


@admin.register(ChainLink)
class ChainLinkAdmin(ComplianceAdmin):
    list_display = ["id", "organisation", "processing", "supplier", "parent", "exemption_reason", "is_backup"]
    list_filter = ["exemption_reason", "is_backup", "stores_health_data"]
    search_fields = ["processing__name", "supplier__name", "organisation__name"]
    list_select_related = ["organisation", "processing", "supplier"]
    exclude = ["certificates"]  # the relation reads through the scoped manager: a plain list instead
    readonly_fields = ["relied_on_certificates"]

    @admin.display(description=_("certificats retenus"))
    def relied_on_certificates(self, link):
        rows = (ChainLinkCertificate.all_organisations.using(crossing.cross_tenant_alias("admin"))
                .filter(link_id=link.pk).select_related("certificate").order_by("certificate_id"))
        return format_html_join(
            mark_safe("<br>"), "#{} {} — {}",
            ((row.certificate_id, row.certificate.certificate_number or "?", row.certificate.perimeter or "—")
             for row in rows),
        ) or "—"


@admin.register(Evidence)
class EvidenceAdmin(ComplianceAdmin):
    list_display = ["title", "organisation", "kind", "supplier", "version", "content_type", "size", "valid_until",
                    "uploaded_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["title", "original_name", "sha256", "organisation__name"]
    list_select_related = ["organisation", "supplier"]
    exclude = ["file"]  # the storage path is not for display: downloads go through the authorised view
    readonly_fields = ["contract_checklist"]

    @admin.display(description=_("clauses R.1111-11"))
    def contract_checklist(self, evidence):
        """Each clause of the article, found or not; nothing for another kind of document."""
        if evidence.kind != "hosting_contract":
            return "—"
        if evidence.contract_clauses is None:
            return _("non vérifiées")
        return format_html_join(
            mark_safe("<br>"), "{} {}",
            (("✓" if value in evidence.contract_clauses else "✗", label) for value, label in ContractClause.choices),
        )


@admin.register(EvidenceRequest)
class EvidenceRequestAdmin(ComplianceAdmin):
    list_display = ["supplier", "organisation", "status", "contact_email", "due_date", "link_expires_at",
                    "created_at"]
    list_filter = ["status", "language"]
    search_fields = ["contact_email", "supplier__name", "organisation__name"]
    list_select_related = ["organisation", "supplier"]
    exclude = ["token_digest", "submitted_file"]  # the link's digest and the storage path are not for display


@admin.register(ConformityResult)
class ConformityResultAdmin(ComplianceAdmin):
    list_display = ["processing", "organisation", "status", "hosting_status", "register_status", "evaluated_at",
                    "evaluated_on", "valid_until"]
    list_filter = ["status", "hosting_status", "register_status"]
    search_fields = ["processing__name", "organisation__name"]
    list_select_related = ["organisation", "processing"]


@admin.register(ConformityStatusChange)
class ConformityStatusChangeAdmin(ComplianceAdmin):
    list_display = ["processing", "organisation", "from_status", "to_status", "changed_at"]
    list_filter = ["to_status"]
    list_select_related = ["organisation", "processing"]
