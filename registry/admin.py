"""The official list in the admin, for platform staff: read-only. The list changes only by import
(``manage.py registry_import`` or ``POST /api/v1/registry/snapshots/``), so that every change is a
snapshot with its raw file and its diff."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.models import CertifiedHost, Change, HostCertificate, Snapshot


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ["id", "fetched_at", "source", "status", "reason_code", "row_count", "added_count",
                    "removed_count", "changed_count", "actor_label"]
    list_filter = ["status", "reason_code"]
    search_fields = ["source", "sha256", "actor_label"]
    readonly_fields = ["raw_file_name"]
    exclude = ["raw_file"]

    @admin.display(description=_("fichier conservé"))
    def raw_file_name(self, snapshot):
        # Downloaded through GET /api/v1/registry/snapshots/{id}/file/ (staff), never from MEDIA_URL.
        return snapshot.raw_file.name


class HostCertificateInline(ReadOnlyInline):
    model = HostCertificate
    fields = ["certificate_number", "certifier", "activity_numbers", "referential_version", "issued_on",
              "expires_on", "current", "first_seen", "last_seen"]
    readonly_fields = ["activity_numbers"]
    ordering = ["-current", "-expires_on"]

    @admin.display(description=_("activités"))
    def activity_numbers(self, certificate):
        return ", ".join(str(number) for number in sorted(certificate.activities))


class ChangeInline(ReadOnlyInline):
    model = Change
    fields = ["snapshot", "kind"]
    ordering = ["-snapshot_id"]


@admin.register(CertifiedHost)
class CertifiedHostAdmin(ReadOnlyAdmin):
    list_display = ["name", "listed", "first_seen", "last_seen", "removed_in"]
    list_filter = ["listed"]
    search_fields = ["name", "normalised_name", "certificates__normalised_number"]
    inlines = [HostCertificateInline, ChangeInline]


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    list_display = ["snapshot", "host", "kind"]
    list_filter = ["kind"]
    list_select_related = ["snapshot", "host"]
    search_fields = ["host__name"]
    raw_id_fields = ["snapshot", "host"]
