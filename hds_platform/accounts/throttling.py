"""Login throttling with django-axes: what counts as the attempted identity, what a locked-out
person is told, and how endpoints other than a login form join in.

Failures are counted per e-mail address and client address (``AXES_LOCKOUT_PARAMETERS``):
``LOGIN_FAILURE_LIMIT`` of them lock that pair out for ``LOGIN_LOCKOUT_MINUTES``. Django's login
view and the admin's count through the authentication backend; re-authentication goes through
``authenticate()`` too; an invitation link that does not work counts through
:func:`count_failure`, so guessing links locks out like guessing passwords.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

#: Names the endpoint of a failed attempt that did not come from a login form.
ENDPOINT_KEY = "maillon_endpoint"


def attempted_email(request, credentials) -> str | None:
    """The identity axes counts failures for: the e-mail address, as accounts store it."""
    raw = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD)
    if raw is None and request is not None:
        raw = request.POST.get(settings.AXES_USERNAME_FORM_FIELD) if request.method == "POST" else None
    return raw.strip().lower() if isinstance(raw, str) else raw


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _("Trop de tentatives échouées : par sécurité, la connexion avec cette adresse e-mail est bloquée "
             "depuis votre poste pendant %d minutes. Réessayez plus tard, ou contactez l'administrateur de "
             "votre organisation.") % minutes


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "locked_out", "message": lockout_message()}, status=status)
    return render(request, "hds_platform/login.html", {"form": AuthenticationForm(request),
                                                       "lockout_message": lockout_message()}, status=status)


def is_locked(request, email: str) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": email})


def count_failure(request, email: str, endpoint: str) -> None:
    """Count a failed proof of identity that is not a login (e.g. a wrong invitation link)."""
    user_login_failed.send(sender=__name__, credentials={"username": email, ENDPOINT_KEY: endpoint},
                           request=request)
