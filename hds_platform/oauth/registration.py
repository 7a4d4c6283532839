"""Registering an application: the one write, shared by the web page and the API.

Any person with an account may register applications (an editor of practice software need not
belong to the organisations that will use it); platform staff also can in the admin. The client
secret is hashed by the toolkit and shown once."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from oauth2_provider.models import get_application_model

from hds_platform.accounts.verification import require_verified
from hds_platform.audit import Actor
from hds_platform.errors import ServiceError


def application_register(*, user, name: str, redirect_uris: list[str], client_type: str):
    """Create an authorization-code application owned by ``user``: (application, raw secret or "")."""
    require_verified(Actor.for_user(user))
    Application = get_application_model()
    if client_type not in (Application.CLIENT_CONFIDENTIAL, Application.CLIENT_PUBLIC):
        raise ServiceError(_("Type inconnu : %s") % client_type, code="invalid_client_type", field="client_type")
    uris = [uri.strip() for uri in redirect_uris if uri.strip()]
    if not uris:
        raise ServiceError(_("Indiquez au moins une adresse de retour."), code="required", field="redirect_uris")
    secret = get_random_string(48) if client_type == Application.CLIENT_CONFIDENTIAL else ""
    application = Application(
        name=name.strip(), user=user, client_type=client_type, redirect_uris=" ".join(uris),
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE, client_secret=secret,
        algorithm="",
    )
    try:
        application.full_clean(exclude=["client_id", "client_secret"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ServiceError(" ".join(messages), code="invalid_redirect_uri" if field == "redirect_uris" else "invalid",
                           field=field) from None
    with transaction.atomic():
        application.save()
    return application, secret
