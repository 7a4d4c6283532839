"""What a login session remembers about itself: when it began, when it was last used, and when
the person last proved who they are (password, or second factor).

``SESSION_IDLE_SECONDS`` without a request, or ``SESSION_MAX_AGE_SECONDS`` after the login, end a
session (:class:`hds_platform.accounts.middleware.SessionPolicyMiddleware`). Sensitive actions ask
for a proof younger than ``REAUTHENTICATION_SECONDS``. The last-seen stamp is written at most once
a minute, so that a page view does not write its session every time.
"""

from __future__ import annotations

import time

from django.conf import settings

#: The backend a login names in its session (django-axes' backend only refuses).
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
LOGIN_AT = "maillon_login_at"
SEEN_AT = "maillon_seen_at"
AUTH_AT = "maillon_auth_at"
#: The person has a second factor and has not entered it yet in this session.
MFA_PENDING = "maillon_mfa_pending"
SEEN_RESOLUTION_SECONDS = 60


def start(session, *, has_mfa: bool) -> None:
    now = time.time()
    session[LOGIN_AT] = session[SEEN_AT] = session[AUTH_AT] = now
    if has_mfa:
        session[MFA_PENDING] = True
    else:
        session.pop(MFA_PENDING, None)


def identity_confirmed(session) -> None:
    session[AUTH_AT] = time.time()


def second_factor_entered(session) -> None:
    session.pop(MFA_PENDING, None)
    identity_confirmed(session)


def recently_authenticated(session) -> bool:
    at = session.get(AUTH_AT)
    return at is not None and time.time() - at <= settings.REAUTHENTICATION_SECONDS


def expiry_reason(session) -> str:
    """``"idle"``, ``"lifetime"`` or ``""`` (still valid). A session without stamps (opened before
    they existed) counts as over its lifetime."""
    now = time.time()
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if login_at is None or now - login_at > settings.SESSION_MAX_AGE_SECONDS:
        return "lifetime"
    if seen_at is None or now - seen_at > settings.SESSION_IDLE_SECONDS:
        return "idle"
    return ""


def touch_due(session) -> bool:
    """Whether this request writes the last-seen stamp (and so the session)."""
    return time.time() - session.get(SEEN_AT, 0) >= SEEN_RESOLUTION_SECONDS


def touch(session) -> None:
    if touch_due(session):
        session[SEEN_AT] = time.time()
