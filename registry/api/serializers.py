from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hds_platform.api.strict import StrictModelSerializer, StrictSerializer
from registry.models import CertifiedHost, Change, HostCertificate, Snapshot


class ActivitiesField(serializers.ListField):
    """HDS activities as sorted integers 1–6."""

    child = serializers.IntegerField(min_value=1, max_value=6)

    def to_representation(self, data):
        return sorted(data or ())


class HostCertificateSerializer(StrictModelSerializer):
    activities = ActivitiesField()
    current = serializers.BooleanField(help_text=_("Shown by the current list."))
    first_seen = serializers.IntegerField(source="first_seen_id", help_text=_("Snapshot id."))
    last_seen = serializers.IntegerField(source="last_seen_id", help_text=_("Snapshot id."))

    class Meta:
        model = HostCertificate
        fields = ["id", "certificate_number", "certifier", "activities", "referential_version", "issued_on",
                  "expires_on", "transparency_url", "scope", "current", "first_seen", "last_seen"]
        read_only_fields = fields


class HostSerializer(StrictModelSerializer):
    """A host of the ANS list. The flat certificate fields come from its main certificate: the current
    one expiring last (for a host removed from the list, the last one it had)."""

    certificate_number = serializers.SerializerMethodField()
    certifier = serializers.SerializerMethodField()
    activities = serializers.SerializerMethodField()
    issued_on = serializers.SerializerMethodField()
    expires_on = serializers.SerializerMethodField()
    referential_version = serializers.SerializerMethodField()
    transparency_url = serializers.SerializerMethodField()
    scope = serializers.SerializerMethodField()
    first_seen = serializers.IntegerField(source="first_seen_id", help_text=_("Snapshot id."))
    last_seen = serializers.IntegerField(source="last_seen_id", help_text=_("Snapshot id."))
    removed_in = serializers.IntegerField(source="removed_in_id", allow_null=True,
                                          help_text=_("Snapshot id that removed the host, if removed."))
    certificates = HostCertificateSerializer(many=True, read_only=True,
                                             help_text=_("Every certificate, current first."))

    class Meta:
        model = CertifiedHost
        fields = ["id", "name", "certificate_number", "certifier", "activities", "issued_on", "expires_on",
                  "referential_version", "transparency_url", "listed", "scope", "first_seen", "last_seen",
                  "removed_in", "certificates"]
        read_only_fields = fields

    def _main(self, host) -> HostCertificate | None:
        # ``certificates`` is prefetched in display order (see selectors.certificates_prefetch).
        certificates = host.certificates.all()
        return certificates[0] if certificates else None

    def _value(self, host, name, default=""):
        certificate = self._main(host)
        return getattr(certificate, name) if certificate else default

    def get_certificate_number(self, host) -> str:
        return self._value(host, "certificate_number")

    def get_certifier(self, host) -> str:
        return self._value(host, "certifier")

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=6)))
    def get_activities(self, host):
        return sorted(self._value(host, "activities", ()))

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_issued_on(self, host):
        value = self._value(host, "issued_on", None)
        return value.isoformat() if value else None

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_expires_on(self, host):
        value = self._value(host, "expires_on", None)
        return value.isoformat() if value else None

    def get_referential_version(self, host) -> str:
        return self._value(host, "referential_version")

    def get_transparency_url(self, host) -> str:
        return self._value(host, "transparency_url")

    def get_scope(self, host) -> str:
        return self._value(host, "scope")


class HostChangeSerializer(StrictModelSerializer):
    snapshot = serializers.IntegerField(source="snapshot_id")
    fetched_at = serializers.DateTimeField(source="snapshot.fetched_at", help_text=_("Date of the snapshot."))
    before = serializers.JSONField(help_text=_("The host as the previous list showed it ({} if absent)."))
    after = serializers.JSONField(help_text=_("The host as this list shows it ({} if absent)."))

    class Meta:
        model = Change
        fields = ["id", "kind", "snapshot", "fetched_at", "before", "after"]
        read_only_fields = fields


class HostDetailSerializer(HostSerializer):
    changes = HostChangeSerializer(many=True, read_only=True, help_text=_("History, newest first."))

    class Meta(HostSerializer.Meta):
        fields = [*HostSerializer.Meta.fields, "changes"]
        read_only_fields = fields


class RowErrorSerializer(StrictSerializer):
    line = serializers.IntegerField()
    reason = serializers.CharField()


class SnapshotSerializer(StrictModelSerializer):
    counts = serializers.SerializerMethodField()
    error_count = serializers.SerializerMethodField()

    class Meta:
        model = Snapshot
        fields = ["id", "source", "fetched_at", "sha256", "format", "row_count", "status", "reason_code", "reason",
                  "error_count", "counts", "etag", "last_modified", "actor_label"]
        read_only_fields = fields

    @extend_schema_field({
        "type": "object",
        "properties": {"added": {"type": "integer"}, "removed": {"type": "integer"}, "changed": {"type": "integer"}},
        "description": "Hosts added, removed, and changed in any other way.",
    })
    def get_counts(self, snapshot):
        return {"added": snapshot.added_count, "removed": snapshot.removed_count, "changed": snapshot.changed_count}

    def get_error_count(self, snapshot) -> int:
        return len(snapshot.errors)


class SnapshotDetailSerializer(SnapshotSerializer):
    errors = RowErrorSerializer(many=True, read_only=True, help_text=_("Unreadable rows of a rejected file."))
    change_counts = serializers.SerializerMethodField()

    class Meta(SnapshotSerializer.Meta):
        fields = [*SnapshotSerializer.Meta.fields, "errors", "change_counts"]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField(),
                                               help_text="Number of changes per kind."))
    def get_change_counts(self, snapshot):
        counts = dict.fromkeys(Change.Kind.values, 0)
        counts.update(getattr(snapshot, "change_counts", {}))
        return counts


class SnapshotChangeSerializer(StrictModelSerializer):
    host = serializers.SerializerMethodField()
    before = serializers.JSONField()
    after = serializers.JSONField()

    class Meta:
        model = Change
        fields = ["id", "kind", "host", "before", "after"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}})
    def get_host(self, change):
        return {"id": change.host_id, "name": change.host.name}


class SnapshotUploadSerializer(StrictSerializer):
    file = serializers.FileField(help_text=_("The list as CSV, XLSX or JSON."))
    max_removed_share = serializers.FloatField(
        required=False, min_value=0.0, max_value=1.0,
        help_text=_("Override the largest share of listed hosts an import may remove (default from settings)."),
    )


class ImportResultSerializer(StrictSerializer):
    result = serializers.ChoiceField(choices=["imported", "unchanged"])
    counts = serializers.DictField(child=serializers.IntegerField(), help_text=_("Changes per kind."))
    listed_hosts = serializers.IntegerField()
    snapshot = SnapshotSerializer()


class ImportRejectedSerializer(StrictSerializer):
    code = serializers.CharField(help_text=_("Why the file was rejected: empty_file, no_recognised_columns, "
                                             "missing_required_column, row_errors, too_many_removals, …"))
    message = serializers.CharField()
    row_errors = RowErrorSerializer(many=True)
    snapshot = SnapshotSerializer()
