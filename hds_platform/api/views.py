from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hds_platform import crossing, services
from hds_platform.accounts import throttling
from hds_platform.accounts.reauth import require_recent_authentication
from hds_platform.accounts.views import confirm_identity
from hds_platform.api.authentication import TokenPrincipal
from hds_platform.api.base import Forbidden, OrganisationGenericViewSet, OrganisationReadOnlyViewSet
from hds_platform.api.schema import error_response
from hds_platform.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    AuditEventSerializer,
    InvitationAcceptSerializer,
    InvitationSerializer,
    MemberSerializer,
    MeSerializer,
    MyMembershipSerializer,
    ReauthenticateSerializer,
)
from hds_platform.models import ApiToken, AuditEvent, Invitation, Membership
from hds_platform.oauth.authentication import AppPrincipal
from hds_platform.roles import Perm


class ApiIndexView(APIView):
    """``/api/`` and ``/api/v1/``: where everything is, for a person or a program finding its way."""

    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request):
        def url(name, **kwargs):
            return request.build_absolute_uri(reverse(name, kwargs=kwargs))

        v1 = url("api-v1-index")
        return Response({
            "name": "Maillon API",
            "version": "v1",
            "links": {
                "v1": v1,
                "docs": url("api-docs"),
                "schema": url("schema"),
                "me": url("me"),
                "registry_hosts": url("registry-host-list"),
                "registry_snapshots": url("registry-snapshot-list"),
                "orgs": v1 + "orgs/{org}/",
            },
            "authentication": "Authorization: Bearer <token> (an organisation's API token), or the web session.",
        })


class MeView(APIView):
    """Who is calling: the person (and their organisations) or the API token."""

    @extend_schema(responses=MeSerializer, summary="Who is calling",
                   description="The person and their organisations, or the API token and its organisation.")
    def get(self, request):
        user = request.user
        if isinstance(user, TokenPrincipal):
            token = user.token
            data = {
                "id": None, "email": "", "full_name": "", "language": "fr",
                "memberships": [],
                "token": {"name": token.name, "prefix": token.prefix, "scope": token.scope,
                          "organisation": token.organisation.slug, "expires_at": token.expires_at},
                "app": None,
            }
        elif isinstance(user, AppPrincipal):
            access_token = user.access_token
            data = {
                "id": None, "email": "", "full_name": "", "language": "fr", "memberships": [], "token": None,
                "app": {"client_id": user.application.client_id, "name": user.application.name,
                        "scope": access_token.scope, "organisation": access_token.organisation.slug,
                        "expires_at": access_token.expires},
            }
        else:
            data = {
                "id": user.pk, "email": user.email, "full_name": user.full_name, "language": user.language,
                "memberships": crossing.memberships_of(user),
                "token": None,
                "app": None,
            }
        return Response(MeSerializer(data).data)


class InvitationAcceptView(APIView):
    """Accept an invitation as the logged-in person (the token comes from the e-mailed link).

    A link that does not work counts as a failed login attempt: too many lock the person out
    (429), as on the login page."""

    @extend_schema(request=InvitationAcceptSerializer,
                   responses={201: MyMembershipSerializer, 429: error_response(429)},
                   summary="Accept an invitation",
                   description="As the logged-in person, with the token of the e-mailed link. A link that does not "
                               "work counts as a failed login: too many lock the person out (429).")
    def post(self, request):
        if isinstance(request.user, TokenPrincipal | AppPrincipal):
            return Response({"code": "person_required", "message": "Une invitation s'accepte en personne."},
                            status=status.HTTP_403_FORBIDDEN)
        if throttling.is_locked(request, request.user.email):
            return Response({"code": "locked_out", "message": throttling.lockout_message()},
                            status=status.HTTP_429_TOO_MANY_REQUESTS)
        serializer = InvitationAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            membership = services.invitation_accept(raw_token=serializer.validated_data["token"],
                                                    user=request.user)
        except services.InvalidInvitation:
            throttling.count_failure(request, request.user.email, "invitation")
            raise
        return Response(MyMembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


class ReauthenticateView(APIView):
    """Confirm one's identity (password, and a second-factor code when enabled) before a sensitive
    action: creating an API token or a webhook, rotating a webhook secret, changing a role. Valid
    for ``REAUTHENTICATION_MINUTES``; failures count towards the login lockout."""

    @extend_schema(request=ReauthenticateSerializer, responses={204: None, 429: error_response(429)},
                   summary="Confirm your identity before a sensitive action",
                   description="Password, and a second-factor code when enabled, before creating an API token or "
                               "a webhook, rotating a webhook secret or changing a role. Valid for "
                               "`REAUTHENTICATION_MINUTES`; failures count towards the login lockout.")
    def post(self, request):
        if isinstance(request.user, TokenPrincipal | AppPrincipal):
            return Response({"code": "person_required", "message": "Seule une personne confirme son identité."},
                            status=status.HTTP_403_FORBIDDEN)
        if throttling.is_locked(request, request.user.email):
            return Response({"code": "locked_out", "message": throttling.lockout_message()},
                            status=status.HTTP_429_TOO_MANY_REQUESTS)
        serializer = ReauthenticateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        error = confirm_identity(request._request, serializer.validated_data["password"],
                                 serializer.validated_data.get("code", ""))
        if throttling.is_locked(request, request.user.email):
            return Response({"code": "locked_out", "message": throttling.lockout_message()},
                            status=status.HTTP_429_TOO_MANY_REQUESTS)
        if error is not None:
            return Response({"code": "reauthentication_failed", "message": error},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="List the members and their roles"),
    retrieve=extend_schema(summary="Get a member"),
    partial_update=extend_schema(summary="Change a member's role"),
    destroy=extend_schema(summary="Remove a member"),
)
class MemberViewSet(mixins.UpdateModelMixin, mixins.DestroyModelMixin, OrganisationReadOnlyViewSet):
    """Members of the organisation and their roles."""

    model = Membership
    serializer_class = MemberSerializer
    action_permissions = {"update": Perm.MEMBERS, "partial_update": Perm.MEMBERS, "destroy": Perm.MEMBERS}
    ordering_fields = ["id", "role"]
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def scope_queryset(self, queryset):
        return queryset.select_related("user").order_by("id")

    def perform_update(self, serializer):
        role = serializer.validated_data.get("role", serializer.instance.role)
        if "owner" in (role, serializer.instance.role) and Perm.OWNERSHIP not in self.permissions:
            raise Forbidden()
        require_recent_authentication(self.request)
        serializer.instance = services.membership_change_role(
            membership=serializer.instance, role=role, actor=self.actor
        )

    def perform_destroy(self, instance):
        if instance.role == "owner" and Perm.OWNERSHIP not in self.permissions:
            raise Forbidden()
        services.membership_remove(membership=instance, actor=self.actor)


