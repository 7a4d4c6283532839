"""``/api/v1/orgs/{org}/evidence-requests/``: asking a supplier's contact for documents, and the
requester's review (accept, reject with a reason, cancel, download the file waiting for review).

The contact's upload is not here: it needs no account and goes to the e-mailed link
(``/depot/<token>/``, :mod:`compliance.web.views.evidence_request_upload`).

``/api/v1/orgs/{org}/incoming-evidence-requests/`` is the other side: the requests addressed to
the organisation as a linked provider (through an active link), and its answer with a document it
holds or a new file.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from compliance import services
from compliance.api.views import EvidenceSizeLimitHandler, PassthroughRenderer, _Refetch
from compliance.evidence_files import EvidenceFileError
from compliance.models import (
    Certificate,
    Evidence,
    EvidenceKind,
    EvidenceRequest,
    IncomingEvidenceRequest,
    Supplier,
)
from compliance.models.evidence_requests import LANGUAGES
from compliance.services import evidence_requests as request_services
from hds_platform.api.base import OrganisationGenericViewSet
from hds_platform.api.fields import TenantPrimaryKeyRelatedField
from hds_platform.api.strict import StrictModelSerializer, StrictSerializer
from hds_platform.tenancy import organisation_context


class OrganisationNameSerializer(StrictSerializer):
    name = serializers.CharField()
    siren = serializers.CharField()


class IncomingSubmittedSerializer(StrictSerializer):
    """A submitted document as the linked provider sees it (no download link: the file is the requester's)."""

    kind = serializers.CharField()
    name = serializers.CharField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    submitted_at = serializers.DateTimeField()


def _submitted(request: EvidenceRequest) -> dict:
    """The document waiting on a request, as both sides read it (the requester adds its download link)."""
    return {"kind": request.submitted_kind, "name": request.submitted_name, "sha256": request.submitted_sha256,
            "size": request.submitted_size, "content_type": request.submitted_content_type,
            "submitted_at": serializers.DateTimeField().to_representation(request.submitted_at)}


class SubmittedDocumentSerializer(IncomingSubmittedSerializer):
    file = serializers.CharField(help_text=_("Download URL of the file waiting for review."))


@extend_schema_serializer(component_name="EvidenceRequestItem")  # "EvidenceRequest" is Evidence's request body
class EvidenceRequestSerializer(StrictModelSerializer):
    """A request as the requester reads it (the link's secret is never shown again)."""

    submitted = serializers.SerializerMethodField()
    addressed_to = serializers.SerializerMethodField(
        help_text=_("The linked provider organisation that also receives the request in its inbox and may answer "
                    "from there; null for a supplier not linked on Maillon."))

    class Meta:
        model = EvidenceRequest
        fields = ["id", "supplier", "certificate", "kinds", "message", "due_date", "contact_email", "language",
                  "addressed_to", "status", "link_expires_at", "submitted", "evidence", "rejection_reason",
                  "reminders_sent", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(OrganisationNameSerializer(allow_null=True))
    def get_addressed_to(self, request: EvidenceRequest) -> dict | None:
        provider = request.addressed_organisation
        return None if provider is None else {"name": provider.name, "siren": provider.siren}

    @extend_schema_field(SubmittedDocumentSerializer(allow_null=True))
    def get_submitted(self, request: EvidenceRequest) -> dict | None:
        if not request.submitted_file:
            return None
        http_request = self.context.get("request")
        url = reverse("evidence-request-file", kwargs={"org": request.organisation.slug, "pk": request.pk})
        return {**_submitted(request), "file": url if http_request is None else http_request.build_absolute_uri(url)}


class EvidenceRequestCreateSerializer(StrictSerializer):
    supplier = TenantPrimaryKeyRelatedField(model=Supplier)
    certificate = TenantPrimaryKeyRelatedField(model=Certificate, allow_null=True, required=False)
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=EvidenceKind.choices), min_length=1,
                                  help_text=_("The kinds of document asked for."))
    message = serializers.CharField(allow_blank=True, required=False, max_length=4000)
    due_date = serializers.DateField(allow_null=True, required=False)
    contact_email = serializers.EmailField()
    language = serializers.ChoiceField(choices=LANGUAGES, required=False,
                                       help_text=_("Language of the e-mails to the contact; default French."))


