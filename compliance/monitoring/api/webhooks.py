"""``webhooks/``: endpoints of practice software, their delivery log, and "send test event".

Everything here needs the ``webhooks.manage`` permission (owners, admins, read-write tokens).
The signing secret appears once, in the creation response.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from compliance.models import DeliveryStatus, PayloadVersion, WebhookDelivery, WebhookEndpoint
from compliance.monitoring.webhooks import events, services
from hds_platform.accounts.reauth import require_recent_authentication
from hds_platform.api.base import OrganisationReadOnlyViewSet
from hds_platform.api.schema import error_response
from hds_platform.api.strict import StrictModelSerializer
from hds_platform.roles import Perm


class WebhookEndpointSerializer(StrictModelSerializer):
    events = serializers.ListField(
        child=serializers.CharField(), allow_empty=True,
        help_text=_("Among: %s.") % ", ".join(events.EVENTS),
    )
    version = serializers.ChoiceField(
        choices=PayloadVersion.values, required=False,
        help_text=_("Payload version: 2026-12-01 (the default for new endpoints) or legacy (endpoints created "
                    "before versions; five events only). Change it to upgrade an endpoint."))

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "version", "is_active", "created_at", "updated_at",
                  "consecutive_failures", "circuit_open_until"]
        read_only_fields = ["id", "created_at", "updated_at", "consecutive_failures", "circuit_open_until"]
        extra_kwargs = {"url": {"validators": []}}  # the URL guard decides, with its own codes


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True,
                                   help_text=_("Signing secret, shown only in this response."))

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookSecretRotatedSerializer(WebhookEndpointCreatedSerializer):
    previous_secret_expires_at = serializers.DateTimeField(
        read_only=True, help_text=_("Until then deliveries are signed with both the new and the previous secret."))

    class Meta(WebhookEndpointCreatedSerializer.Meta):
        fields = [*WebhookEndpointCreatedSerializer.Meta.fields, "previous_secret_expires_at"]


class WebhookDeliverySerializer(StrictModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["id", "event", "event_id", "status", "attempts", "next_attempt_at", "last_response_status",
                  "last_error", "delivered_at", "created_at", "payload"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="List webhook endpoints"),
    retrieve=extend_schema(summary="Get a webhook endpoint"),
    update=extend_schema(summary="Replace a webhook endpoint"),
    partial_update=extend_schema(summary="Change a webhook endpoint"),
    destroy=extend_schema(summary="Delete a webhook endpoint"),
)
class WebhookEndpointViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
                             OrganisationReadOnlyViewSet):
    model = WebhookEndpoint
    serializer_class = WebhookEndpointSerializer
    action_permissions = {name: Perm.WEBHOOKS for name in (
        "list", "retrieve", "create", "update", "partial_update", "destroy", "deliveries", "send_test",
        "rotate_secret", "redeliver")}

    def scope_queryset(self, queryset):
        return queryset.order_by("id")

    @extend_schema(request=WebhookEndpointSerializer, responses={201: WebhookEndpointCreatedSerializer},
                   summary="Register a webhook endpoint (its signing secret is in this response only)")
    def create(self, request, *args, **kwargs):
        serializer = WebhookEndpointSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        require_recent_authentication(request)  # the answer shows the signing secret
        endpoint = services.webhook_endpoint_create(actor=self.actor, **serializer.validated_data)
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        serializer.instance = services.webhook_endpoint_update(
            endpoint=serializer.instance, actor=self.actor, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.webhook_endpoint_delete(endpoint=instance, actor=self.actor)

    @extend_schema(request=None, responses=WebhookDeliverySerializer(many=True),
                   summary="List an endpoint's deliveries",
                   description="The endpoint's deliveries, newest first (filter with ?status=dead).")
    @action(detail=True, methods=["get"])
    def deliveries(self, request, *args, **kwargs):
        endpoint = self.get_object()
        queryset = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in DeliveryStatus.values:
                return Response({"code": "invalid", "message": _("État inconnu."),
                                 "errors": {"status": [{"code": "invalid_choice", "message": _("État inconnu.")}]}},
                                status=status.HTTP_400_BAD_REQUEST)
            queryset = queryset.filter(status=wanted)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses={200: WebhookSecretRotatedSerializer}, summary="Rotate the signing secret",
                   description="Replace the signing secret; the new one is shown in this response only. Until "
                               "previous_secret_expires_at (WEBHOOK_SECRET_GRACE_HOURS, 24 h by default) each "
                               "delivery's Maillon-Signature carries two v1 values, one per secret; then only the "
                               "new one. A person must have confirmed their identity recently "
                               "(POST /api/v1/me/reauthenticate/).")
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, *args, **kwargs):
        endpoint = self.get_object()
        require_recent_authentication(request)
        endpoint = services.webhook_rotate_secret(endpoint=endpoint, actor=self.actor)
        return Response(WebhookSecretRotatedSerializer(endpoint).data)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer},
                   parameters=[OpenApiParameter("delivery_pk", OpenApiTypes.INT, OpenApiParameter.PATH,
                                                description="Delivery id.")],
                   summary="Send a delivery again",
                   description="A failed or dead delivery: the same event id and payload, signed anew, due now "
                               "with a fresh count of attempts. Another state answers 409 "
                               "webhook_delivery_not_failed.")
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_pk>\d+)/redeliver")
    def redeliver(self, request, *args, **kwargs):
        endpoint = self.get_object()
        found = get_object_or_404(WebhookDelivery.objects.select_related("endpoint"), endpoint=endpoint,
                                  pk=kwargs["delivery_pk"])
        found = services.webhook_redeliver(delivery=found, actor=self.actor)
        return Response(WebhookDeliverySerializer(found).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer, 429: error_response(429)},
                   summary="Send a test event now",
                   description='Send a "test.ping" event to this endpoint now; follow it in the delivery log.')
    @action(detail=True, methods=["post"], url_path="test")
    def send_test(self, request, *args, **kwargs):
        delivery = services.webhook_send_test(endpoint=self.get_object(), actor=self.actor)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
