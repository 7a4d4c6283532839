"""The second factor: a TOTP authenticator app (django-otp) and single-use recovery codes.

Platform staff must have one; so must the members of an organisation whose owner requires it
(``Organisation.require_mfa``). A person who has one enters it after their password at every
login (:class:`hds_platform.accounts.middleware.MfaGateMiddleware`). Enrolment, a new set of
recovery codes and removal are audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hds_platform import crossing
from hds_platform.accounts.events import record_for_person
from hds_platform.errors import Conflict, ServiceError
from hds_platform.models import Organisation, User

AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery"


def has_mfa(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def organisations_requiring_mfa(user: User) -> list[Organisation]:
    return [m.organisation for m in crossing.memberships_of(user) if m.organisation.require_mfa]


def why_required(user: User) -> list[str]:
    """Why this person must keep a second factor (empty: they may remove it)."""
    reasons = [_("l'équipe de la plateforme")] if user.is_staff else []
    return reasons + [organisation.name for organisation in organisations_requiring_mfa(user)]


def totp_setup(user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator to show as a QR code; it replaces an unconfirmed one."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def totp_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirm ``device`` with a code it shows; it replaces any previous authenticator. Returns
    the new recovery codes (shown once)."""
    if device.user_id != user.pk or device.confirmed:
        raise ServiceError(_("Cette activation n'est plus valable : recommencez."), code="mfa_setup_expired")
    if not device.verify_token(_digits(code)):
        raise ServiceError(_("Code incorrect : saisissez les 6 chiffres affichés par l'application."),
                           code="mfa_code_invalid", field="code")
    with transaction.atomic():
        replaced = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()[0]
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
    record_for_person(user, "mfa.enrolled", {"replaced": bool(replaced)})
    return codes


def recovery_codes_renew(user: User) -> list[str]:
    if not has_mfa(user):
        raise Conflict(_("Activez d'abord la double authentification."), code="mfa_not_enabled")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
    record_for_person(user, "mfa.recovery_codes_renewed")
    return codes


def remove(user: User) -> None:
    """Remove the authenticator and the recovery codes; refused while someone requires them."""
    reasons = why_required(user)
    if reasons:
        raise Conflict(_("La double authentification est exigée par : %s.") % ", ".join(reasons),
                       code="mfa_required")
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        StaticDevice.objects.filter(user=user).delete()
    if removed:
        record_for_person(user, "mfa.removed")


def verify(user: User, code: str) -> tuple[TOTPDevice | StaticDevice | None, str]:
    """The device that accepts ``code`` (the authenticator, or a recovery code, used up) and its
    kind. Wrong codes slow the device down (django-otp's throttling)."""
    code = code.strip()
    totp = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if totp is not None and _digits(code).isdigit() and totp.verify_token(_digits(code)):
        return totp, "totp"
    recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if recovery is not None and recovery.verify_token(code.lower()):
        return recovery, "recovery_code"
    return None, ""


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _digits(code: str) -> str:
    return code.replace(" ", "").strip()


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.MFA_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes
