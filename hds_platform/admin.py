"""The Django admin, for platform staff only (``is_staff``). It reads across organisations on purpose."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from hds_platform import crossing
from hds_platform.accounts import erasure
from hds_platform.audit import Actor
from hds_platform.models import ApiToken, AuditEvent, Invitation, Membership, Organisation, OutboxMessage, User
from hds_platform.organisation_deletion import organisation_delete, tenant_models


class TenantAdmin(admin.ModelAdmin):
    """Admin base for tenant-owned models: staff see every organisation, read-only.

    The runtime database role is confined to one organisation by row-level
    security, so these lists read through the named cross-tenant alias. Tenant
    rows change only through services, inside an organisation's context.
    """

    list_select_related = ["organisation"]

    def get_queryset(self, request):
        qs = self.model.all_organisations.using(crossing.cross_tenant_alias("admin"))
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profil"), {"fields": ["full_name", "language"]}),
        (_("Droits"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    # Deleting a person is an erasure (hds_platform.accounts.erasure): their memberships end through
    # the service (tokens revoked, webhooks disabled), rows naming them are cleared in each
    # organisation, and the audit chains stay verifiable.
    def get_deleted_objects(self, objs, request):
        """What the confirmation page lists: the people themselves, or why they cannot go yet."""
        protected = [_("%(user)s : seul propriétaire de %(names)s") % {
            "user": user.email, "names": ", ".join(o.name for o in orphaned)}
            for user in objs if (orphaned := erasure.sole_ownerships(user))]
        return [str(user) for user in objs], {_("utilisateurs"): len(objs)}, set(), protected

    def delete_model(self, request, obj):
        erasure.user_erase(user=obj, actor=Actor.for_user(request.user))

    def delete_queryset(self, request, queryset):
        for user in queryset.order_by("pk"):
            erasure.user_erase(user=user, actor=Actor.for_user(request.user))


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "siren", "plan", "created_at", "deleted_at"]
    search_fields = ["name", "slug", "siren"]
    list_filter = ["kind", ("deleted_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["audit_head_seq", "audit_head_hash", "deleted_at"]

    # Deleting an organisation goes through hds_platform.organisation_deletion: its rows and files go,
    # the people who belonged to it only are erased, its audit chain stays. The admin's confirmation
    # page is the explicit confirmation; Django's own cascade (which would read tenant tables outside
    # any organisation, and delete the audit log) never runs.
    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.deleted_at is None)

    def get_deleted_objects(self, objs, request):
        alias = crossing.cross_tenant_alias("admin")
        ids = [organisation.pk for organisation in objs]
        model_count = {}
        for model in tenant_models():
            count = model.all_organisations.using(alias).filter(organisation_id__in=ids).count()
            if count:
                model_count[model._meta.verbose_name_plural] = count
        protected = [_("%(name)s : déjà supprimée") % {"name": organisation.name}
                     for organisation in objs if organisation.deleted_at is not None]
        return [str(organisation) for organisation in objs], model_count, set(), protected

    def delete_model(self, request, obj):
        organisation_delete(organisation=obj, actor=Actor.for_user(request.user), confirm_slug=obj.slug)

    def delete_queryset(self, request, queryset):
        for organisation in queryset.filter(deleted_at__isnull=True).order_by("pk"):
            organisation_delete(organisation=organisation, actor=Actor.for_user(request.user),
                                confirm_slug=organisation.slug)


@admin.register(Membership)
class MembershipAdmin(TenantAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organisation__name"]
    raw_id_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(TenantAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    exclude = ["token_digest"]
    readonly_fields = ["invited_by", "accepted_by", "accepted_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(TenantAdmin):
    list_display = ["name", "organisation", "prefix", "scope", "expires_at", "last_used_at", "revoked_at"]
    exclude = ["digest"]
    readonly_fields = ["prefix", "created_by", "last_used_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(TenantAdmin):
    list_display = ["organisation", "seq", "created_at", "actor_label", "action", "target_type", "target_id"]
    list_filter = ["action"]
    search_fields = ["actor_label", "action", "target_id"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "task_name", "created_at", "attempts", "dispatched_at", "last_error"]
    list_filter = [("dispatched_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["task_name", "args", "kwargs", "created_at", "claimed_at", "dispatched_at", "attempts",
                       "last_error"]