class EvidenceRequestAcceptSerializer(StrictSerializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    certificate = TenantPrimaryKeyRelatedField(model=Certificate, allow_null=True, required=False)
    issued_on = serializers.DateField(allow_null=True, required=False)
    valid_until = serializers.DateField(allow_null=True, required=False)


class EvidenceRequestRejectSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000, help_text=_("Sent to the contact with a fresh link."))



@extend_schema_view(
    list=extend_schema(summary="Evidence requests sent to suppliers' contacts"),
    retrieve=extend_schema(summary="One evidence request"),
    create=extend_schema(request=EvidenceRequestCreateSerializer, responses={201: EvidenceRequestSerializer},
                         summary="Ask a supplier's contact for documents (e-mails a single-use upload link)"),
)
class EvidenceRequestViewSet(_Refetch, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                             OrganisationGenericViewSet):
    model = EvidenceRequest
    serializer_class = EvidenceRequestSerializer
    filterset_fields = ["status", "supplier"]
    ordering_fields = ["created_at", "due_date"]
    ordering = ["-created_at", "-id"]

    def scope_queryset(self, queryset):
        return queryset.select_related("organisation", "addressed_organisation")

    def create(self, request, *args, **kwargs):
        serializer = EvidenceRequestCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        created, _raw = services.evidence_request_create(actor=self.actor, **serializer.validated_data)
        return self.write_response(created, status.HTTP_201_CREATED)

    @extend_schema(request=EvidenceRequestAcceptSerializer, responses=EvidenceRequestSerializer,
                   summary="Accept the uploaded document: it becomes evidence of the supplier")
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        evidence_request = self.get_object()  # another organisation's id: 404 before the body is judged
        serializer = EvidenceRequestAcceptSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        accepted = services.evidence_request_accept(request=evidence_request, actor=self.actor,
                                                    **serializer.validated_data)
        return self.write_response(accepted)

    @extend_schema(request=EvidenceRequestRejectSerializer, responses=EvidenceRequestSerializer,
                   summary="Reject the uploaded document with a reason (the contact gets it and a fresh link)")
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        evidence_request = self.get_object()
        serializer = EvidenceRequestRejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rejected, _raw = services.evidence_request_reject(request=evidence_request, actor=self.actor,
                                                          reason=serializer.validated_data["reason"])
        return self.write_response(rejected)

    @extend_schema(request=None, responses=EvidenceRequestSerializer,
                   summary="Cancel the request: its link stops working")
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        return self.write_response(services.evidence_request_cancel(request=self.get_object(), actor=self.actor))

    @extend_schema(
        request=None,
        responses={(200, "application/octet-stream"): OpenApiResponse(
            OpenApiTypes.BINARY, description="The uploaded file waiting for review.")},
        summary="Download the file waiting for review",
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PassthroughRenderer],
            url_name="file")
    def file(self, request, *args, **kwargs):
        evidence_request = self.get_object()
        if not evidence_request.submitted_file:
            raise Http404
        try:
            handle = default_storage.open(evidence_request.submitted_file, "rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, as_attachment=True, filename=evidence_request.submitted_name,
                                content_type=evidence_request.submitted_content_type)
        response["Content-Security-Policy"] = "sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


# The linked provider's inbox -------------------------------------------------------------------


