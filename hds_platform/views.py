"""Platform pages: home, invitations, an organisation's settings (members, invitations, API
tokens) and its audit log. The compliance pages live in ``compliance.web.views``."""

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hds_platform import audit_display, crossing, services
from hds_platform.accounts import mfa, sessions
from hds_platform.accounts.reauth import ask_reauthentication, recent_authentication_required
from hds_platform.audit import Actor
from hds_platform.errors import ServiceError
from hds_platform.forms import (
    ApiTokenForm,
    AuditFilterForm,
    InvitationForm,
    MemberRoleForm,
    OrganisationDeleteForm,
    SecurityForm,
    add_service_error,
)
from hds_platform.models import ApiToken, AuditEvent, Invitation, Membership, Organisation
from hds_platform.organisation_deletion import organisation_delete
from hds_platform.roles import ROLE_PERMISSIONS, Perm, Role
from hds_platform.tenancy import organisation_context
from hds_platform.web import organisation_view

REFUSALS = (ServiceError, ValidationError)
AUDIT_PAGE_SIZE = 50


@login_required
def home(request):
    """Send a person to their first organisation's dashboard."""
    memberships = crossing.memberships_of(request.user)
    if not memberships:
        return render(request, "hds_platform/no_organisation.html")
    return redirect("dashboard", org=memberships[0].organisation.slug)


# Settings ------------------------------------------------------------------------------------


@organisation_view(Perm.READ)
@require_GET
def settings_home(request):
    """Settings open on the first part the member may manage."""
    if Perm.MEMBERS in request.permissions:
        return redirect("settings-members", org=request.organisation.slug)
    if Perm.TOKENS in request.permissions:
        return redirect("settings-tokens", org=request.organisation.slug)
    if Perm.WEBHOOKS in request.permissions:
        return redirect("compliance:webhook-list", org=request.organisation.slug)
    raise PermissionDenied


def _members_page(request, *, form=None, invitation_link="", status=200):
    now = timezone.now()
    memberships = list(Membership.objects.select_related("user").order_by("user__email"))
    return render(request, "hds_platform/settings_members.html", {
        "section": "settings", "tab": "members",
        "memberships": memberships,
        "role_choices": Role.choices,
        "invitations": list(Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True,
                                                      expires_at__gt=now).select_related("invited_by")),
        "form": form or InvitationForm(allow_owner=Perm.OWNERSHIP in request.permissions),
        "invitation_link": invitation_link,
        "can_grant_owner": Perm.OWNERSHIP in request.permissions,
    }, status=status)


@organisation_view(Perm.MEMBERS, write_perm=None)
@require_http_methods(["GET", "POST"])
def settings_members(request):
    if request.method == "GET":
        return _members_page(request)
    if request.POST.get("role") == Role.OWNER and Perm.OWNERSHIP not in request.permissions:
        raise PermissionDenied
    form = InvitationForm(request.POST, allow_owner=Perm.OWNERSHIP in request.permissions)
    if form.is_valid():
        try:
            invitation, raw = services.invitation_create(actor=Actor.for_user(request.user), **form.cleaned_data)
        except REFUSALS as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Invitation envoyée à %s.") % invitation.email)
            return _members_page(request, invitation_link=request.build_absolute_uri(f"/invitations/{raw}/"))
    return _members_page(request, form=form, status=400)


@organisation_view(Perm.MEMBERS, write_perm=None)
@require_POST
@recent_authentication_required
def member_change_role(request, pk):
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
    form = MemberRoleForm(request.POST, prefix=f"m{pk}")
    if not form.is_valid():
        messages.error(request, _("Rôle inconnu."))
        return redirect("settings-members", org=request.organisation.slug)
    if Role.OWNER in (form.cleaned_data["role"], membership.role) and Perm.OWNERSHIP not in request.permissions:
        raise PermissionDenied
    try:
        services.membership_change_role(membership=membership, role=form.cleaned_data["role"],
                                        actor=Actor.for_user(request.user))
    except REFUSALS as exc:
        messages.error(request, exc.message if isinstance(exc, ServiceError) else "; ".join(exc.messages))
    else:
        messages.success(request, _("Rôle de %(email)s : %(role)s.") % {
            "email": membership.user.email, "role": membership.get_role_display()})
    return redirect("settings-members", org=request.organisation.slug)


@organisation_view(Perm.MEMBERS, write_perm=None)
@require_POST
def member_remove(request, pk):
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
    if membership.role == Role.OWNER and Perm.OWNERSHIP not in request.permissions:
        raise PermissionDenied
    try:
        services.membership_remove(membership=membership, actor=Actor.for_user(request.user))
    except REFUSALS as exc:
        messages.error(request, exc.message if isinstance(exc, ServiceError) else "; ".join(exc.messages))
    else:
        messages.success(request, _("%s ne fait plus partie de l'organisation.") % membership.user.email)
    return redirect("settings-members", org=request.organisation.slug)


@organisation_view(Perm.MEMBERS, write_perm=None)
@require_POST
def invitation_revoke(request, pk):
    invitation = get_object_or_404(Invitation.objects.select_related("organisation"), pk=pk)
    try:
        services.invitation_revoke(invitation=invitation, actor=Actor.for_user(request.user))
    except REFUSALS as exc:
        messages.error(request, exc.message if isinstance(exc, ServiceError) else "; ".join(exc.messages))
    else:
        messages.success(request, _("Invitation de %s annulée.") % invitation.email)
    return redirect("settings-members", org=request.organisation.slug)


