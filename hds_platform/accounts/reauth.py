"""Sensitive actions need a recent proof of identity: a password (and second factor) typed
again within ``REAUTHENTICATION_SECONDS``, or a login that recent.

Creating an API token, changing a member's role, setting an organisation's second-factor rule,
creating a webhook or rotating its secret (the secret is shown), renewing recovery codes and
removing the second factor. API tokens are machine credentials without a password: they are
not asked (and a token can neither create tokens nor change roles).
"""

from __future__ import annotations

import functools
from urllib.parse import quote

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractAccessToken
from rest_framework import exceptions

from hds_platform.accounts import sessions
from hds_platform.models import ApiToken


class ReauthenticationRequired(exceptions.PermissionDenied):
    default_detail = _("Confirmez votre identité (mot de passe, et second facteur s'il est activé) "
                       "avant cette action : POST /api/v1/me/reauthenticate/.")
    default_code = "reauthentication_required"


def require_recent_authentication(request) -> None:
    """For API views: raise :class:`ReauthenticationRequired` when a person's proof is too old."""
    if isinstance(request.auth, ApiToken | AbstractAccessToken):
        return  # machine credentials (an API token, a connected app's token): no person to ask
    if not sessions.recently_authenticated(request.session):
        raise ReauthenticationRequired()


def recent_authentication_required(view):
    """For web views: send the person to confirm their identity first, then back to the page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not sessions.recently_authenticated(request.session):
            return ask_reauthentication(request)
        return view(request, *args, **kwargs)

    return wrapper


def ask_reauthentication(request):
    return redirect(f"{reverse('reauthenticate')}?next={quote(_back_to(request))}")


def _back_to(request) -> str:
    if request.method == "GET":
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    return reverse("home")
