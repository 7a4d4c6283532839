"""``events/``: the organisation's events of the last ``WEBHOOK_EVENTS_RETENTION_DAYS`` days, oldest
first, each with the exact payload a webhook delivery of that event carries. A client that missed
deliveries catches up here (README: Webhooks, catching up)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers

from compliance.models import PayloadVersion, WebhookEvent
from compliance.monitoring.webhooks import catalogue, feed
from compliance.monitoring.webhooks.schema import WebhookPayloadSerializer
from hds_platform.api.base import OrganisationGenericViewSet
from hds_platform.api.filters import parse_timestamp
from hds_platform.errors import ServiceError
from hds_platform.scopes import CONFORMITY_READ, REGISTER_READ

#: The events a caller with ``conformity:read`` alone reads: the answers, not the register.
CONFORMITY_EVENTS = (catalogue.CONFORMITY_CHANGED,)


class WebhookEventSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="event_id", help_text=_("The event's id, as in its payload."))
    occurred_at = serializers.SerializerMethodField()
    payload = serializers.SerializerMethodField()

    class Meta:
        model = WebhookEvent
        fields = ["id", "type", "occurred_at", "payload"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_occurred_at(self, event: WebhookEvent) -> str:
        return catalogue.timestamp(event.occurred_at)

    @extend_schema_field(WebhookPayloadSerializer)
    def get_payload(self, event: WebhookEvent) -> dict:
        legacy = self.context.get("version") == catalogue.LEGACY
        return event.legacy_payload if legacy else event.payload


@extend_schema(
    summary="The events webhooks carry, last 30 days, oldest first",
    parameters=[
        OpenApiParameter("type", OpenApiTypes.STR, many=True, enum=list(catalogue.CATALOGUE),
                         description="Only events of these types (repeat the parameter for several)."),
        OpenApiParameter("since", OpenApiTypes.DATETIME,
                         description="Only events that occurred at or after this instant (ISO 8601 with offset)."),
        OpenApiParameter("version", OpenApiTypes.STR, enum=PayloadVersion.values,
                         description="Payload version: 2026-12-01 (default) or legacy (the five legacy types only)."),
    ],
)
class WebhookEventViewSet(mixins.ListModelMixin, OrganisationGenericViewSet):
    model = WebhookEvent
    serializer_class = WebhookEventSerializer
    filter_backends = []
    ordering = ["occurred_at", "id"]
    lookup_field = "event_id"
    lookup_body_key = "id"  # the event's id in the body is its event_id
    # register:read reads every event; conformity:read alone, the conformity changes only.
    action_scopes = {"list": (REGISTER_READ, CONFORMITY_READ)}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookEvent.all_organisations.none()
        params = self.request.query_params
        types = params.getlist("type")
        unknown = sorted(set(types) - set(catalogue.CATALOGUE))
        if unknown:
            raise ServiceError(_("Événement inconnu : %s.") % ", ".join(unknown), code="webhook_event_unknown",
                               field="type")
        since = parse_timestamp(params["since"], "since") if "since" in params else None
        if self.granted_scopes is not None and REGISTER_READ not in self.granted_scopes:
            types = [name for name in (types or CONFORMITY_EVENTS) if name in CONFORMITY_EVENTS]
            if not types:
                return WebhookEvent.objects.none()
        queryset = feed.events(types=types, since=since)
        if self._version() == catalogue.LEGACY:
            queryset = queryset.filter(legacy_payload__isnull=False)
        return queryset

    def _version(self) -> str:
        version = self.request.query_params.get("version", catalogue.VERSION)
        if version not in PayloadVersion.values:
            raise ServiceError(_("Version inconnue : choisissez parmi %s.") % ", ".join(PayloadVersion.values),
                               code="webhook_version_unknown", field="version")
        return version

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "version": self._version()}