@extend_schema_view(
    list=extend_schema(summary="List invitations, newest first"),
    retrieve=extend_schema(summary="Get an invitation"),
    create=extend_schema(summary="Invite someone by e-mail (single-use link that expires)"),
    revoke=extend_schema(summary="Revoke an invitation"),
)
class InvitationViewSet(mixins.CreateModelMixin, OrganisationReadOnlyViewSet):
    """Invitations by e-mail; the link is single-use and expires."""

    model = Invitation
    serializer_class = InvitationSerializer
    action_permissions = {"list": Perm.MEMBERS, "retrieve": Perm.MEMBERS, "create": Perm.MEMBERS,
                          "revoke": Perm.MEMBERS}

    def scope_queryset(self, queryset):
        return queryset.order_by("-id")

    def perform_create(self, serializer):
        role = serializer.validated_data["role"]
        if role == "owner" and Perm.OWNERSHIP not in self.permissions:
            raise Forbidden()
        invitation, _raw = services.invitation_create(
            email=serializer.validated_data["email"], role=role, actor=self.actor
        )
        serializer.instance = invitation

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        invitation = services.invitation_revoke(invitation=self.get_object(), actor=self.actor)
        return Response(InvitationSerializer(invitation).data)


@extend_schema_view(
    list=extend_schema(summary="List API tokens, newest first"),
    retrieve=extend_schema(summary="Get an API token"),
    create=extend_schema(summary="Create an API token (its secret is in this response only)"),
    revoke=extend_schema(summary="Revoke an API token"),
)
class ApiTokenViewSet(mixins.CreateModelMixin, OrganisationReadOnlyViewSet):
    """API tokens of the organisation. The secret appears once, in the creation response."""

    model = ApiToken
    serializer_class = ApiTokenSerializer
    action_permissions = {"list": Perm.TOKENS, "retrieve": Perm.TOKENS, "create": Perm.TOKENS,
                          "revoke": Perm.TOKENS}

    def scope_queryset(self, queryset):
        return queryset.order_by("-id")

    @extend_schema(request=ApiTokenSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        require_recent_authentication(request)
        token, raw = services.api_token_create(actor=self.actor, **serializer.validated_data)
        token.token = raw
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        token = services.api_token_revoke(token=self.get_object(), actor=self.actor)
        return Response(ApiTokenSerializer(token).data)


@extend_schema_view(
    list=extend_schema(summary="List the audit log, newest first"),
    retrieve=extend_schema(summary="Get an audit event"),
)
class AuditEventViewSet(OrganisationReadOnlyViewSet):
    """The organisation's audit log, newest first (admins and auditors)."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    action_permissions = {"list": Perm.AUDIT, "retrieve": Perm.AUDIT}
    filterset_fields = ["action", "target_type", "target_id"]
    lookup_field = "seq"

    def scope_queryset(self, queryset):
        return queryset.order_by("-seq")


__all__ = ["ApiIndexView", "ApiTokenViewSet", "AuditEventViewSet", "InvitationAcceptView", "InvitationViewSet",
           "MeView", "MemberViewSet", "OrganisationGenericViewSet", "ReauthenticateView"]
