"""``Authorization: Bearer <access token>`` of a connected app.

One indexed query (the toolkit's checksum of the token, with its application and organisation);
the organisation and the scopes are the token's. The caller is an :class:`AppPrincipal`: no
person, one organisation, like an API token (``hds_platform.api.authentication``).
"""

import hashlib

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.models import get_access_token_model
from rest_framework import authentication

from hds_platform import scopes
from hds_platform.api.authentication import TokenAuthenticationFailed


class OAuthAppAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _sep, raw = header.partition(" ")
        raw = raw.strip()
        if keyword.lower() != self.keyword.lower() or not raw or raw.startswith("mln_"):
            return None
        checksum = hashlib.sha256(raw.encode()).hexdigest()
        access_token = (get_access_token_model().objects.select_related("application", "organisation")
                        .filter(token_checksum=checksum).first())
        if access_token is None:
            raise TokenAuthenticationFailed(_("Jeton d'accès inconnu ou révoqué."), code="invalid_token")
        if access_token.is_expired():
            raise TokenAuthenticationFailed(_("Ce jeton d'accès a expiré : renouvelez-le."), code="token_expired")
        return AppPrincipal(access_token), access_token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class AppPrincipal:
    """The caller when authenticated as a connected app: no person, one organisation."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True
    pk = None
    id = None

    def __init__(self, access_token):
        self.access_token = access_token
        self.application = access_token.application
        self.email = ""

    def __str__(self):
        return f"app:{self.application.client_id}"


class OAuthAppScheme(OpenApiAuthenticationExtension):
    target_class = "hds_platform.oauth.authentication.OAuthAppAuthentication"
    name = "oauth2"

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "description": "A connected app (authorization code with PKCE, S256), acting for one organisation.",
            "flows": {"authorizationCode": {
                "authorizationUrl": reverse("oauth2_provider:authorize"),
                "tokenUrl": reverse("oauth2_provider:token"),
                "refreshUrl": reverse("oauth2_provider:token"),
                "scopes": {name: str(text) for name, text in scopes.SCOPES.items()},
            }},
        }