#: Where the token just created waits for the page after the redirect (Post/Redirect/Get); that
#: page takes it out of the session, so a refresh no longer shows it.
NEW_TOKEN_SESSION_KEY = "maillon_new_api_token"


def _tokens_page(request, *, form=None, status=200):
    created = request.session.pop(NEW_TOKEN_SESSION_KEY, None) if status == 200 else None
    if created is not None and created.get("organisation") != request.organisation.pk:
        created = None
    base_url = request.build_absolute_uri("/api/v1/")
    return render(request, "hds_platform/settings_tokens.html", {
        "section": "settings", "tab": "tokens",
        "tokens": list(ApiToken.objects.select_related("created_by")),
        "form": form or ApiTokenForm(),
        "created": created, "raw_token": created["raw"] if created else "",
        "api_base_url": base_url,
        "api_org_url": f"{base_url}orgs/{request.organisation.slug}/",
        "api_docs_url": request.build_absolute_uri(reverse("api-docs")),
    }, status=status)


@organisation_view(Perm.TOKENS, write_perm=None)
@require_http_methods(["GET", "POST"])
def settings_tokens(request):
    if request.method == "GET":
        return _tokens_page(request)
    if not sessions.recently_authenticated(request.session):
        return ask_reauthentication(request)
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        expires_on = form.cleaned_data["expires_on"]
        expires_at = (timezone.make_aware(datetime.combine(expires_on, time.max))
                      if expires_on is not None else None)
        try:
            token, raw = services.api_token_create(name=form.cleaned_data["name"], scope=form.cleaned_data["scope"],
                                                   expires_at=expires_at, actor=Actor.for_user(request.user))
        except REFUSALS as exc:
            add_service_error(form, ValidationError({"expires_on": exc.message}) if
                              isinstance(exc, ServiceError) and exc.field == "expires_at" else exc)
        else:
            # Held in the session only until the next page shows it once (never stored otherwise).
            request.session[NEW_TOKEN_SESSION_KEY] = {"organisation": request.organisation.pk, "name": token.name,
                                                      "raw": raw}
            return redirect("settings-tokens", org=request.organisation.slug)
    return _tokens_page(request, form=form, status=400)


@organisation_view(Perm.TOKENS, write_perm=None)
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken.objects.select_related("organisation"), pk=pk)
    services.api_token_revoke(token=token, actor=Actor.for_user(request.user))
    messages.success(request, _("Jeton « %s » révoqué.") % token.name)
    return redirect("settings-tokens", org=request.organisation.slug)


@organisation_view(Perm.OWNERSHIP, write_perm=None)
@require_http_methods(["GET", "POST"])
def settings_security(request):
    """The owner's rules for every member: whether a second factor is required."""
    organisation = request.organisation
    form = SecurityForm(request.POST or None, initial={"require_mfa": organisation.require_mfa})
    status = 200
    if request.method == "POST":
        if not sessions.recently_authenticated(request.session):
            return ask_reauthentication(request)
        if form.is_valid():
            try:
                services.organisation_require_mfa(organisation=organisation,
                                                  required=form.cleaned_data["require_mfa"],
                                                  actor=Actor.for_user(request.user))
            except REFUSALS as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Double authentification exigée de chaque membre.")
                                 if organisation.require_mfa else
                                 _("La double authentification n'est plus exigée."))
                return redirect("settings-security", org=organisation.slug)
        status = 400
    return render(request, "hds_platform/settings_security.html", {
        "section": "settings", "tab": "security", "form": form, "has_mfa": mfa.has_mfa(request.user),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def settings_delete(request, org):
    """An owner deletes the organisation (hds_platform.organisation_deletion), after typing its slug
    again and a recent password. Not an ``organisation_view``: the deletion erases people, which
    works in other organisations, so it must run outside this one's context; the same checks
    (404 for a non-member, 403 for a non-owner, the organisation's second-factor rule) are here."""
    organisation = Organisation.objects.filter(slug=org, deleted_at__isnull=True).first()
    if organisation is None:
        raise Http404
    with organisation_context(organisation):
        membership = Membership.objects.filter(user_id=request.user.pk).first()
        if membership is None:
            raise Http404
        if organisation.require_mfa and not request.user.is_verified():
            return redirect("settings-security", org=organisation.slug)
        if membership.role != Role.OWNER:
            raise PermissionDenied
    form = OrganisationDeleteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not sessions.recently_authenticated(request.session):
            return ask_reauthentication(request)
        if form.is_valid():
            name = organisation.name
            try:
                organisation_delete(organisation=organisation, actor=Actor.for_user(request.user),
                                    confirm_slug=form.cleaned_data["confirm_slug"])
            except REFUSALS as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("L'organisation %s a été supprimée.") % name)
                return redirect("home")
        status = 400
    request.organisation = organisation
    request.membership = membership
    request.permissions = ROLE_PERMISSIONS[membership.role]
    return render(request, "hds_platform/settings_delete.html", {
        "section": "settings", "tab": "delete", "form": form, "organisation": organisation,
    }, status=status)


# Audit log -----------------------------------------------------------------------------------


@organisation_view(Perm.AUDIT)
@require_GET
def audit_log(request):
    filters = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.all()
    if filters.is_valid():
        events = filters.apply(events)
    order = "seq" if filters.is_valid() and filters.cleaned_data["tri"] == "anciens" else "-seq"
    paginator = Paginator(events.order_by(order), AUDIT_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "hds_platform/audit_log.html", {
        "section": "audit", "page": page, "filters": filters, "query": query.urlencode(),
        "rows": audit_display.rows(list(page.object_list), request.organisation.slug),
    })
