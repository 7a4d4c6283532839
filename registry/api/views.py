"""``/api/v1/registry/``: the official ANS list, readable by any authenticated caller (person or token).

Importing a file is for platform staff (``is_staff``); an organisation's API token is never staff.
"""

from django.conf import settings
from django.db.models import Count
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from hds_platform import generations, response_cache
from hds_platform.api.pagination import only_paging
from hds_platform.api.schema import error_response
from hds_platform.audit import Actor
from hds_platform.errors import ServiceError
from hds_platform.models import ApiToken
from hds_platform.services import api_token_record_use
from registry import selectors
from registry.api import readers
from registry.api.filters import HostFilter
from registry.api.serializers import (
    HostDetailSerializer,
    HostSerializer,
    ImportRejectedSerializer,
    ImportResultSerializer,
    SnapshotChangeSerializer,
    SnapshotDetailSerializer,
    SnapshotSerializer,
    SnapshotUploadSerializer,
)
from registry.importing import registry_import
from registry.models import CertifiedHost, Change, Snapshot


class StaffOnly(exceptions.PermissionDenied):
    default_detail = _("Seul le personnel de la plateforme peut importer la liste officielle.")
    default_code = "staff_only"


def _require_staff(request):
    if not getattr(request.user, "is_staff", False):
        raise StaffOnly()


HOST_EXAMPLE = {
    "id": 187,
    "name": "OVH SAS",
    "certificate_number": "HDS-LNE-2024-0042",
    "certifier": "LNE",
    "activities": [1, 2, 3, 4, 5, 6],
    "issued_on": "2024-06-14",
    "expires_on": "2027-06-13",
    "referential_version": "v2",
    "transparency_url": "https://www.ovh.fr/hds/transparence",
    "listed": True,
    "scope": "Hébergement et infogérance de l’offre cloud de confiance : datacenters de Roubaix ; Gravelines",
    "first_seen": 1,
    "last_seen": 2,
    "removed_in": None,
    "certificates": [{
        "id": 187, "certificate_number": "HDS-LNE-2024-0042", "certifier": "LNE", "activities": [1, 2, 3, 4, 5, 6],
        "referential_version": "v2", "issued_on": "2024-06-14", "expires_on": "2027-06-13",
        "transparency_url": "https://www.ovh.fr/hds/transparence",
        "scope": "Hébergement et infogérance de l’offre cloud de confiance : datacenters de Roubaix ; Gravelines",
        "current": True, "first_seen": 1, "last_seen": 2,
    }],
}


@extend_schema(tags=["registry"])
class HostViewSet(response_cache.CachedReads, viewsets.ReadOnlyModelViewSet):
    """Hosts of the official ANS list of HDS-certified hosts, with their certificates."""

    cached_actions = frozenset({"list", "retrieve"})

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if isinstance(request.auth, ApiToken):
            api_token_record_use(request.auth)  # as every organisation's read records it
        if self.cacheable(request):
            # The list is the same for every caller: filed under the registry's generation only.
            organisation = getattr(request.auth, "organisation", None)
            found = getattr(organisation, "data_generations", None) or generations.current(None)
            self.answer_from_cache(request, organisation_id=None, found=found)

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        if self._cache_key is not None and response.status_code == 200:
            response.render()
        self.keep_answer(response)
        return response

    serializer_class = HostSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = HostFilter
    lookup_value_regex = r"\d+"
    #: The search's order (``selectors.search_hosts`` and the compiled page): what cursors follow.
    ordering = ["normalised_name", "id"]

    def get_queryset(self):
        return CertifiedHost.objects.all()

    def filter_queryset(self, queryset):
        # The search applies to the list; a host is found by id whether listed or not.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self):
        return HostDetailSerializer if self.action == "retrieve" else HostSerializer

    @extend_schema(
        summary="Search the list",
        examples=[OpenApiExample("One host", value=[HOST_EXAMPLE], response_only=True)],
    )
    def list(self, request, *args, **kwargs):
        if not only_paging(request, "q"):
            return super().list(request, *args, **kwargs)
        # The search box: compiled rows, plain dicts (the same bytes as HostSerializer).
        page = self.paginate_queryset(selectors.listed_host_rows_page(request.query_params.get("q", "")))
        return self.get_paginated_response([readers.host_body(row) for row in page])

    @extend_schema(
        summary="One host with its certificates and change history",
        examples=[OpenApiExample("A renewed host", response_only=True, value={**HOST_EXAMPLE, "changes": [{
            "id": 310, "kind": "dates_changed", "snapshot": 2, "fetched_at": "2026-11-27T06:00:00+01:00",
            "before": {"name": "OVH SAS", "activities": [1, 2, 3, 4, 5, 6], "certificates": ["…"]},
            "after": {"name": "OVH SAS", "activities": [1, 2, 3, 4, 5, 6], "certificates": ["…"]},
        }]})],
    )
    def retrieve(self, request, *args, **kwargs):
        host = selectors.host_detail(int(kwargs["pk"]))
        if host is None:
            raise exceptions.NotFound(_("Introuvable."))
        return Response(HostDetailSerializer(host).data)


