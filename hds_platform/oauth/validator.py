"""django-oauth-toolkit, fitted to Maillon: our scopes, and the organisation carried from the
consent page to the authorization code, from the code to the access token, and from a refresh
token to the token that replaces it."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_grant_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors

from hds_platform import scopes


class MaillonScopes(BaseScopes):
    """The scopes an app may ask for: those of :mod:`hds_platform.scopes`, never the aliases."""

    def get_all_scopes(self):
        return {name: str(text) for name, text in scopes.SCOPES.items()}

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        return list(scopes.SCOPES)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        # An app that names no scope asks for the answer practice software needs: conformity.
        return [scopes.CONFORMITY_READ]


class OrganisationOAuth2Validator(OAuth2Validator):
    def _create_authorization_code(self, request, code, expires=None):
        # The consent page passes the organisation the owner chose (hds_platform.oauth.views).
        organisation_id = getattr(request, "organisation_id", None)
        if organisation_id is None:
            raise ValueError("An authorization code needs the organisation chosen on the consent page.")
        if request.code_challenge_method != "S256":
            raise errors.InvalidRequestError(description='PKCE with code_challenge_method "S256" is required.',
                                             request=request)
        return get_grant_model().objects.create(
            application=request.client,
            user=request.user,
            organisation_id=organisation_id,
            code=code["code"],
            expires=expires or timezone.now() + timedelta(seconds=oauth2_settings.AUTHORIZATION_CODE_EXPIRE_SECONDS),
            redirect_uri=request.redirect_uri,
            scope=" ".join(request.scopes),
            code_challenge=request.code_challenge or "",
            code_challenge_method=request.code_challenge_method or "",
            nonce="",
            claims="{}",
            resource=[],
        )

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        valid = super().validate_code(client_id, code, client, request, *args, **kwargs)
        if valid:
            request.organisation_id = (
                get_grant_model().objects.filter(code=code, application=client)
                .values_list("organisation_id", flat=True).first()
            )
        return valid

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        access_token = get_access_token_model()(
            user=request.user,
            scope=token["scope"],
            expires=expires,
            application=request.client,
            source_refresh_token=source_refresh_token,
            resource=getattr(request, "resource", []),
            organisation_id=(source_refresh_token.organisation_id if source_refresh_token is not None
                             else request.organisation_id),
        )
        self._set_token_value(access_token, token["access_token"])
        access_token.save()
        return access_token
