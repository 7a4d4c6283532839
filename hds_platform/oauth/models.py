"""The OAuth rows, each bound to one organisation, and an organisation's connections.

django-oauth-toolkit's models are swapped for these (settings ``OAUTH2_PROVIDER_*_MODEL``): the
grant, access token and refresh token carry the organisation the owner chose on the consent page,
so a token never acts for another one. The application and ID token are swapped too, unchanged,
so that this app's migration can create them all before the toolkit's (they refer to each other).
They are looked up by the toolkit before any organisation context exists (by the digest of the
token), so they are shared tables, like sessions
(:mod:`hds_platform.checks`); :class:`AppConnection` is the organisation's own, tenant-owned
view of an authorised app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import (
    AbstractAccessToken,
    AbstractApplication,
    AbstractGrant,
    AbstractIDToken,
    AbstractRefreshToken,
)

from hds_platform.tenancy import TenantModel


class OAuthApplication(AbstractApplication):
    """An integrator's registered application (client id, hashed secret, redirect URIs)."""

    class Meta(AbstractApplication.Meta):
        verbose_name = _("application OAuth")
        verbose_name_plural = _("applications OAuth")


class OAuthIDToken(AbstractIDToken):
    """Unused (no OpenID Connect); swapped with the others, see the module's docstring."""


class OAuthGrant(AbstractGrant):
    """An authorization code, for the organisation chosen on the consent page."""

    organisation = models.ForeignKey("hds_platform.Organisation", on_delete=models.CASCADE, related_name="+")

    class Meta(AbstractGrant.Meta):
        verbose_name = _("code d'autorisation OAuth")
        verbose_name_plural = _("codes d'autorisation OAuth")


class OAuthAccessToken(AbstractAccessToken):
    """A short-lived access token of a connected app, for one organisation."""

    organisation = models.ForeignKey("hds_platform.Organisation", on_delete=models.CASCADE, related_name="+")

    class Meta(AbstractAccessToken.Meta):
        verbose_name = _("jeton d'accès OAuth")
        verbose_name_plural = _("jetons d'accès OAuth")

    def save(self, *args, **kwargs):
        if self.organisation_id is None and self.source_refresh_token_id is not None:
            # A refreshed token acts for the organisation of the token it replaces.
            self.organisation_id = self.source_refresh_token.organisation_id
        super().save(*args, **kwargs)


class OAuthRefreshToken(AbstractRefreshToken):
    """A refresh token of a connected app, for the organisation of its access token."""

    organisation = models.ForeignKey("hds_platform.Organisation", on_delete=models.CASCADE, related_name="+")

    class Meta(AbstractRefreshToken.Meta):
        verbose_name = _("jeton de renouvellement OAuth")
        verbose_name_plural = _("jetons de renouvellement OAuth")

    def save(self, *args, **kwargs):
        if self.organisation_id is None and self.access_token_id is not None:
            self.organisation_id = self.access_token.organisation_id
        super().save(*args, **kwargs)


class AppConnection(TenantModel):
    """An application the organisation authorised: what it may do, who allowed it, when it was used.

    One row per organisation and application; authorising again updates it (scopes, who). Revoking
    deletes the app's tokens for this organisation and keeps the row, marked revoked."""

    application = models.ForeignKey(OAuthApplication, on_delete=models.CASCADE,
                                    related_name="+")
    scope = models.TextField(_("portées"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    granted_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The day of the last "app_connection.used" audit event: reads are audited once a day per app.
    last_audited_on = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("application connectée")
        verbose_name_plural = _("applications connectées")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "application"], name="appconnection_unique_app"),
        ]
        ordering = ["-granted_at", "-id"]

    def __str__(self):
        return f"{self.application_id}@{self.organisation_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()
