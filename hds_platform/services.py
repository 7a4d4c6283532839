"""Writes of the tenancy core. Each runs in a transaction and writes its audit event in it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from hds_platform import audit, crossing, scopes, signals, writes
from hds_platform.accounts import mfa
from hds_platform.accounts.events import record_for_person
from hds_platform.accounts.verification import mark_verified, require_verified
from hds_platform.audit import Actor
from hds_platform.errors import Conflict, ServiceError
from hds_platform.models import ApiToken, Invitation, Membership, Organisation, User
from hds_platform.oauth import services as oauth_services
from hds_platform.roles import ROLE_PERMISSIONS, Perm, Role
from hds_platform.tenancy import organisation_context, require_organisation
from hds_platform.tokens import digest_secret, new_link_token, new_token

ORGANISATION_FIELDS = frozenset({"name", "kind", "siren", "siret"})


def _unique_slug(name: str) -> str:
    base = slugify(name)[:60] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def organisation_create(
    *, name: str, kind: str, owner: User, actor: Actor, siren: str = "", siret: str = "", slug: str = ""
) -> Organisation:
    """Create an organisation with ``owner`` as its first member."""
    with transaction.atomic():
        organisation = Organisation(
            name=name.strip(), kind=kind, siren=siren.replace(" ", ""), siret=siret.replace(" ", ""),
            slug=slug or _unique_slug(name),
        )
        organisation.full_clean()
        organisation.save()
        with organisation_context(organisation):
            membership = Membership(organisation=organisation, user=owner, role=Role.OWNER)
            membership.full_clean(exclude=["organisation"])
            membership.save()
            audit.record(organisation=organisation, actor=actor, action="organisation.created", target=organisation,
                         changes={"name": organisation.name, "kind": kind, "siren": organisation.siren})
            audit.record(organisation=organisation, actor=actor, action="membership.created", target=membership,
                         changes={"user": audit.person(owner), "role": Role.OWNER})
    return organisation


def organisation_update(*, organisation: Organisation, actor: Actor, **fields) -> Organisation:
    """Change the organisation's name, kind or identifiers; audited only when something changed."""
    writes.refuse_unknown_fields(fields, ORGANISATION_FIELDS)
    with organisation_context(organisation):
        changes = writes.assign_changes(organisation, fields)
        if not changes:
            return organisation
        organisation.full_clean()
        # Only the changed columns: the audit chain's head, also on this row, moves with every
        # event and this instance's copy of it may be stale.
        organisation.save(update_fields=list(changes))
        audit.record(organisation=organisation, actor=actor, action="organisation.updated",
                     target=organisation, changes=changes)
    return organisation


def organisation_require_mfa(*, organisation: Organisation, required: bool, actor: Actor) -> Organisation:
    """Require (or stop requiring) a second factor from every member of ``organisation``.

    The owner who turns it on must have one already: they would otherwise be sent to enrolment
    by their own setting, in the middle of changing it."""
    if required and (actor.user is None or not mfa.has_mfa(actor.user)):
        raise Conflict(_("Activez d'abord la double authentification sur votre propre compte."),
                       code="mfa_not_enabled", field="require_mfa")
    with organisation_context(organisation):
        if organisation.require_mfa == required:
            return organisation
        organisation.require_mfa = required
        organisation.save(update_fields=["require_mfa"])
        audit.record(organisation=organisation, actor=actor, action="organisation.mfa_requirement_changed",
                     target=organisation, changes={"require_mfa": required})
    return organisation


def _owner_count() -> int:
    return Membership.objects.filter(role=Role.OWNER).count()


def membership_change_role(*, membership: Membership, role: str, actor: Actor) -> Membership:
    if role not in Role.values:
        raise ServiceError(_("Rôle inconnu : %s") % role, code="invalid_role", field="role")
    with transaction.atomic():
        organisation = require_organisation()
        if membership.role == Role.OWNER and role != Role.OWNER and _owner_count() == 1:
            raise Conflict(_("L'organisation doit garder au moins un propriétaire."), code="last_owner")
        before = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit.record(organisation=organisation, actor=actor, action="membership.role_changed", target=membership,
                     changes={"role": [before, role], "user": audit.person(membership.user)})
    return membership


