"""The reports API: ask for a report, follow it, download it; and signed attestations."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, renderers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.api.views import PassthroughRenderer
from compliance.models import Processing
from compliance.reports import services
from compliance.reports.answers import load_answers
from compliance.reports.api.serializers import AttestationSerializer, ReportRequestSerializer, ReportSerializer
from compliance.reports.attestations import issuing
from compliance.reports.models import Report, ReportStatus
from hds_platform.api.base import ORG_PARAMETER, OrganisationGenericViewSet, OrganisationViewMixin
from hds_platform.api.schema import error_response
from hds_platform.roles import Perm


def report_file_response(report: Report) -> FileResponse:
    """The report's file as an attachment; 404 until it is done (callers have checked the organisation)."""
    if report.status != ReportStatus.DONE or not report.file:
        raise Http404
    try:
        handle = default_storage.open(report.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=report.file_name, content_type=report.content_type)
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@extend_schema_view(
    list=extend_schema(summary="The organisation's reports, newest first"),
    retrieve=extend_schema(summary="A report: its status and progress, and its file's URL once done"),
    create=extend_schema(request=ReportRequestSerializer, responses={202: ReportSerializer},
                         summary="Ask for a report (generated on the reports queue; at once on the embedded default)"),
)
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    OrganisationGenericViewSet):
    model = Report
    serializer_class = ReportSerializer
    filterset_fields = ["kind", "format", "status"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]
    # Asking for a report writes no compliance data: every role that may export may ask.
    action_permissions = {"create": Perm.EXPORT, "file": Perm.EXPORT}

    def create(self, request, *args, **kwargs):
        serializer = ReportRequestSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        report = services.report_request(actor=self.actor, **serializer.validated_data)
        return Response(self.get_serializer(report).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={(200, "application/octet-stream"): OpenApiResponse(
            OpenApiTypes.BINARY, description="The report's file, as an attachment."),
            404: error_response(404, "No such report, or not done yet.")},
        summary="Download the report's file (members and tokens of the organisation only)",
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PassthroughRenderer],
            filterset_fields=None)
    def file(self, request, *args, **kwargs):
        return report_file_response(get_object_or_404(Report.objects.all(), pk=self.kwargs["pk"]))


def _attestation_response(request, attestation: issuing.Attestation) -> Response:
    return Response(AttestationSerializer({
        "token": attestation.token, "kid": attestation.kid, "issued_at": attestation.issued_at,
        "expires_at": attestation.expires_at, "verification_url": attestation.verification_url,
        "jwks_url": f"{settings.SITE_URL}{reverse('jwks')}",
    }).data)


@extend_schema(parameters=[ORG_PARAMETER], tags=["attestations"])
class AttestationView(OrganisationViewMixin, APIView):
    """The organisation's conformity answer, signed."""

    action_permissions = {"GET": Perm.EXPORT}

    @extend_schema(responses=AttestationSerializer,
                   summary="A signed attestation of every processing's conformity answer (compact JWS, EdDSA)")
    def get(self, request, *args, **kwargs):
        return _attestation_response(request, issuing.issue(load_answers(), scope="organisation"))


@extend_schema(parameters=[ORG_PARAMETER, OpenApiParameter("processing_pk", OpenApiTypes.INT, OpenApiParameter.PATH,
                                                           description="Processing id.")],
               tags=["attestations"])
class ProcessingAttestationView(OrganisationViewMixin, APIView):
    """One processing's conformity answer, signed."""

    action_permissions = {"GET": Perm.EXPORT}

    @extend_schema(responses=AttestationSerializer,
                   summary="A signed attestation of one processing's conformity answer (compact JWS, EdDSA)")
    def get(self, request, *args, **kwargs):
        processing = get_object_or_404(Processing.objects.all(), pk=kwargs["processing_pk"])
        return _attestation_response(request, issuing.issue(load_answers([processing.pk]), scope="processing"))
