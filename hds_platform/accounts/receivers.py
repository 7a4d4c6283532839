"""Django's and django-axes' authentication signals, turned into session stamps and audit events."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from hds_platform.accounts import mfa, sessions
from hds_platform.accounts.events import logger, record_for_person
from hds_platform.accounts.throttling import ENDPOINT_KEY
from hds_platform.models import User
from hds_platform.request_meta import current_meta


def _user_named(email: str | None) -> User | None:
    if not email:
        return None
    return User.objects.filter(email=email.strip().lower()).first()


@receiver(user_logged_in, dispatch_uid="maillon_login_succeeded")
def _logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        sessions.start(request.session, has_mfa=mfa.has_mfa(user))
    # A login through a page (the login form, the admin's): a person at a client address. A
    # session opened by code outside any view (a shell, the test client) is not one.
    if getattr(request, "resolver_match", None) is not None:
        record_for_person(user, "auth.login_succeeded")


@receiver(user_login_failed, dispatch_uid="maillon_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    endpoint = credentials.get(ENDPOINT_KEY, "login")
    action = f"auth.{endpoint}_failed"
    locked = bool(getattr(request, "axes_locked_out", False))
    user = _user_named(credentials.get("username"))
    if user is None:
        logger.warning("%s unknown e-mail ip=%s locked=%s", action, current_meta().ip, locked)
        return
    record_for_person(user, action, {"locked": True} if locked else None)


@receiver(user_locked_out, dispatch_uid="maillon_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    user = _user_named(username)
    if user is None:
        logger.warning("auth.locked_out unknown e-mail ip=%s", ip_address)
        return
    record_for_person(user, "auth.locked_out")
