"""``POST /api/v1/orgs/{org}/suppliers/import/``: a CSV or XLSX list of suppliers, previewed
(``dry_run=true``) or applied all-or-nothing (see :mod:`compliance.services.supplier_import`)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance import services
from compliance.services.supplier_import import ImportRefused
from hds_platform.api.base import ORG_PARAMETER, OrganisationViewMixin
from hds_platform.api.schema import error_response
from hds_platform.api.strict import StrictSerializer


class SupplierImportSerializer(StrictSerializer):
    file = serializers.FileField(allow_empty_file=True, help_text=_(
        "CSV (UTF-8 or Windows-1252, ';' or ',') or XLSX; first row: the column names, French or English."))
    dry_run = serializers.BooleanField(default=False, help_text=_(
        "true: only report what each row would do; false (default): apply, all or nothing."))


class ImportRowErrorSerializer(StrictSerializer):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(allow_null=True)


class ImportRowSerializer(StrictSerializer):
    line = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "error"])
    name = serializers.CharField()
    supplier = serializers.IntegerField(allow_null=True)
    values = serializers.DictField()
    changes = serializers.DictField()
    errors = ImportRowErrorSerializer(many=True)
    registry_match = serializers.DictField(allow_null=True)


class ImportReportSerializer(StrictSerializer):
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField()
    sha256 = serializers.CharField()
    format = serializers.CharField()
    encoding = serializers.CharField()
    delimiter = serializers.CharField()
    columns = serializers.DictField()
    ignored_columns = serializers.ListField(child=serializers.CharField())
    summary = serializers.DictField(child=serializers.IntegerField())
    rows = ImportRowSerializer(many=True)


class SupplierImportView(OrganisationViewMixin, APIView):
    parser_classes = [MultiPartParser, FormParser]

    def initialize_request(self, request, *args, **kwargs):
        # Before anything reads the body: a larger file stops while it streams in (413).
        request.upload_max_bytes = settings.SUPPLIER_IMPORT_MAX_BYTES
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        parameters=[ORG_PARAMETER],
        request={"multipart/form-data": SupplierImportSerializer},
        responses={200: ImportReportSerializer, 201: ImportReportSerializer,
                   400: error_response(400, "A file that cannot be read (its `code` says why), or, when applying, "
                                            "rows in error: `import_has_errors`, nothing applied, and the per-row "
                                            "`report` beside `code` and `message`.")},
        summary="Import suppliers from a CSV or XLSX file (dry run, or all-or-nothing apply)",
    )
    def post(self, request, *args, **kwargs):
        serializer = SupplierImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        dry_run = serializer.validated_data["dry_run"]
        try:
            report = services.supplier_import(actor=self.actor, data=upload.read(), filename=upload.name or "",
                                              dry_run=dry_run)
        except ImportRefused as refused:
            return Response({"code": refused.code, "message": refused.message, "report": refused.report},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(report, status=status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED)
