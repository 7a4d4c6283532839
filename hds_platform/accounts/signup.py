"""Self-service accounts: signing up (a person and their organisation), verifying the e-mail
address, and the set-password link of a person who has no password yet.

Sign-up answers the same way whether or not the address already has an account (no user
enumeration): a new address gets its account, its organisation and a verification link; a known
one gets an e-mail saying so, with the way to reset the password. Nobody is logged in by the
sign-up itself: following the verification link (signed, expiring) verifies the address and
opens the session, so whoever holds the account also holds the mailbox.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from hds_platform import services
from hds_platform.accounts.verification import mark_verified
from hds_platform.audit import Actor
from hds_platform.errors import ServiceError
from hds_platform.models import Organisation, User

VERIFICATION_SALT = "maillon.accounts.email-verification"


class InvalidVerificationLink(ServiceError):
    status_code = 400
    code = "verification_link_invalid"


def _language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE)[:2]


def _send(template: str, subject: str, email: str, context: dict, language: str) -> None:
    with translation.override(language):
        body = render_to_string(template, context)
        send_mail(str(subject), body, settings.DEFAULT_FROM_EMAIL, [email])


def signup(*, email: str, password: str, full_name: str, organisation_name: str, kind: str,
           siren: str = "") -> User | None:
    """Create a person and their organisation (they own it) and e-mail the verification link;
    for an address that already has an account, e-mail that instead and return None."""
    email = email.strip().lower()
    language = _language()
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        link = f"{settings.SITE_URL}{reverse('password-reset')}"
        transaction.on_commit(lambda: _send("hds_platform/email/signup_existing.txt",
                                            _("Votre compte Maillon existe déjà"), email,
                                            {"link": link, "login": f"{settings.SITE_URL}{reverse('login')}"},
                                            language), robust=True)
        return None
    validate_password(password, user=User(email=email, full_name=full_name))
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password, full_name=full_name.strip(), language=language)
            organisation = services.organisation_create(name=organisation_name, kind=kind, siren=siren,
                                                        owner=user, actor=Actor.for_user(user))
            send_verification(user, organisation=organisation)
    except IntegrityError:
        if not User.objects.filter(email=email).exists():
            raise
        return None  # the same address signed up at the same moment: that sign-up won
    return user


def verification_link(user: User) -> str:
    token = signing.dumps({"user": user.pk, "email": user.email}, salt=VERIFICATION_SALT, compress=True)
    return f"{settings.SITE_URL}{reverse('verify-email', args=[token])}"


def send_verification(user: User, *, organisation: Organisation | None = None) -> None:
    """E-mail ``user`` the link that verifies their address (after commit)."""
    link, email, language = verification_link(user), user.email, _language()
    context = {"link": link, "days": settings.EMAIL_VERIFICATION_DAYS,
               "organisation": organisation.name if organisation is not None else ""}
    transaction.on_commit(lambda: _send("hds_platform/email/verify_email.txt", _("Confirmez votre adresse e-mail"),
                                        email, context, language), robust=True)


def verify_email(token: str) -> tuple[User, bool]:
    """The person a verification link names, and whether this link verified them now (False when
    their address was already verified: a link works once)."""
    try:
        payload = signing.loads(token, salt=VERIFICATION_SALT, max_age=settings.EMAIL_VERIFICATION_DAYS * 86400)
    except signing.SignatureExpired:
        raise InvalidVerificationLink(_("Ce lien de vérification a expiré : connectez-vous et demandez-en un "
                                        "nouveau."), code="verification_link_expired") from None
    except signing.BadSignature:
        raise InvalidVerificationLink(_("Ce lien de vérification n'est pas valide.")) from None
    user = User.objects.filter(pk=payload.get("user"), email=payload.get("email"), is_active=True).first()
    if user is None:
        raise InvalidVerificationLink(_("Ce lien de vérification n'est pas valide."))
    return user, mark_verified(user)


def set_password_link(user: User) -> str:
    """A link to choose a password (Django's password reset, valid ``PASSWORD_RESET_TIMEOUT``)."""
    path = reverse("password-reset-confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)})
    return f"{settings.SITE_URL}{path}"


def send_set_password_link(user: User, organisation: Organisation) -> str:
    """E-mail ``user`` the link to choose their first password; return the link."""
    link = set_password_link(user)
    _send("hds_platform/email/set_password.txt", _("Choisissez votre mot de passe Maillon"), user.email,
          {"link": link, "organisation": organisation.name, "days": settings.PASSWORD_RESET_TIMEOUT // 86400},
          user.language or settings.LANGUAGE_CODE)
    return link