class IncomingEvidenceRequestSerializer(StrictModelSerializer):
    """A request as the provider it is addressed to reads it: what is asked and where it stands,
    nothing else of the requester's records."""

    requester = serializers.SerializerMethodField()
    answer_before = serializers.DateTimeField(source="link_expires_at", read_only=True,
                                              help_text=_("After this, the request expires unanswered."))
    submitted = serializers.SerializerMethodField()
    answered_with = serializers.IntegerField(
        source="answered_from_id", read_only=True, allow_null=True,
        help_text=_("The organisation's own document sent from the inbox, if answered that way."))

    class Meta:
        model = IncomingEvidenceRequest
        fields = ["id", "requester", "kinds", "message", "due_date", "status", "answer_before", "submitted",
                  "answered_with", "rejection_reason", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(OrganisationNameSerializer)
    def get_requester(self, request: EvidenceRequest) -> dict:
        return {"name": request.organisation.name, "siren": request.organisation.siren}

    @extend_schema_field(IncomingSubmittedSerializer(allow_null=True))
    def get_submitted(self, request: EvidenceRequest) -> dict | None:
        return _submitted(request) if request.submitted_file else None


class IncomingAnswerSerializer(StrictSerializer):
    evidence = TenantPrimaryKeyRelatedField(
        model=Evidence, required=False, allow_null=True,
        help_text=_("A current document of the organisation, of a kind asked (JSON or multipart)."))
    file = serializers.FileField(required=False, help_text=_("Or a new file (multipart), checked like any upload."))
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, required=False,
                                   help_text=_("The new file's kind; needed when several kinds are asked."))


@extend_schema_view(
    list=extend_schema(summary="Evidence requests addressed to the organisation by its linked clients"),
    retrieve=extend_schema(summary="One evidence request addressed to the organisation"),
)
class IncomingEvidenceRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganisationGenericViewSet):
    """A linked provider's inbox. The rows are its clients' (row-level security lets the provider
    read those addressed to it); they are found only through
    :func:`compliance.services.evidence_requests.inbox`, through an active link."""

    model = IncomingEvidenceRequest
    serializer_class = IncomingEvidenceRequestSerializer
    filterset_fields = ["status"]
    ordering_fields = ["created_at", "due_date"]
    ordering = ["-created_at", "-id"]

    def initialize_request(self, request, *args, **kwargs):
        request.upload_handlers.insert(0, EvidenceSizeLimitHandler(request))
        return super().initialize_request(request, *args, **kwargs)

    def get_parsers(self):
        return [JSONParser(), MultiPartParser()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return IncomingEvidenceRequest.all_organisations.none()
        return request_services.inbox(self.organisation)

    def _incoming(self, pk):
        """The request as the inbox shows it, read again after a write."""
        return IncomingEvidenceRequest.all_organisations.select_related("organisation").get(pk=pk)

    @extend_schema(request=IncomingAnswerSerializer, responses=IncomingEvidenceRequestSerializer,
                   summary="Answer with a document the organisation holds (or a new file): the requester reviews it")
    @action(detail=True, methods=["post"])
    def answer(self, request, *args, **kwargs):
        # Addressed to this organisation, even through a link that ended (refused with its own code).
        found = request_services.addressed_to(self.organisation, int(self.kwargs["pk"]))
        if found is None:
            raise Http404
        if getattr(request._request, "evidence_too_large", False):
            raise EvidenceFileError(
                _("Le fichier dépasse la taille maximale de %(max)s octets.") % {"max": settings.EVIDENCE_MAX_BYTES},
                code="evidence_too_large")
        serializer = IncomingAnswerSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        # The answer is written on both sides, each in its own organisation's context, in one
        # transaction the service opens: leave the request's context (nothing was written in it),
        # and come back to it for the response.
        self._tenant_stack.close()
        self._in_tenant_transaction = False
        try:
            services.incoming_evidence_request_answer(request_id=found.pk, provider=self.organisation,
                                                      actor=self.actor, **serializer.validated_data)
        finally:
            self._tenant_stack.enter_context(organisation_context(self.organisation))
            self._in_tenant_transaction = True
        return Response(self.get_serializer(self._incoming(found.pk)).data)
