from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from hds_platform import scopes
from hds_platform.api.strict import StrictModelSerializer, StrictSerializer
from hds_platform.models import ApiToken, AuditEvent, Invitation, Membership, Organisation
from hds_platform.roles import ROLE_PERMISSIONS, Role


class OrganisationSerializer(StrictModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "slug", "name", "kind", "siren", "siret"]


class MyMembershipSerializer(StrictModelSerializer):
    organisation = OrganisationSerializer(read_only=True)
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["organisation", "role", "permissions"]

    def get_permissions(self, obj) -> list[str]:
        return sorted(ROLE_PERMISSIONS[obj.role])


class MeSerializer(StrictSerializer):
    id = serializers.IntegerField(allow_null=True, help_text=_("Null when the caller is an API token."))
    email = serializers.EmailField(allow_blank=True)
    full_name = serializers.CharField(allow_blank=True)
    language = serializers.CharField()
    memberships = MyMembershipSerializer(many=True)
    token = serializers.DictField(allow_null=True, help_text=_("The token used, when the caller is a token."))
    app = serializers.DictField(allow_null=True, help_text=_("The connected app (client_id, name, scope, "
                                                             "organisation, expires_at), when the caller is one."))


class MemberSerializer(StrictModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "created_at"]
        read_only_fields = ["id", "email", "full_name", "created_at"]


class InvitationSerializer(StrictModelSerializer):
    role = serializers.ChoiceField(choices=Role.choices)
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "created_at", "expires_at"]
        read_only_fields = ["id", "status", "created_at", "expires_at"]


class InvitationAcceptSerializer(StrictSerializer):
    token = serializers.CharField()


class ReauthenticateSerializer(StrictSerializer):
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=4096)
    code = serializers.CharField(required=False, allow_blank=True, max_length=32,
                                 help_text="A code of the authenticator app, or a recovery code (when enabled).")


class ApiTokenSerializer(StrictModelSerializer):
    scope = serializers.CharField(max_length=200, help_text=_(
        "Space-separated scopes among %(scopes)s; or one of the first tokens' aliases: \"read\" (%(read)s) or "
        "\"read-write\" (every scope).") % {"scopes": ", ".join(scopes.SCOPES),
                                             "read": ", ".join(sorted(scopes.LEGACY_ALIASES[scopes.READ]))})
    scopes = serializers.SerializerMethodField(help_text=_("The scopes the token holds, aliases expanded."))
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "scope", "scopes", "created_at", "expires_at", "last_used_at",
                  "revoked_at", "is_active"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at", "is_active"]

    def get_scopes(self, obj) -> list[str]:
        return sorted(scopes.parse(obj.scope))


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text=_("The secret, shown only in this response."))

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class AuditEventSerializer(StrictModelSerializer):
    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = AuditEvent
        fields = ["seq", "created_at", "actor", "action", "target_type", "target_id", "changes", "ip",
                  "request_id", "prev_hash", "hash"]
