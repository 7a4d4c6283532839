"""Session lifetime and the second factor, enforced for every request of a logged-in person."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from hds_platform.accounts import sessions


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


class SessionPolicyMiddleware:
    """Ends a session idle for ``SESSION_IDLE_SECONDS`` or older than ``SESSION_MAX_AGE_SECONDS``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            reason = sessions.expiry_reason(session)
            if reason:
                logout(request)
                if not _is_api(request):
                    messages.info(request, _("Votre session a expiré : reconnectez-vous.") if reason == "lifetime"
                                  else _("Votre session a expiré après une période d'inactivité : reconnectez-vous."))
            else:
                sessions.touch(session)
        return self.get_response(request)


#: Where a person who still owes their second factor may go.
MFA_OPEN_URL_NAMES = ("login", "logout", "mfa-verify", "mfa-setup", "set_language")


class MfaGateMiddleware:
    """A person who has a second factor must enter it before anything else; platform staff must
    have one (they are sent to enrolment). Organisations that require it check in their views
    (``organisation_view`` and the API base view)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: tuple[str, ...] | None = None

    def open_paths(self) -> tuple[str, ...]:
        if self._open_paths is None:
            self._open_paths = (*(reverse(name) for name in MFA_OPEN_URL_NAMES), "/static/", "/health/")
        return self._open_paths

    def __call__(self, request):
        if SESSION_KEY in request.session and not request.path.startswith(self.open_paths()):
            user = request.user
            if user.is_authenticated and not user.is_verified():
                if request.session.get(sessions.MFA_PENDING):
                    return second_factor_needed(request, "mfa-verify")
                if user.is_staff:
                    return second_factor_needed(request, "mfa-setup")
        return self.get_response(request)


def second_factor_needed(request, url_name: str):
    if _is_api(request):
        return JsonResponse({"code": "mfa_required", "message": _(
            "Saisissez d'abord votre second facteur (double authentification) dans l'interface web.")}, status=403)
    return redirect(f"{reverse(url_name)}?next={quote(request.get_full_path())}")
