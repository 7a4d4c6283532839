"""``alerts/`` (list, retrieve, acknowledge, resolve) and ``notifications/preference/`` (the caller's
own e-mail digest settings)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.models import Alert, AlertKind, AlertResolution, DigestFrequency, NotificationPreference
from compliance.monitoring import alerts, digests
from hds_platform import scopes
from hds_platform.api.base import ORG_PARAMETER, OrganisationReadOnlyViewSet, OrganisationViewMixin
from hds_platform.api.fields import OptionalChoiceField
from hds_platform.api.strict import StrictModelSerializer
from hds_platform.roles import Perm


class AlertSerializer(StrictModelSerializer):
    title = serializers.SerializerMethodField(help_text=_("In the language of the request."))
    message = serializers.SerializerMethodField(help_text=_("In the language of the request."))
    acknowledged_by = serializers.EmailField(source="acknowledged_by.email", read_only=True, allow_null=True,
                                             default=None)
    resolved_by = serializers.EmailField(source="resolved_by.email", read_only=True, allow_null=True, default=None)
    resolution = OptionalChoiceField(choices=AlertResolution.choices, read_only=True,
                                     help_text=_("How the alert was resolved; null while it is not."))

    class Meta:
        model = Alert
        fields = ["id", "kind", "severity", "status", "title", "message", "threshold", "due_on", "data",
                  "certificate", "evidence", "processing", "supplier", "created_at", "acknowledged_at",
                  "acknowledged_by", "resolved_at", "resolved_by", "resolution", "updated_at"]
        read_only_fields = fields

    def _texts(self, obj) -> tuple[str, str]:
        cache = self.context.setdefault("_alert_texts", {})
        if obj.pk not in cache:
            cache[obj.pk] = alerts.render(obj)
        return cache[obj.pk]

    def get_title(self, obj) -> str:
        return self._texts(obj)[0]

    def get_message(self, obj) -> str:
        return self._texts(obj)[1]


@extend_schema_view(
    list=extend_schema(summary="List alerts, newest first"),
    retrieve=extend_schema(summary="Get an alert"),
    acknowledge=extend_schema(summary="Acknowledge an alert"),
    resolve=extend_schema(summary="Resolve an alert"),
)
class AlertViewSet(OrganisationReadOnlyViewSet):
    """The organisation's alerts, newest first. Filter with ``?status=open&kind=certificate_expiring``."""

    model = Alert
    serializer_class = AlertSerializer
    filterset_fields = ["status", "kind", "severity"]
    ordering_fields = ["created_at", "updated_at", "id"]
    action_permissions = {"acknowledge": Perm.WRITE, "resolve": Perm.WRITE}
    action_scopes = {"list": scopes.CONFORMITY_READ, "retrieve": scopes.CONFORMITY_READ}

    def scope_queryset(self, queryset):
        return queryset.select_related("acknowledged_by", "resolved_by").order_by("-created_at", "-id")

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, *args, **kwargs):
        alert = alerts.alert_acknowledge(alert=self.get_object(), actor=self.actor)
        return Response(AlertSerializer(alert, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, *args, **kwargs):
        alert = alerts.alert_resolve(alert=self.get_object(), actor=self.actor)
        return Response(AlertSerializer(alert, context=self.get_serializer_context()).data)


class NotificationPreferenceSerializer(StrictModelSerializer):
    digest = OptionalChoiceField(choices=DigestFrequency.choices, required=False,
                                 help_text=_("null follows the role: daily for owners, admins and editors, "
                                             "weekly for viewers and auditors."))
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=AlertKind.choices), required=False,
                                  help_text=_("Alert kinds in the digest; empty: all."))
    effective_digest = serializers.CharField(read_only=True)

    class Meta:
        model = NotificationPreference
        fields = ["digest", "effective_digest", "kinds", "last_digest_at"]
        read_only_fields = ["effective_digest", "last_digest_at"]


@extend_schema(parameters=[ORG_PARAMETER])
class NotificationPreferenceView(OrganisationViewMixin, APIView):
    """The caller's own e-mail digest settings in this organisation (a person, not a token)."""

    # Every member sets their own digest, whatever their role.
    action_permissions = {"GET": Perm.READ, "PUT": Perm.READ, "PATCH": Perm.READ}

    def _person(self, request):
        if self.membership is None:
            return None
        return request.user

    def _response(self, preference):
        preference.effective_digest = digests.frequency_of(preference, self.membership.role)
        return Response(NotificationPreferenceSerializer(preference).data)

    def _refuse_token(self):
        return Response({"code": "person_required", "message": _("Les préférences de notification sont "
                                                                  "celles d'une personne, pas d'un jeton.")},
                        status=status.HTTP_403_FORBIDDEN)

    @extend_schema(responses=NotificationPreferenceSerializer, summary="Get your e-mail digest settings")
    def get(self, request, *args, **kwargs):
        if self._person(request) is None:
            return self._refuse_token()
        return self._response(digests.notification_preference_of(request.user))

    @extend_schema(request=NotificationPreferenceSerializer, responses=NotificationPreferenceSerializer,
                   summary="Replace your e-mail digest settings")
    def put(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    @extend_schema(request=NotificationPreferenceSerializer, responses=NotificationPreferenceSerializer,
                   summary="Change your e-mail digest settings")
    def patch(self, request, *args, **kwargs):
        return self._update(request, partial=True)

    def _update(self, request, *, partial):
        if self._person(request) is None:
            return self._refuse_token()
        serializer = NotificationPreferenceSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        preference = digests.notification_preference_update(
            user=request.user, actor=self.actor, **serializer.validated_data)
        return self._response(preference)
