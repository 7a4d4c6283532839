"""Serializers of the reports API: the report as a job, the request for one, an attestation."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from compliance.models import Processing, Supplier
from compliance.reports.models import Report, ReportFormat, ReportKind, ReportLanguage, ReportStatus
from hds_platform.api.fields import TenantPrimaryKeyRelatedField
from hds_platform.api.strict import StrictModelSerializer, StrictSerializer


class ReportSerializer(StrictModelSerializer):
    """A report and its progress; ``file`` is the download URL once it is ``done``."""

    file = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requested_by_label", read_only=True)

    class Meta:
        model = Report
        fields = ["id", "kind", "format", "processing", "supplier", "language", "status", "progress", "error",
                  "created_at", "started_at", "finished_at", "file", "file_name", "size", "sha256", "pages",
                  "requested_by"]
        read_only_fields = fields

    def get_file(self, report: Report) -> str | None:
        if report.status != ReportStatus.DONE:
            return None
        organisation = self.context.get("organisation") or report.organisation
        path = reverse("report-file", kwargs={"org": organisation.slug, "pk": report.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ReportRequestSerializer(StrictSerializer):
    """What to generate: the kind, its format, and optionally one processing or one supplier."""

    kind = serializers.ChoiceField(choices=ReportKind.choices)
    format = serializers.ChoiceField(choices=ReportFormat.choices)
    processing = TenantPrimaryKeyRelatedField(model=Processing, required=False, allow_null=True)
    supplier = TenantPrimaryKeyRelatedField(model=Supplier, required=False, allow_null=True)
    language = serializers.ChoiceField(choices=ReportLanguage.choices, required=False,
                                       help_text="Defaults to the request's language (Accept-Language).")


class AttestationSerializer(StrictSerializer):
    """A signed attestation: a compact JWS (Ed25519, ``alg: EdDSA``, ``kid`` in its header)."""

    token = serializers.CharField()
    kid = serializers.CharField()
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    verification_url = serializers.CharField()
    jwks_url = serializers.CharField()
