"""Viewsets of the compliance API, all on the tenant base classes: they never build a queryset
outside the organisation. Writes go through ``compliance.services``; nested parents
(``suppliers/{id}/…``, ``processings/{id}/…``) are resolved through the scoped managers, so
another organisation's parent answers 404."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, renderers, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance import evaluation, evidence_files, selectors, services
from compliance.api import filters, readers
from compliance.api.serializers import (
    CertificateSerializer,
    ChainLinkSerializer,
    ConformityResultSerializer,
    ConformityStatusChangeSerializer,
    ConformitySummarySerializer,
    EvidenceSerializer,
    EvidenceSupersedeSerializer,
    EvidenceUploadSerializer,
    ProcessingSerializer,
    RegistryMatchConfirmSerializer,
    SupplierCertificateSerializer,
    SupplierSerializer,
)
from compliance.evidence_files import EvidenceFileError
from compliance.models import (
    Certificate,
    ChainLink,
    ConformityStatusChange,
    Evidence,
    Processing,
    Supplier,
)
from hds_platform import scopes
from hds_platform.api.base import (
    ORG_PARAMETER,
    OrganisationGenericViewSet,
    OrganisationModelViewSet,
    OrganisationViewMixin,
)
from hds_platform.api.conditional import conditional_response
from hds_platform.api.pagination import only_paging
from registry.models import CertifiedHost


class _Refetch:
    """Answer a write with the row as the list shows it (annotations included)."""

    def refetched(self, instance):
        return self.get_queryset().get(pk=instance.pk)

    def write_response(self, instance, status_code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.refetched(instance)).data, status=status_code)


# Suppliers -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List the organisation's suppliers, with registry match and certificate summary"),
    create=extend_schema(summary="Add a supplier (matched against the ANS list at once)"),
    retrieve=extend_schema(summary="Get a supplier"),
    update=extend_schema(summary="Replace a supplier"),
    partial_update=extend_schema(summary="Change a supplier"),
    destroy=extend_schema(summary="Delete a supplier (refused while a chain names it)"),
)
class SupplierViewSet(_Refetch, OrganisationModelViewSet):
    """Third parties of the organisation."""

    model = Supplier
    serializer_class = SupplierSerializer
    filterset_class = filters.SupplierFilter
    cached_actions = frozenset({"list", "retrieve"})
    ordering_fields = ["name", "created_at", "updated_at", "country"]
    ordering = ["name", "id"]

    def scope_queryset(self, queryset):
        return selectors.suppliers(queryset)

    def list(self, request, *args, **kwargs):
        steps = readers.SUPPLIER_PLAN
        if steps is None or not only_paging(request):
            return super().list(request, *args, **kwargs)
        # The unfiltered list, the one read all day: compiled rows, plain dicts (same bytes).
        page = self.paginate_queryset(selectors.supplier_rows_page(readers.columns_of(steps)))
        return self.get_paginated_response([readers.body(steps, row) for row in page])

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        supplier = services.supplier_create(actor=self.actor, **serializer.validated_data)
        return self.write_response(supplier, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        supplier = services.supplier_update(supplier=serializer.instance, actor=self.actor,
                                            **serializer.validated_data)
        return self.write_response(supplier)

    def perform_destroy(self, instance):
        services.supplier_delete(supplier=instance, actor=self.actor)

    @extend_schema(request=RegistryMatchConfirmSerializer, responses=SupplierSerializer,
                   summary="Confirm the suggested ANS host, or the host given")
    @action(detail=True, methods=["post"], url_path="registry-match/confirm", url_name="registry-match-confirm")
    def confirm_registry_match(self, request, *args, **kwargs):
        supplier = self.get_object()
        serializer = RegistryMatchConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        host = None
        if "host" in serializer.validated_data:
            # The registry is shared reference data: any listed host may be chosen.
            host = get_object_or_404(CertifiedHost, pk=serializer.validated_data["host"])
        supplier = services.supplier_registry_match_confirm(supplier=supplier, actor=self.actor, host=host)
        return self.write_response(supplier)

    @extend_schema(request=None, responses=SupplierSerializer,
                   summary="Reject the suggested ANS host; it will not be suggested again")
    @action(detail=True, methods=["post"], url_path="registry-match/reject", url_name="registry-match-reject")
    def reject_registry_match(self, request, *args, **kwargs):
        supplier = services.supplier_registry_match_reject(supplier=self.get_object(), actor=self.actor)
        return self.write_response(supplier)


# Certificates --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Every certificate the organisation knows: its own (supplier null) and its "
                               "suppliers'"),
    create=extend_schema(summary="Record a certificate (the organisation's own, or a supplier's)"),
    retrieve=extend_schema(summary="Get a certificate"),
    update=extend_schema(summary="Replace a certificate"),
    partial_update=extend_schema(summary="Change a certificate"),
    destroy=extend_schema(summary="Delete a certificate"),
)
class CertificateViewSet(_Refetch, OrganisationModelViewSet):
    model = Certificate
    serializer_class = CertificateSerializer
    filterset_class = filters.CertificateFilter
    ordering_fields = ["expires_on", "issued_on", "created_at", "updated_at", "certificate_number"]
    ordering = ["expires_on", "id"]

    def scope_queryset(self, queryset):
        return queryset.select_related("supplier")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        certificate = services.certificate_create(actor=self.actor, **serializer.validated_data)
        return self.write_response(certificate, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        certificate = services.certificate_update(certificate=serializer.instance, actor=self.actor,
                                                  **serializer.validated_data)
        return self.write_response(certificate)

    def perform_destroy(self, instance):
        services.certificate_delete(certificate=instance, actor=self.actor)


SUPPLIER_PK = OpenApiParameter("supplier_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="Supplier id.")


@extend_schema(parameters=[SUPPLIER_PK], tags=["certificates"])
@extend_schema_view(list=extend_schema(summary="A supplier's certificates"),
                    create=extend_schema(summary="Record a certificate of this supplier"))
class SupplierCertificateViewSet(_Refetch, mixins.ListModelMixin, mixins.CreateModelMixin,
                                 OrganisationGenericViewSet):
    model = Certificate
    serializer_class = SupplierCertificateSerializer
    filterset_class = filters.CertificateFilter
    ordering_fields = ["expires_on", "issued_on", "created_at", "updated_at"]
    ordering = ["expires_on", "id"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.supplier = get_object_or_404(Supplier.objects.all(), pk=kwargs["supplier_pk"])

    def scope_queryset(self, queryset):
        return queryset.filter(supplier=self.supplier).select_related("supplier")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        certificate = services.certificate_create(actor=self.actor, supplier=self.supplier,
                                                  **serializer.validated_data)
        return self.write_response(certificate, status.HTTP_201_CREATED)


# Processings, chains, conformity -------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="The GDPR art. 30 register, with each processing's conformity status"),
    create=extend_schema(summary="Add a processing to the register"),
    retrieve=extend_schema(summary="Get a processing, with its conformity status"),
    update=extend_schema(summary="Replace a processing"),
    partial_update=extend_schema(summary="Change a processing"),
    destroy=extend_schema(summary="Delete a processing and its chain"),
)
class ProcessingViewSet(_Refetch, OrganisationModelViewSet):
    model = Processing
    serializer_class = ProcessingSerializer
    filterset_class = filters.ProcessingFilter
    cached_actions = frozenset({"list", "retrieve", "conformity"})
    # A conformity reader must know which processings the answers are about (and their status).
    action_scopes = {"list": (scopes.REGISTER_READ, scopes.CONFORMITY_READ),
                     "retrieve": (scopes.REGISTER_READ, scopes.CONFORMITY_READ),
                     "conformity GET": scopes.CONFORMITY_READ, "conformity_history": scopes.CONFORMITY_READ}
    ordering_fields = ["name", "created_at", "updated_at", "conformity_status"]
    ordering = ["name", "id"]

    def scope_queryset(self, queryset):
        return selectors.processings(queryset)

    def list(self, request, *args, **kwargs):
        # Statuses filter and order the list: every due answer of the organisation is brought to today first.
        evaluation.refresh_due()
        steps = readers.PROCESSING_PLAN
        if steps is None or not only_paging(request):
            return super().list(request, *args, **kwargs)
        page = self.paginate_queryset(selectors.processing_rows_page(readers.columns_of(steps)))
        return self.get_paginated_response([readers.body(steps, row) for row in page])

    def retrieve(self, request, *args, **kwargs):
        evaluation.refresh_due(processing_ids=[int(kwargs["pk"])])
        return super().retrieve(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        processing = services.processing_create(actor=self.actor, **serializer.validated_data)
        return self.write_response(processing, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        processing = services.processing_update(processing=serializer.instance, actor=self.actor,
                                                **serializer.validated_data)
        return self.write_response(processing)

    def perform_destroy(self, instance):
        services.processing_delete(processing=instance, actor=self.actor)

    @extend_schema(methods=["GET"], request=None, responses=ConformityResultSerializer, tags=["conformity"],
                   summary="Today's conformity answer",
                   description="The stored answer when it was established today; otherwise (none yet, or "
                               "evaluated on an earlier day) it is evaluated now, cheaply when nothing but the "
                               "date moved, and stored.")
    @extend_schema(methods=["POST"], request=None, responses=ConformityResultSerializer, tags=["conformity"],
                   summary="Re-evaluate now and return the result")
    @action(detail=True, methods=["get", "post"], url_path="conformity", url_name="conformity")
    def conformity(self, request, *args, **kwargs):
        pk = int(self.kwargs["pk"])
        if request.method == "GET":
            # Today's stored answer, the one pollers read: compiled read, plain body (same bytes).
            body = readers.conformity_body(pk)
            if body is not None:
                return conditional_response(request, body)
            result = selectors.conformity_result(pk)
            if result is not None:
                return conditional_response(
                    request, ConformityResultSerializer(evaluation.refresh([result])[pk]).data)
        result = evaluation.evaluate_processings([pk], force=request.method == "POST").get(pk)
        if result is None:
            raise Http404
        if request.method == "GET":
            return conditional_response(request, ConformityResultSerializer(result).data)
        return Response(ConformityResultSerializer(result).data)

    @extend_schema(request=None, responses=ConformityStatusChangeSerializer(many=True), tags=["conformity"],
                   summary="The history of the processing's status changes, newest first")
    @action(detail=True, methods=["get"], url_path="conformity/history", url_name="conformity-history",
            filterset_class=None, pagination_class=None)
    def conformity_history(self, request, *args, **kwargs):
        processing = get_object_or_404(Processing.objects.all(), pk=self.kwargs["pk"])
        changes = ConformityStatusChange.objects.filter(processing=processing).order_by("-changed_at", "-id")
        return Response(ConformityStatusChangeSerializer(changes, many=True).data)


PROCESSING_PK = OpenApiParameter("processing_pk", OpenApiTypes.INT, OpenApiParameter.PATH,
                                 description="Processing id.")


@extend_schema(parameters=[PROCESSING_PK], tags=["chain"])
@extend_schema_view(
    list=extend_schema(summary="The hosting chain of a processing"),
    create=extend_schema(summary="Add a link to the chain"),
    retrieve=extend_schema(summary="Get a chain link"),
    update=extend_schema(summary="Replace a chain link"),
    partial_update=extend_schema(summary="Change a chain link"),
    destroy=extend_schema(summary="Remove a chain link (refused while it has subcontractors)"),
)
class ChainLinkViewSet(_Refetch, OrganisationModelViewSet):
    model = ChainLink
    serializer_class = ChainLinkSerializer
    pagination_class = None
    filterset_class = filters.ChainLinkFilter
    ordering_fields = ["id", "updated_at"]
    ordering = ["id"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.processing = get_object_or_404(Processing.objects.all(), pk=kwargs["processing_pk"])

    def scope_queryset(self, queryset):
        return queryset.filter(processing=self.processing).select_related("supplier").prefetch_related(
            Prefetch("certificates", queryset=Certificate.objects.only("id")))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = services.chain_link_create(actor=self.actor, processing=self.processing, **serializer.validated_data)
        return self.write_response(link, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        link = services.chain_link_update(link=serializer.instance, actor=self.actor, **serializer.validated_data)
        return self.write_response(link)

    def perform_destroy(self, instance):
        services.chain_link_delete(link=instance, actor=self.actor)


@extend_schema(parameters=[ORG_PARAMETER])
class ConformitySummaryView(OrganisationViewMixin, APIView):
    """The organisation's summary: an aggregate, not a list of rows."""

    action_scopes = {"GET": scopes.CONFORMITY_READ}
    cached_actions = frozenset({"GET"})

    @extend_schema(responses=ConformitySummarySerializer,
                   summary="Organisation summary: counts by status, most frequent findings, certificates expiring")
    def get(self, request, *args, **kwargs):
        return conditional_response(request, readers.summary_body(evaluation.conformity_summary()))