@extend_schema(tags=["registry"])
@extend_schema_view(
    list=extend_schema(summary="List imports of the ANS list, newest first"),
    retrieve=extend_schema(summary="Get an import, with its changes counted by kind"),
)
class SnapshotViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Imports of the list, newest first: imported or rejected (with the reason), and what each changed."""

    serializer_class = SnapshotSerializer
    filter_backends = []
    parser_classes = [MultiPartParser]  # the only body is the file upload
    lookup_value_regex = r"\d+"

    def initialize_request(self, request, *args, **kwargs):
        # The list may be larger than an evidence file; still stopped while it streams in.
        request.upload_max_bytes = settings.REGISTRY_MAX_FILE_BYTES
        return super().initialize_request(request, *args, **kwargs)

    def get_queryset(self):
        return Snapshot.objects.order_by("-id")

    def get_serializer_class(self):
        return SnapshotDetailSerializer if self.action == "retrieve" else SnapshotSerializer

    def retrieve(self, request, *args, **kwargs):
        snapshot = self.get_object()
        snapshot.change_counts = dict(
            Change.objects.filter(snapshot=snapshot).order_by().values_list("kind").annotate(n=Count("id"))
        )
        return Response(SnapshotDetailSerializer(snapshot).data)

    @extend_schema(
        summary="Changes of one snapshot",
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, enum=Change.Kind.values,
                                     description="Only changes of this kind.")],
        responses=SnapshotChangeSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def changes(self, request, *args, **kwargs):
        snapshot = self.get_object()
        changes = Change.objects.filter(snapshot=snapshot).select_related("host").order_by("host__normalised_name",
                                                                                            "id")
        kind = request.query_params.get("kind")
        if kind:
            if kind not in Change.Kind.values:
                raise exceptions.ValidationError({"kind": [_("Type de changement inconnu.")]})
            changes = changes.filter(kind=kind)
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(SnapshotChangeSerializer(page, many=True).data)

    @extend_schema(summary="The raw file of a snapshot (staff only)",
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 403: error_response(403)})
    @action(detail=True, methods=["get"])
    def file(self, request, *args, **kwargs):
        _require_staff(request)
        snapshot = self.get_object()
        return FileResponse(snapshot.raw_file.open("rb"), as_attachment=True,
                            filename=snapshot.raw_file.name.rsplit("/", 1)[-1])

    @extend_schema(
        summary="Import a list file (staff only)",
        request={"multipart/form-data": SnapshotUploadSerializer},
        responses={
            201: OpenApiResponse(ImportResultSerializer, description="Imported."),
            200: OpenApiResponse(ImportResultSerializer, description="Same file as the current list: nothing done."),
            403: error_response(403, "Not platform staff (`staff_only`)."),
            422: OpenApiResponse(ImportRejectedSerializer, description="Rejected; the current list is kept."),
        },
        examples=[
            OpenApiExample("Rejected", status_codes=["422"], response_only=True, value={
                "code": "row_errors",
                "message": "1 ligne illisible : la liste n'a pas été importée, corrigez le fichier ou attendez la "
                           "prochaine publication.",
                "row_errors": [{"line": 14, "reason": "colonne « Activités » : activité 7 inconnue dans « 5, 7 » "
                                                      "(les activités HDS sont numérotées de 1 à 6)"}],
                "snapshot": {"id": 3, "status": "rejected", "reason_code": "row_errors"},
            }),
        ],
    )
    def create(self, request, *args, **kwargs):
        _require_staff(request)
        serializer = SnapshotUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > settings.REGISTRY_MAX_FILE_BYTES:
            raise ServiceError(
                _("Le fichier dépasse la taille maximale acceptée (%(max)s octets).")
                % {"max": settings.REGISTRY_MAX_FILE_BYTES},
                code="file_too_large", field="file",
            )
        result = registry_import(
            data=upload.read(), source=upload.name, filename=upload.name,
            actor_label=Actor.for_user(request.user).label,
            max_removed_share=serializer.validated_data.get("max_removed_share"),
        )
        snapshot = SnapshotSerializer(result.snapshot).data
        if result.rejected:
            return Response({
                "code": result.reason_code, "message": result.reason, "row_errors": result.snapshot.errors,
                "snapshot": snapshot,
            }, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        body = {"result": result.status, "counts": result.counts, "listed_hosts": result.listed_hosts,
                "snapshot": snapshot}
        return Response(body, status=status.HTTP_200_OK if result.unchanged else status.HTTP_201_CREATED)
