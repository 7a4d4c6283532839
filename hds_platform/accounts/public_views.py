"""The pages a person reaches before (or without) a session: sign-up, the e-mail verification
link, password reset, and the invitation page of a member-to-be.

Sign-up and reset requests are rate-limited per client address and per e-mail address
(:mod:`hds_platform.accounts.ratelimit`); a broken invitation link counts towards the same kind
of limit, so that links cannot be guessed. None of these pages says whether an address has an
account, except the invitation page to the holder of the invitation link.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hds_platform import services
from hds_platform.accounts import ratelimit, sessions, signup, throttling
from hds_platform.accounts.events import record_for_person
from hds_platform.accounts.forms import (
    InvitationSignupForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    SignupForm,
)
from hds_platform.forms import add_service_error
from hds_platform.models import User

#: Broken invitation links one client address may try an hour.
INVITATION_LINK_FAILURES_PER_HOUR = 20


def _too_many(request, template: str, context: dict):
    context = {**context, "error": _("Trop de demandes depuis votre poste : réessayez dans une heure.")}
    return render(request, template, context, status=429)


@require_http_methods(["GET", "POST"])
def signup_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        if not ratelimit.allow(request, "signup", limit=settings.SIGNUPS_PER_HOUR, window_seconds=3600,
                               email=request.POST.get("email", "")):
            return _too_many(request, "hds_platform/signup.html", {"form": form})
        if form.is_valid():
            data = form.cleaned_data
            try:
                signup.signup(email=data["email"], password=data["password"], full_name=data["full_name"],
                              organisation_name=data["organisation_name"], kind=data["kind"], siren=data["siren"])
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    add_service_error(form, _named(exc))
                else:
                    form.add_error("password", exc)
            else:
                request.session["maillon_signup_email"] = data["email"].strip().lower()
                return redirect("signup-done")
        return render(request, "hds_platform/signup.html", {"form": form}, status=400)
    return render(request, "hds_platform/signup.html", {"form": form})


def _named(exc: ValidationError) -> ValidationError:
    """The organisation's field errors, under the sign-up form's names."""
    renamed = {"name": "organisation_name"}
    return ValidationError({renamed.get(name, name): errors for name, errors in exc.error_dict.items()})


def signup_done(request):
    return render(request, "hds_platform/signup_done.html", {
        "email": request.session.get("maillon_signup_email", ""), "days": settings.EMAIL_VERIFICATION_DAYS})


def verify_email(request, token):
    """Verify the address of a link and open the person's session on their dashboard. A link
    works once: on an address already verified it only says so."""
    try:
        user, verified_now = signup.verify_email(token)
    except signup.InvalidVerificationLink as exc:
        return render(request, "hds_platform/verify_email.html", {"error": exc.message}, status=400)
    if verified_now:
        record_for_person(user, "auth.email_verified")
    else:
        messages.info(request, _("Votre adresse e-mail est déjà confirmée."))
        return redirect("home" if request.user.is_authenticated else "login")
    if request.user.is_authenticated and request.user.pk != user.pk:
        logout(request)
    if not request.user.is_authenticated:
        login(request, user, backend=sessions.MODEL_BACKEND)
    messages.success(request, _("Adresse e-mail confirmée : bienvenue sur Maillon."))
    return redirect("home")


@login_required
@require_POST
def resend_verification(request):
    user = request.user
    if user.email_verified_at is None:
        if ratelimit.allow(request, "verification", limit=settings.SIGNUPS_PER_HOUR, window_seconds=3600,
                           email=user.email):
            signup.send_verification(user)
            messages.success(request, _("Nous vous avons envoyé un nouveau lien à %s.") % user.email)
        else:
            messages.error(request, _("Trop de demandes depuis votre poste : réessayez dans une heure."))
    return redirect(request.POST["next"] if _safe(request) else "home")


def _safe(request) -> bool:
    candidate = request.POST.get("next", "")
    return bool(candidate) and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure())


# Password reset: Django's views in the shell --------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "hds_platform/password_reset/request.html"
    email_template_name = "hds_platform/email/password_reset.txt"
    subject_template_name = "hds_platform/email/password_reset_subject.txt"
    success_url = reverse_lazy("password-reset-done")

    def post(self, request, *args, **kwargs):
        if not ratelimit.allow(request, "password-reset", limit=settings.PASSWORD_RESETS_PER_HOUR,
                               window_seconds=3600, email=request.POST.get("email", "")):
            return _too_many(request, self.template_name, {"form": self.get_form()})
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # Links in e-mails point at SITE_URL, like every other e-mail of Maillon.
        scheme, _sep, domain = settings.SITE_URL.partition("://")
        self.extra_email_context = {"site_url": settings.SITE_URL}
        form.save(domain_override=domain, use_https=scheme == "https", request=self.request,
                  from_email=settings.DEFAULT_FROM_EMAIL, email_template_name=self.email_template_name,
                  subject_template_name=self.subject_template_name,
                  extra_email_context=self.extra_email_context)
        return redirect(self.success_url)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "hds_platform/password_reset/done.html"


@method_decorator(require_http_methods(["GET", "POST"]), name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "hds_platform/password_reset/confirm.html"
    success_url = reverse_lazy("password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        record_for_person(form.user, "auth.password_reset")
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "hds_platform/password_reset/complete.html"


# Invitations --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation_page(request, token):
    """What a link invites to (organisation, role, inviter, expiry) and how to accept it: the
    button for a logged-in person, a password to choose for a new one, the login otherwise."""
    try:
        invitation = services.invitation_find(token)
    except services.InvalidInvitation as exc:
        return _invitation_refused(request, exc)
    context = {"token": token, "invitation": invitation, "organisation": invitation.organisation,
               "inviter": User.objects.filter(pk=invitation.invited_by_id).first()}
    if invitation.status != "pending":
        return render(request, "hds_platform/invitation.html", {**context, "error": _(
            "Ce lien d'invitation a expiré ou a déjà servi.")}, status=410)
    if request.user.is_authenticated:
        return _invitation_for_member(request, token, context)
    if User.objects.filter(email=invitation.email).exists():
        return render(request, "hds_platform/invitation.html", {**context, "has_account": True})
    return _invitation_for_new_person(request, token, context)


def _invitation_refused(request, exc):
    """A broken link counts as a failed proof of identity: for a logged-in person through
    django-axes (like a wrong password), for anyone else per client address."""
    if request.user.is_authenticated:
        if throttling.is_locked(request, request.user.email):
            return render(request, "hds_platform/invitation.html", {"error": throttling.lockout_message()},
                          status=429)
        throttling.count_failure(request, request.user.email, "invitation")
    elif not ratelimit.allow(request, "invitation-link", limit=INVITATION_LINK_FAILURES_PER_HOUR,
                             window_seconds=3600):
        return render(request, "hds_platform/invitation.html", {"error": throttling.lockout_message()}, status=429)
    return render(request, "hds_platform/invitation.html", {"error": exc.message}, status=404)


def _invitation_for_member(request, token, context):
    if request.method != "POST":
        return render(request, "hds_platform/invitation.html", context)
    if throttling.is_locked(request, request.user.email):
        return render(request, "hds_platform/invitation.html", {**context, "error": throttling.lockout_message()},
                      status=429)
    try:
        membership = services.invitation_accept(raw_token=token, user=request.user)
    except services.ServiceError as exc:
        if isinstance(exc, services.InvalidInvitation):
            throttling.count_failure(request, request.user.email, "invitation")
        return render(request, "hds_platform/invitation.html", {**context, "error": exc.message}, status=400)
    messages.success(request, _("Vous avez rejoint %s.") % membership.organisation.name)
    return redirect("dashboard", org=membership.organisation.slug)


def _invitation_for_new_person(request, token, context):
    form = InvitationSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.invitation_accept_new_person(
                raw_token=token, password=form.cleaned_data["password"], full_name=form.cleaned_data["full_name"],
                language=(translation.get_language() or settings.LANGUAGE_CODE)[:2])
        except ValidationError as exc:
            form.add_error("password", exc)
        except services.ServiceError as exc:
            add_service_error(form, exc)
        else:
            login(request, membership.user, backend=sessions.MODEL_BACKEND)
            messages.success(request, _("Bienvenue : vous avez rejoint %s.") % membership.organisation.name)
            return redirect("dashboard", org=membership.organisation.slug)
    return render(request, "hds_platform/invitation.html", {**context, "form": form},
                  status=400 if request.method == "POST" else 200)