# Evidence ------------------------------------------------------------------------------------


class EvidenceSizeLimitHandler(FileUploadHandler):
    """Stops receiving a file as soon as it exceeds the evidence size limit, instead of writing
    it all to a temporary file first; the view then answers ``evidence_too_large``."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.EVIDENCE_MAX_BYTES
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.evidence_too_large = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


class PassthroughRenderer(renderers.BaseRenderer):
    """Lets a download be requested with any Accept header; errors still come out as JSON."""

    media_type = "*/*"
    format = "download"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data).encode() if data is not None else b""


@extend_schema_view(
    list=extend_schema(summary="Evidence on file (every version; current=true for the current ones)"),
    create=extend_schema(request={"multipart/form-data": EvidenceUploadSerializer}, responses={201: EvidenceSerializer},
                         summary="Upload a document (PDF, PNG, JPEG, DOCX or XLSX, checked by content)"),
    partial_update=extend_schema(summary="Change a document's description (not its file)"),
    update=extend_schema(summary="Replace a document's description (not its file)"),
    retrieve=extend_schema(summary="Get a document's description"),
    destroy=extend_schema(summary="Delete a document"),
)
class EvidenceViewSet(_Refetch, OrganisationModelViewSet):
    model = Evidence
    serializer_class = EvidenceSerializer
    action_scopes = {name: scopes.EVIDENCE_WRITE for name in (
        "create", "update", "partial_update", "destroy", "supersede")}
    filterset_class = filters.EvidenceFilter
    #: the actions that receive a file; every other write takes JSON.
    upload_actions = frozenset({"create", "supersede"})
    ordering_fields = ["uploaded_at", "updated_at", "valid_until", "issued_on", "title", "kind"]
    ordering = ["-uploaded_at", "-id"]

    def initialize_request(self, request, *args, **kwargs):
        # Before anything reads the body (CSRF checks do for sessions).
        request.upload_handlers.insert(0, EvidenceSizeLimitHandler(request))
        return super().initialize_request(request, *args, **kwargs)

    def get_parsers(self):
        # Parsers are chosen before DRF sets ``self.action``: read it from the method then.
        action = getattr(self, "action", None)
        if action is None and getattr(self, "request", None) is not None:
            action = self.action_map.get(self.request.method.lower())
        if action in self.upload_actions:
            return [MultiPartParser()]
        return [JSONParser()]

    def scope_queryset(self, queryset):
        return selectors.evidence(queryset)

    def _upload_data(self, serializer_class, request):
        data = request.data
        if getattr(request._request, "evidence_too_large", False):
            raise EvidenceFileError(
                _("Le fichier dépasse la taille maximale de %(max)s octets.") % {"max": settings.EVIDENCE_MAX_BYTES},
                code="evidence_too_large",
            )
        serializer = serializer_class(data=data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _answer_upload(self, evidence):
        # The request's transaction rolls back if answering fails: the stored file must go too.
        try:
            return self.write_response(evidence, status.HTTP_201_CREATED)
        except BaseException:
            evidence_files.discard(evidence.file.name)
            raise

    def create(self, request, *args, **kwargs):
        fields = dict(self._upload_data(EvidenceUploadSerializer, request))
        evidence = services.evidence_upload(actor=self.actor, file=fields.pop("file"), **fields)
        return self._answer_upload(evidence)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        evidence = services.evidence_update(evidence=serializer.instance, actor=self.actor,
                                            **serializer.validated_data)
        return self.write_response(evidence)

    def perform_destroy(self, instance):
        services.evidence_delete(evidence=instance, actor=self.actor)

    @extend_schema(request={"multipart/form-data": EvidenceSupersedeSerializer}, responses={201: EvidenceSerializer},
                   summary="Upload a new version that replaces this one")
    @action(detail=True, methods=["post"])
    def supersede(self, request, *args, **kwargs):
        evidence = self.get_object()
        fields = dict(self._upload_data(EvidenceSupersedeSerializer, request))
        new = services.evidence_supersede(evidence=evidence, actor=self.actor, file=fields.pop("file"), **fields)
        return self._answer_upload(new)

    @extend_schema(
        request=None,
        responses={(200, "application/octet-stream"): OpenApiResponse(
            OpenApiTypes.BINARY, description="The file, as an attachment, with its detected content type.")},
        summary="Download the file (members and tokens of the organisation only)",
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PassthroughRenderer],
            filterset_class=None)
    def download(self, request, *args, **kwargs):
        evidence = get_object_or_404(Evidence.objects.all(), pk=self.kwargs["pk"])
        try:
            handle = default_storage.open(evidence.file.name, "rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, as_attachment=True, filename=evidence.original_name,
                                content_type=evidence.content_type)
        response["Content-Security-Policy"] = "sandbox"
        response["Cache-Control"] = "private, no-store"
        return response

