"""The pages of connected apps: the consent page, an integrator's applications, an organisation's
connected apps."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import get_application_model
from oauth2_provider.views import AuthorizationView

from hds_platform import crossing, scopes
from hds_platform.audit import Actor
from hds_platform.errors import ServiceError
from hds_platform.oauth.forms import ApplicationForm, ConsentForm
from hds_platform.oauth.models import AppConnection
from hds_platform.oauth.registration import application_register
from hds_platform.oauth.services import connection_grant, connection_revoke
from hds_platform.roles import ROLE_PERMISSIONS, Perm
from hds_platform.tenancy import organisation_context
from hds_platform.web import organisation_view


def authorising_memberships(user) -> list:
    """The memberships through which ``user`` may connect an app: owner or admin (who may create
    API tokens), in an organisation not deleted."""
    return [m for m in crossing.memberships_of(user)
            if Perm.TOKENS in ROLE_PERMISSIONS[m.role] and m.organisation.deleted_at is None]


class ConsentView(AuthorizationView):
    """``/oauth/authorize/``: the owner or an admin names the organisation and ticks the scopes.

    The toolkit validates the request (client, redirect URI, PKCE, requested scopes) and issues
    the code; the organisation chosen rides on the code and every token that follows."""

    template_name = "hds_platform/oauth/consent.html"
    form_class = ConsentForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        self._memberships = authorising_memberships(self.request.user)
        kwargs["organisations"] = [m.organisation for m in self._memberships]
        requested = (self.request.POST.get("scope", "") if self.request.method == "POST"
                     else " ".join(getattr(self, "oauth2_data", {}).get("scopes", [])))
        kwargs["requested"] = [s for s in requested.split() if s in scopes.SCOPES]
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_authorise"] = bool(self._memberships)
        return context

    def form_valid(self, form):
        application = get_application_model().objects.get(client_id=form.cleaned_data["client_id"])
        allow = form.cleaned_data.get("allow", False)
        credentials = {key: form.cleaned_data.get(key) for key in (
            "client_id", "redirect_uri", "response_type", "state", "code_challenge", "code_challenge_method")
            if form.cleaned_data.get(key)}
        membership = None
        if allow:
            membership = next((m for m in self._memberships if m.organisation_id == form.cleaned_data["organisation"]),
                              None)
            chosen = [s for s in form.cleaned_data["scopes"] if s in form.cleaned_data["scope"].split()]
            if membership is None:
                form.add_error("organisation", _("Choisissez une organisation dont vous êtes propriétaire ou "
                                                 "administrateur."))
            elif membership.organisation.require_mfa and not self.request.user.is_verified():
                form.add_error("organisation", _("Cette organisation exige la double authentification : "
                                                 "saisissez votre second facteur d'abord."))
            if self.request.user.email_verified_at is None:
                form.add_error(None, _("Confirmez d'abord votre adresse e-mail : ouvrez le lien que nous vous "
                                       "avons envoyé."))
            if not chosen:
                form.add_error("scopes", _("Cochez au moins une autorisation, ou refusez."))
            if form.errors:
                return self.form_invalid(form)
        if membership is None:
            return self._answer(application, credentials, "", allow=False)
        credentials["organisation_id"] = membership.organisation_id
        with organisation_context(membership.organisation):
            response = self._answer(application, credentials, " ".join(chosen), allow=True)
            if response.status_code == 302 and "code=" in response.url:
                connection_grant(application=application, scope=" ".join(sorted(chosen)),
                                 actor=Actor.for_user(self.request.user))
        return response

    def form_invalid(self, form):
        self.oauth2_data = {"application": get_application_model().objects.filter(
            client_id=form.data.get("client_id")).first()}
        return self.render_to_response(self.get_context_data(form=form, **self.oauth2_data), status=400)

    def _answer(self, application, credentials, scope, *, allow):
        try:
            uri, _headers, _body, _status = self.create_authorization_response(
                request=self.request, scopes=scope, credentials=credentials, allow=allow)
        except OAuthToolkitError as error:
            return self.error_response(error, application)
        return self.redirect(uri, application)


# An integrator's applications ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def my_applications(request):
    """``/compte/applications/``: register an application; the secret is shown once."""
    form = ApplicationForm(request.POST or None)
    created, secret, status = None, "", 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created, secret = application_register(
                    user=request.user, name=form.cleaned_data["name"],
                    redirect_uris=form.cleaned_data["redirect_uris"].split(),
                    client_type=form.cleaned_data["client_type"])
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                status, form = 201, ApplicationForm()
    return render(request, "hds_platform/oauth/applications.html", {
        "section": "account", "form": form, "created": created, "secret": secret,
        "applications": get_application_model().objects.filter(user=request.user).order_by("-created"),
    }, status=status)


# An organisation's connected apps ----------------------------------------------------------------


@organisation_view(Perm.TOKENS, write_perm=None)
@require_http_methods(["GET"])
def settings_apps(request):
    connections = list(AppConnection.objects.select_related("application", "granted_by")
                       .order_by("revoked_at", "-granted_at"))
    for connection in connections:
        connection.described_scopes = scopes.described(set(connection.scopes))
    return render(request, "hds_platform/oauth/settings_apps.html", {
        "section": "settings", "tab": "apps", "connections": connections})


@organisation_view(Perm.TOKENS, write_perm=None)
@require_POST
def settings_app_revoke(request, pk):
    connection = get_object_or_404(AppConnection.objects.select_related("application"), pk=pk)
    connection_revoke(connection=connection, actor=Actor.for_user(request.user))
    messages.success(request, _("L'application « %s » n'a plus accès à l'organisation.") % connection.application.name)
    return redirect("settings-apps", org=request.organisation.slug)
