"""Account pages: the second factor (verify, enrol, recovery codes, remove), password change and
re-authentication. Every success and failure is audited (:mod:`hds_platform.accounts.events`)."""

from __future__ import annotations

import functools

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from hds_platform.accounts import mfa, sessions, throttling
from hds_platform.accounts.events import record_for_person
from hds_platform.accounts.forms import CodeForm, ReauthenticationForm
from hds_platform.accounts.reauth import ask_reauthentication, recent_authentication_required
from hds_platform.errors import ServiceError

SETUP_SESSION_KEY = "maillon_mfa_setup_device"


def _next_url(request, default: str = "home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return default


def _verified_only(view):
    """Pages that change the second factor: only once it has been entered in this session."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.session.get(sessions.MFA_PENDING) and not request.user.is_verified():
            return redirect("mfa-verify")
        return view(request, *args, **kwargs)

    return wrapper


@login_required
def account(request):
    return render(request, "hds_platform/account/account.html", {
        "section": "account", "has_mfa": mfa.has_mfa(request.user),
        "mfa_required_by": mfa.why_required(request.user),
        "recovery_codes_left": mfa.recovery_codes_left(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request):
    """The second step of a login: a code of the authenticator, or a recovery code."""
    if request.user.is_verified() or not mfa.has_mfa(request.user):
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, kind = mfa.verify(request.user, form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            sessions.second_factor_entered(request.session)
            record_for_person(request.user, "auth.mfa_verified", {"method": kind})
            if kind == "recovery_code":
                messages.warning(request, _("Code de secours utilisé : il vous en reste %d. Générez-en de "
                                            "nouveaux depuis votre compte.") % mfa.recovery_codes_left(request.user))
            return redirect(_next_url(request))
        record_for_person(request.user, "auth.mfa_failed")
        form.add_error("code", _("Code incorrect ou expiré."))
    status = 400 if request.method == "POST" else 200
    return render(request, "hds_platform/account/mfa_verify.html", {"form": form, "next": _next_url(request, "")},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request):
    """Enrol an authenticator app: scan the QR code, type a code it shows, keep the recovery codes."""
    user = request.user
    if mfa.has_mfa(user) and not user.is_verified():
        return redirect("mfa-verify")  # a new authenticator is no way around the current one
    if mfa.has_mfa(user) and not sessions.recently_authenticated(request.session):
        return ask_reauthentication(request)
    form = CodeForm(request.POST or None)
    device = TOTPDevice.objects.filter(pk=request.session.get(SETUP_SESSION_KEY), user=user, confirmed=False).first()
    if request.method == "POST" and device is not None and form.is_valid():
        try:
            codes = mfa.totp_confirm(user=user, device=device, code=form.cleaned_data["code"])
        except ServiceError as exc:
            form.add_error("code", exc.message)
        else:
            del request.session[SETUP_SESSION_KEY]
            django_otp.login(request, device)
            sessions.second_factor_entered(request.session)
            return render(request, "hds_platform/account/mfa_codes.html", {
                "section": "account", "codes": codes, "next": _next_url(request, "")})
    if device is None:
        device = mfa.totp_setup(user)
        request.session[SETUP_SESSION_KEY] = device.pk
    return render(request, "hds_platform/account/mfa_setup.html", {
        "section": "account", "form": form, "next": _next_url(request, ""),
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4, omitsize=False),
        "secret": _grouped(device.config_url),
        "required_by": mfa.why_required(user),
    }, status=400 if request.method == "POST" else 200)


def _grouped(config_url: str) -> str:
    """The base32 secret of an otpauth:// URL, in groups of four, for typing by hand."""
    secret = config_url.split("secret=", 1)[1].split("&", 1)[0]
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@login_required
@require_POST
@_verified_only
@recent_authentication_required
def mfa_recovery_codes(request):
    try:
        codes = mfa.recovery_codes_renew(request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("account")
    return render(request, "hds_platform/account/mfa_codes.html", {"section": "account", "codes": codes})


@login_required
@require_POST
@_verified_only
@recent_authentication_required
def mfa_remove(request):
    try:
        mfa.remove(request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
        messages.success(request, _("Double authentification désactivée."))
    return redirect("account")


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    """Change one's password: the current one, then a new one that passes every password rule."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            update_session_auth_hash(request, form.user)
            sessions.identity_confirmed(request.session)
            record_for_person(request.user, "auth.password_changed")
            messages.success(request, _("Mot de passe modifié."))
            return redirect("account")
        if "old_password" in form.errors:
            record_for_person(request.user, "auth.password_change_failed")
    return render(request, "hds_platform/account/password_change.html", {"section": "account", "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def reauthenticate(request):
    """Type the password (and a second-factor code) again before a sensitive action."""
    user = request.user
    with_code = mfa.has_mfa(user)
    form = ReauthenticationForm(request.POST or None, with_code=with_code)
    if request.method == "POST":
        if throttling.is_locked(request, user.email):
            return throttling.lockout_response(request)
        if form.is_valid():
            error = confirm_identity(request, form.cleaned_data["password"], form.cleaned_data.get("code", ""))
            if error is None:
                return redirect(_next_url(request))
            form.add_error(None, error)
    return render(request, "hds_platform/account/reauthenticate.html", {
        "section": "account", "form": form, "next": _next_url(request, ""),
        "minutes": settings.REAUTHENTICATION_SECONDS // 60,
    }, status=400 if request.method == "POST" else 200)


def confirm_identity(request, password: str, code: str) -> str | None:
    """Check the password (counted by the login throttling) and the second factor; on success,
    stamp the session. Returns the error to show, or None."""
    user = request.user
    if authenticate(request, username=user.email, password=password,
                    **{throttling.ENDPOINT_KEY: "reauthentication"}) is None:
        return _("Mot de passe incorrect.")
    if mfa.has_mfa(user):
        device, _kind = mfa.verify(user, code or "")
        if device is None:
            record_for_person(user, "auth.mfa_failed")
            return _("Code de double authentification incorrect ou expiré.")
    sessions.identity_confirmed(request.session)
    record_for_person(user, "auth.reauthenticated")
    return None