def membership_remove(*, membership: Membership, actor: Actor, reassign_to: User | None = None) -> None:
    """Remove a member. What they created that acts on its own — API tokens and the connected apps
    they authorised here, webhook endpoints in compliance — stops with them (tokens and apps revoked,
    endpoints disabled), or, when ``reassign_to`` names another member allowed to manage them, passes
    to that member (tokens and endpoints; an app's authorisation is never handed over). Audited."""
    with transaction.atomic():
        organisation = require_organisation()
        if membership.role == Role.OWNER and _owner_count() == 1:
            raise Conflict(_("L'organisation doit garder au moins un propriétaire."), code="last_owner")
        user = membership.user
        if reassign_to is not None:
            _check_heir(reassign_to, leaving=user)
        audit.record(organisation=organisation, actor=actor, action="membership.removed", target=membership,
                     changes={"user": audit.person(user), "role": membership.role,
                              "reassigned_to": audit.person(reassign_to) if reassign_to is not None else None})
        for token in ApiToken.objects.filter(created_by=user, revoked_at__isnull=True).order_by("pk"):
            if reassign_to is None:
                api_token_revoke(token=token, actor=actor, reason="creator_removed")
            else:
                _api_token_reassign(token=token, to=reassign_to, actor=actor)
        # The apps they authorised act on their say-so: they stop too (never handed over).
        oauth_services.revoke_granted_by(user=user, actor=actor, reason="grantor_removed")
        signals.member_leaving.send(sender=Membership, organisation=organisation, user=user, actor=actor,
                                    reassign_to=reassign_to)
        membership.delete()


def _check_heir(heir: User, *, leaving: User) -> None:
    membership = Membership.objects.filter(user=heir).first()
    if heir.pk == leaving.pk or membership is None or not {Perm.TOKENS, Perm.WEBHOOKS} <= ROLE_PERMISSIONS[
            membership.role]:
        raise ServiceError(_("Les jetons et webhooks ne peuvent passer qu'à un autre membre propriétaire ou "
                             "administrateur."), code="invalid_heir", field="reassign_to")


def _api_token_reassign(*, token: ApiToken, to: User, actor: Actor) -> None:
    before = token.created_by_id
    token.created_by = to
    token.save(update_fields=["created_by"])
    audit.record(organisation=token.organisation, actor=actor, action="api_token.reassigned", target=token,
                 changes={"created_by": [before, audit.person(to)], "name": token.name, "prefix": token.prefix})


def invitation_create(*, email: str, role: str, actor: Actor) -> tuple[Invitation, str]:
    """Invite ``email``; the link is e-mailed after commit and returned once."""
    organisation = require_organisation()
    require_verified(actor)
    email = email.strip().lower()
    if role not in Role.values:
        raise ServiceError(_("Rôle inconnu : %s") % role, code="invalid_role", field="role")
    with transaction.atomic():
        if Membership.objects.filter(user__email=email).exists():
            raise Conflict(_("%s est déjà membre de l'organisation.") % email, code="already_member", field="email")
        raw, digest = new_link_token()
        invitation = Invitation(
            organisation=organisation, email=email, role=role, token_digest=digest, invited_by=actor.user,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
        )
        invitation.full_clean(exclude=["organisation"])
        invitation.save()
        # The invitation row keeps the address (and erasure can blank it); the chain keeps its id.
        audit.record(organisation=organisation, actor=actor, action="invitation.created", target=invitation,
                     changes={"role": role})
        link = f"{settings.SITE_URL}/invitations/{raw}/"
        language = translation.get_language() or settings.LANGUAGE_CODE
        # Not through the outbox: the link holds the secret, which is never stored (only its
        # digest), so no relay could rebuild the e-mail. A failed sending is logged and leaves the
        # invitation valid: the inviter has the link on screen and can share it.
        transaction.on_commit(lambda: _send_invitation(invitation.pk, email, organisation.name, link, language),
                              robust=True)
    return invitation, raw


def _send_invitation(invitation_id: int, email: str, organisation_name: str, link: str, language: str) -> None:
    with translation.override(language):
        body = render_to_string(
            "hds_platform/email/invitation.txt", {"organisation": organisation_name, "link": link}
        )
        send_mail(
            _("Invitation à rejoindre %s sur Maillon") % organisation_name, body,
            settings.DEFAULT_FROM_EMAIL, [email],
        )


def invitation_revoke(*, invitation: Invitation, actor: Actor) -> Invitation:
    with transaction.atomic():
        if invitation.status != "pending":
            raise Conflict(_("Cette invitation n'est plus en attente."), code="invitation_not_pending")
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(organisation=invitation.organisation, actor=actor, action="invitation.revoked",
                     target=invitation, changes={"role": invitation.role})
    return invitation


class InvalidInvitation(ServiceError):
    status_code = 404
    code = "invitation_invalid"


def invitation_accept(*, raw_token: str, user: User) -> Membership:
    """Join the organisation of a pending invitation. Single use; the e-mail must match (and so
    counts as verified: the link was sent to it)."""
    found = invitation_find(raw_token)
    with organisation_context(found.organisation):
        invitation = _pending_invitation(found)
        if invitation.email != user.email.lower():
            raise InvalidInvitation(
                _("Cette invitation a été envoyée à une autre adresse e-mail."), code="invitation_other_email"
            )
        mark_verified(user)
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    organisation=invitation.organisation, user=user, role=invitation.role
                )
        except IntegrityError:
            raise Conflict(_("Vous êtes déjà membre de cette organisation."), code="already_member") from None
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        actor = Actor.for_user(user)
        audit.record(organisation=invitation.organisation, actor=actor, action="invitation.accepted",
                     target=invitation, changes={"user": audit.person(user)})
        audit.record(organisation=invitation.organisation, actor=actor, action="membership.created",
                     target=membership, changes={"user": audit.person(user), "role": invitation.role})
    return membership


