"""The Django admin of compliance data, for platform staff (it reads across organisations on purpose).

Rows are created by members through the services (which set the organisation, validate and
audit), so the admin adds nothing. Links to other tenant rows are shown read-only: a form field
would list or look up rows through the scoped manager, which has no organisation here, and staff
should not re-attach a row to another organisation's data by hand. Evidence files cannot be
replaced here (uploads go through the checked service); conformity results and their history
are derived and read-only.
"""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from compliance.models import (
    Certificate,
    ChainLink,
    ConformityResult,
    ConformityStatusChange,
    Evidence,
    Processing,
    Supplier,
)
from hds_platform.admin import TenantAdmin


class ComplianceAdmin(TenantAdmin):
    def has_add_permission(self, request):
        return False


class ReadOnlyAdmin(ComplianceAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Supplier)
class SupplierAdmin(ComplianceAdmin):
    list_display = ["name", "organisation", "siren", "country", "registry_match_status", "registry_host",
                    "subject_to_non_eu_law"]
    list_filter = ["registry_match_status", "country", "subject_to_non_eu_law"]
    search_fields = ["name", "siren", "siret", "vat_number", "organisation__name"]
    list_select_related = ["organisation", "registry_host"]
    raw_id_fields = ["registry_host"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Certificate)
class CertificateAdmin(ComplianceAdmin):
    list_display = ["certificate_number", "organisation", "supplier", "kind", "status", "source", "expires_on"]
    list_filter = ["kind", "status", "source", "referential_version"]
    search_fields = ["certificate_number", "certifier", "supplier__name", "organisation__name"]
    list_select_related = ["organisation", "supplier"]
    raw_id_fields = ["registry_certificate"]
    readonly_fields = ["supplier", "evidence", "created_at", "updated_at"]
    date_hierarchy = "expires_on"


@admin.register(Processing)
class ProcessingAdmin(ComplianceAdmin):
    list_display = ["name", "organisation", "role", "health_data", "identifiability", "hosting_mode", "updated_at"]
    list_filter = ["role", "health_data", "identifiability", "hosting_mode"]
    search_fields = ["name", "organisation__name"]
    readonly_fields = ["chain", "created_at", "updated_at"]

    @admin.display(description=_("chaîne d'hébergement"))
    def chain(self, processing):
        # An inline formset would build its forms through the scoped manager: a plain list instead.
        links = ChainLink.all_organisations.filter(processing_id=processing.pk).select_related("supplier")
        return format_html_join(
            mark_safe("<br>"), "#{} {} — {} {}",
            ((link.pk, link.supplier or _("l'organisation"), _("activités"),
              ", ".join(map(str, sorted(link.activities))) or "—") for link in links),
        )


@admin.register(ChainLink)
class ChainLinkAdmin(ComplianceAdmin):
    list_display = ["id", "organisation", "processing", "supplier", "parent", "exempt_under_parent", "is_backup"]
    list_filter = ["exempt_under_parent", "is_backup", "stores_health_data"]
    search_fields = ["processing__name", "supplier__name", "organisation__name"]
    list_select_related = ["organisation", "processing", "supplier"]
    readonly_fields = ["processing", "supplier", "parent", "exemption_evidence", "created_at", "updated_at"]


@admin.register(Evidence)
class EvidenceAdmin(ComplianceAdmin):
    list_display = ["title", "organisation", "kind", "supplier", "version", "content_type", "size", "valid_until",
                    "uploaded_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["title", "original_name", "sha256", "organisation__name"]
    list_select_related = ["organisation", "supplier"]
    readonly_fields = ["supplier", "processing", "certificate", "superseded_by", "file", "original_name", "sha256",
                       "size", "content_type", "version", "uploaded_by", "uploaded_at"]


@admin.register(ConformityResult)
class ConformityResultAdmin(ReadOnlyAdmin):
    list_display = ["processing", "organisation", "status", "evaluated_at", "evaluated_on"]
    list_filter = ["status"]
    search_fields = ["processing__name", "organisation__name"]
    list_select_related = ["organisation", "processing"]


@admin.register(ConformityStatusChange)
class ConformityStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["processing", "organisation", "from_status", "to_status", "changed_at"]
    list_filter = ["to_status"]
    list_select_related = ["organisation", "processing"]
