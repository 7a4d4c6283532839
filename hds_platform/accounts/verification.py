"""Whether a person's e-mail address is verified, and what waits for it."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from hds_platform.audit import Actor
from hds_platform.errors import ServiceError
from hds_platform.models import User


class EmailUnverified(ServiceError):
    status_code = 403
    code = "email_unverified"


def require_verified(actor: Actor) -> None:
    """Refuse an action that reaches outside the account (inviting, tokens, webhooks) to a person
    whose address is not verified; system actors and tokens pass."""
    user = actor.user
    if user is not None and user.email_verified_at is None:
        raise EmailUnverified(_("Confirmez d'abord votre adresse e-mail : ouvrez le lien que nous vous avons "
                                "envoyé, ou demandez-en un nouveau depuis le bandeau en haut de la page."))


def mark_verified(user: User) -> bool:
    """Record that ``user`` received a link at their address; True if it was not verified yet."""
    if user.email_verified_at is not None:
        return False
    now = timezone.now()
    updated = User.objects.filter(pk=user.pk, email_verified_at__isnull=True).update(email_verified_at=now)
    user.email_verified_at = now
    return bool(updated)