def invitation_find(raw_token: str) -> Invitation:
    """The invitation of a link, with its organisation (any state), or InvalidInvitation."""
    found = crossing.find_invitation(digest_secret(raw_token))
    if found is None:
        raise InvalidInvitation(_("Ce lien d'invitation n'existe pas."))
    return found


def _pending_invitation(found: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if invitation.status != "pending":
        raise InvalidInvitation(_("Ce lien d'invitation a expiré ou a déjà servi."), code="invitation_used")
    return invitation


def invitation_accept_new_person(*, raw_token: str, password: str, full_name: str = "",
                                 language: str = "fr") -> Membership:
    """A person without an account follows an invitation: their account is created with this
    password (the address is verified: the link was sent to it) and they join the organisation,
    in one transaction."""
    found = invitation_find(raw_token)
    with transaction.atomic(), organisation_context(found.organisation):
        invitation = _pending_invitation(found)
        if User.objects.filter(email=invitation.email).exists():
            raise Conflict(_("Un compte existe déjà pour cette adresse : connectez-vous pour accepter "
                             "l'invitation."), code="account_exists")
        validate_password(password, user=User(email=invitation.email, full_name=full_name))
        user = User.objects.create_user(invitation.email, password, full_name=full_name.strip(), language=language,
                                        email_verified_at=timezone.now())
        return invitation_accept(raw_token=raw_token, user=user)


def user_language_update(*, user: User, language: str, actor: Actor) -> User:
    """The language of a person's e-mails (digests, invitations they send keep the page's)."""
    if language not in dict(settings.LANGUAGES):
        raise ServiceError(_("Langue inconnue : %s") % language, code="invalid_language", field="language")
    if user.language == language:
        return user
    before = user.language
    user.language = language
    user.save(update_fields=["language"])
    record_for_person(user, "account.language_changed", {"language": [before, language]}, actor=actor)
    return user


def api_token_create(
    *, name: str, scope: str, actor: Actor, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    organisation = require_organisation()
    require_verified(actor)
    try:
        scope = scopes.normalise(scope)
    except scopes.UnknownScope as exc:
        raise ServiceError(_("Portée inconnue : %s") % ", ".join(exc.names), code="invalid_scope",
                           field="scope") from None
    if not scope:
        raise ServiceError(_("Choisissez au moins une portée."), code="invalid_scope", field="scope")
    if expires_at is not None and expires_at <= timezone.now():
        raise ServiceError(_("La date d'expiration doit être dans le futur."), code="invalid_expiry",
                           field="expires_at")
    with transaction.atomic():
        if ApiToken.objects.filter(name=name).exists():
            raise Conflict(_("Un jeton porte déjà ce nom."), code="duplicate_name", field="name")
        raw, prefix, digest = new_token()
        token = ApiToken(organisation=organisation, name=name, prefix=prefix, digest=digest, scope=scope,
                         created_by=actor.user, expires_at=expires_at)
        token.full_clean(exclude=["organisation"])
        token.save()
        audit.record(organisation=organisation, actor=actor, action="api_token.created", target=token,
                     changes={"name": name, "scope": scope, "prefix": prefix, "expires_at": expires_at})
    return token, raw


def api_token_revoke(*, token: ApiToken, actor: Actor, reason: str = "") -> ApiToken:
    with transaction.atomic():
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        changes = {"name": token.name, "prefix": token.prefix}
        if reason:
            changes["reason"] = reason
        audit.record(organisation=token.organisation, actor=actor, action="api_token.revoked", target=token,
                     changes=changes)
    return token


def api_token_touch_due(token: ApiToken) -> bool:
    """Whether this use of the token is to be recorded (once per resolution window)."""
    window = settings.API_TOKEN_LAST_USED_RESOLUTION_SECONDS
    return token.last_used_at is None or (timezone.now() - token.last_used_at).total_seconds() >= window


def api_token_touch(token: ApiToken) -> None:
    """Record use at most once per resolution window, with a conditional update (no read-modify-write)."""
    if not api_token_touch_due(token):
        return
    now = timezone.now()
    ApiToken.all_organisations.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def api_token_record_use(token: ApiToken) -> None:
    """Record the token's use (when due) from outside its organisation's context: a read answered
    without one (from the cache, a refusal, the ANS list)."""
    if api_token_touch_due(token):
        with organisation_context(token.organisation):
            api_token_touch(token)
