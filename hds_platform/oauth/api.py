"""The API of connected apps: an integrator's applications (``/api/v1/apps/``) and an
organisation's connections (``/api/v1/orgs/{org}/connected-apps/``)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from oauth2_provider.models import get_application_model
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from hds_platform.api.base import OrganisationReadOnlyViewSet
from hds_platform.api.schema import error_response
from hds_platform.oauth.models import AppConnection
from hds_platform.oauth.registration import application_register
from hds_platform.oauth.services import connection_revoke
from hds_platform.roles import Perm


class ApplicationSerializer(serializers.Serializer):
    client_id = serializers.CharField(read_only=True)
    name = serializers.CharField(max_length=255)
    redirect_uris = serializers.ListField(child=serializers.CharField(max_length=2000), min_length=1)
    client_type = serializers.ChoiceField(choices=["confidential", "public"], default="confidential",
                                          help_text=_("public: installed software that cannot keep a secret."))
    created = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance):
        return {"client_id": instance.client_id, "name": instance.name,
                "redirect_uris": instance.redirect_uris.split(), "client_type": instance.client_type,
                "created": serializers.DateTimeField().to_representation(instance.created)}


class ApplicationCreatedSerializer(ApplicationSerializer):
    client_secret = serializers.CharField(read_only=True, help_text=_(
        "Shown only in this response; empty for a public client."))


class ApplicationListView(APIView):
    """Applications registered by the signed-in person (an integrator). A token or an app cannot
    register applications."""

    @extend_schema(responses={200: ApplicationSerializer(many=True),
                              403: error_response(403, "A token or an app cannot manage applications.")},
                   summary="The applications you registered")
    def get(self, request):
        refusal = _refuse_machine(request)
        if refusal:
            return refusal
        rows = get_application_model().objects.filter(user=request.user).order_by("-created")
        return Response([ApplicationSerializer(row).data for row in rows])

    @extend_schema(request=ApplicationSerializer, responses={
                       201: ApplicationCreatedSerializer,
                       403: error_response(403, "A token or an app cannot register applications; the e-mail "
                                                "address must be verified.")},
                   summary="Register an application (authorization code with PKCE)")
    def post(self, request):
        refusal = _refuse_machine(request)
        if refusal:
            return refusal
        serializer = ApplicationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application, secret = application_register(user=request.user, **serializer.validated_data)
        body = ApplicationSerializer(application).data
        body["client_secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED)


def _refuse_machine(request):
    if request.user.pk is None:
        return Response({"code": "person_required",
                         "message": _("Une application s'enregistre en personne (session web).")},
                        status=status.HTTP_403_FORBIDDEN)
    return None


class AppConnectionSerializer(serializers.ModelSerializer):
    client_id = serializers.CharField(source="application.client_id", read_only=True)
    name = serializers.CharField(source="application.name", read_only=True)
    scopes = serializers.ListField(child=serializers.CharField(), read_only=True)
    granted_by = serializers.IntegerField(source="granted_by_id", read_only=True, allow_null=True,
                                          help_text=_("The user id of the member who authorised it."))
    granted_by_email = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = AppConnection
        fields = ["id", "client_id", "name", "scopes", "granted_by", "granted_by_email", "granted_at",
                  "last_used_at", "revoked_at", "is_active"]
        read_only_fields = fields

    def get_granted_by_email(self, obj) -> str:
        return obj.granted_by.email if obj.granted_by is not None else ""


@extend_schema_view(list=extend_schema(summary="Apps connected to the organisation"),
                    retrieve=extend_schema(summary="A connected app: its scopes, who authorised it, its last use"))
class AppConnectionViewSet(OrganisationReadOnlyViewSet):
    """Apps connected to the organisation (owners and admins): what they may do, who allowed them,
    when they were last used; revoke one."""

    model = AppConnection
    serializer_class = AppConnectionSerializer
    action_permissions = {"list": Perm.TOKENS, "retrieve": Perm.TOKENS, "revoke": Perm.TOKENS}

    def scope_queryset(self, queryset):
        return queryset.select_related("application", "granted_by").order_by("-granted_at", "-id")

    @extend_schema(request=None, responses=AppConnectionSerializer,
                   summary="Revoke a connected app: its tokens for this organisation stop at once")
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        connection = connection_revoke(connection=self.get_object(), actor=self.actor)
        return Response(AppConnectionSerializer(connection).data)
