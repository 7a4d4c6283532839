"""Writes of connected apps: authorising an app for an organisation, revoking it, recording use.

Each runs in the organisation's context and audits in the same transaction, like every write.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from hds_platform import audit
from hds_platform.accounts.verification import require_verified
from hds_platform.audit import Actor
from hds_platform.oauth.models import AppConnection
from hds_platform.tenancy import require_organisation


def app_label(application) -> str:
    """How an app appears as the actor of audit events: its client id and its name."""
    return f"app:{application.client_id} {application.name}"


def connection_grant(*, application, scope: str, actor: Actor) -> AppConnection:
    """Record that ``actor`` (an owner or admin) authorised ``application`` for the current
    organisation with ``scope``; authorising again replaces the scopes and the grantor."""
    organisation = require_organisation()
    require_verified(actor)
    now = timezone.now()
    with transaction.atomic():
        connection = AppConnection.objects.select_for_update().filter(application=application).first()
        before = None if connection is None else (connection.scope if connection.revoked_at is None else None)
        if connection is None:
            connection = AppConnection(organisation=organisation, application=application)
        connection.scope = scope
        connection.granted_by = actor.user
        connection.granted_at = now
        connection.revoked_at = None
        connection.save()
        audit.record(organisation=organisation, actor=actor, action="app_connection.granted", target=connection,
                     changes={"application": application.client_id, "name": application.name,
                              "scope": [before, scope] if before is not None else scope})
    return connection


def connection_revoke(*, connection: AppConnection, actor: Actor, reason: str = "") -> AppConnection:
    """Stop an app acting for the organisation: every code and token it holds for it goes at once."""
    organisation = require_organisation()
    with transaction.atomic():
        delete_tokens(organisation_id=organisation.pk, application_id=connection.application_id)
        if connection.revoked_at is not None:
            return connection
        connection.revoked_at = timezone.now()
        connection.save(update_fields=["revoked_at"])
        changes = {"application": connection.application.client_id, "name": connection.application.name}
        if reason:
            changes["reason"] = reason
        audit.record(organisation=organisation, actor=actor, action="app_connection.revoked", target=connection,
                     changes=changes)
    return connection


def revoke_granted_by(*, user, actor: Actor, reason: str) -> None:
    """A member leaves: the apps they authorised stop acting for the organisation."""
    for connection in (AppConnection.objects.select_related("application")
                       .filter(granted_by=user, revoked_at__isnull=True).order_by("pk")):
        connection_revoke(connection=connection, actor=actor, reason=reason)


def revoke_all(*, actor: Actor, reason: str) -> None:
    organisation = require_organisation()
    for connection in AppConnection.objects.select_related("application").filter(revoked_at__isnull=True):
        connection_revoke(connection=connection, actor=actor, reason=reason)
    delete_tokens(organisation_id=organisation.pk)


def delete_tokens(*, organisation_id: int, application_id: int | None = None) -> None:
    """The toolkit's rows of this organisation (and application). Refresh tokens first: an access
    token's deletion would otherwise leave them orphaned but present."""
    rows = {"organisation_id": organisation_id}
    if application_id is not None:
        rows["application_id"] = application_id
    get_refresh_token_model().objects.filter(**rows).delete()
    get_access_token_model().objects.filter(**rows).delete()
    get_grant_model().objects.filter(**rows).delete()


def connection_touch(connection: AppConnection, *, actor: Actor) -> None:
    """Record use at most once per resolution window (conditional update, like API tokens), and an
    ``app_connection.used`` audit event once a day: reads are not audited one by one (README)."""
    now = timezone.now()
    window = settings.API_TOKEN_LAST_USED_RESOLUTION_SECONDS
    if connection.last_used_at is not None and (now - connection.last_used_at).total_seconds() < window:
        return
    today = timezone.localdate(now)
    AppConnection.objects.filter(pk=connection.pk).update(last_used_at=now, last_audited_on=today)
    connection.last_used_at = now
    if connection.last_audited_on != today:
        connection.last_audited_on = today
        audit.record(organisation=require_organisation(), actor=actor, action="app_connection.used",
                     target=connection, changes={"application": connection.application.client_id,
                                                 "name": connection.application.name, "day": today})
