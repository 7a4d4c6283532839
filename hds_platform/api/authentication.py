from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from hds_platform import crossing
from hds_platform.tokens import secret_matches, split_token


class TokenAuthenticationFailed(exceptions.AuthenticationFailed):
    default_code = "invalid_token"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer mln_…``: an organisation's API token.

    ``request.user`` becomes an anonymous-like principal bound to the token's
    organisation; ``request.auth`` is the :class:`~hds_platform.models.ApiToken`.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        raw = presented_api_token(request)
        if raw is None:
            return None  # no bearer credential, or a connected app's access token (hds_platform.oauth)
        found = getattr(request, "found_api_token", None)
        if found is not None and found[0] == raw:
            token = found[1].model()  # found on the way in (hds_platform.response_cache): the same checks, passed
        else:
            token = usable_token(raw)
        return TokenPrincipal(token), token

    def authenticate_header(self, request):
        return self.keyword


def presented_api_token(request) -> str | None:
    """The API token of ``Authorization: Bearer mln_…`` as presented, else None. The scheme is
    case-insensitive (RFC 9110, section 11.1): "bearer" is "Bearer"."""
    keyword, _sep, raw = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    raw = raw.strip()
    if keyword.lower() != "bearer" or not raw.startswith("mln_"):
        return None
    return raw


def usable_token(raw: str):
    """The API token ``raw`` names, with its organisation (and the organisation's data generations
    on PostgreSQL), if it may be used now; else ``TokenAuthenticationFailed`` saying why."""
    return usable_token_row(raw).model()


def usable_token_row(raw: str) -> crossing.FoundToken:
    """:func:`usable_token` as the row it was read from (its model is built on demand)."""
    parts = split_token(raw)
    if parts is None:
        raise TokenAuthenticationFailed(_("Jeton d'API mal formé."), code="invalid_token")
    prefix, secret = parts
    token = next((t for t in crossing.find_api_tokens(prefix) if secret_matches(secret, t.digest)), None)
    if token is None:
        raise TokenAuthenticationFailed(_("Jeton d'API inconnu."), code="invalid_token")
    if token.revoked_at is not None:
        raise TokenAuthenticationFailed(_("Ce jeton d'API a été révoqué."), code="token_revoked")
    if token.expires_at is not None and token.expires_at <= timezone.now():
        raise TokenAuthenticationFailed(_("Ce jeton d'API a expiré."), code="token_expired")
    return token


class TokenPrincipal:
    """The caller when authenticated by a token: no person, one organisation."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True
    pk = None
    id = None

    def __init__(self, token):
        self.token = token
        self.email = ""

    def __str__(self):
        return f"token:{self.token.prefix}"


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "hds_platform.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An organisation's API token (mln_…)."}
