"""Erasing a person (GDPR Art. 17) without breaking any organisation's audit chain.

Audit events name people by user id (``user:<id>``, ``"user": <id>``); their name and e-mail live
only in :class:`~hds_platform.models.PersonRecord`, which erasure blanks. The events and their
hashes stay exactly as they were, so ``verify_audit`` still holds; the events say "user 42", and
nobody can tell who that was any more.

:func:`user_erase` removes the person from each organisation (their API tokens revoked, their
webhook endpoints disabled, as for any member who leaves), clears every other row that names
them (who uploaded, acknowledged, invited…; invitations sent to their address lose it), deletes
their second factor, their login attempts and their account.

Events recorded before audit payloads named people by id hold e-mail addresses inside hashed
payloads; they are left as they are (rewriting them would break the chain, which is the point of
the chain) and stay as the organisation's legally required trail: README, Security.
"""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hds_platform import audit, crossing, services
from hds_platform.audit import Actor
from hds_platform.errors import Conflict
from hds_platform.models import AuditEvent, Invitation, Membership, Organisation, PersonRecord, User
from hds_platform.roles import Role
from hds_platform.tenancy import TenantModel, organisation_context

#: Rows that are the person's own and go with them (the memberships go through the service).
_DELETED_WITH_THE_PERSON = models.CASCADE


def sole_ownerships(user: User) -> list[Organisation]:
    """Organisations that would be left without an owner: erasure is refused until they have another."""
    orphaned = []
    for membership in crossing.memberships_of(user):
        if membership.role != Role.OWNER:
            continue
        with organisation_context(membership.organisation):
            if Membership.objects.filter(role=Role.OWNER).count() == 1:
                orphaned.append(membership.organisation)
    return orphaned


def user_erase(*, user: User, actor: Actor) -> None:
    orphaned = sole_ownerships(user)
    if orphaned:
        raise Conflict(_("%(email)s est le seul propriétaire de : %(names)s. Nommez un autre propriétaire "
                         "avant d'effacer cette personne.") % {"email": user.email,
                                                               "names": ", ".join(o.name for o in orphaned)},
                       code="last_owner")
    user_id, email = user.pk, user.email
    for membership in crossing.memberships_of(user):
        with organisation_context(membership.organisation):
            membership = Membership.objects.select_related("user").get(pk=membership.pk)
            services.membership_remove(membership=membership, actor=actor)
            audit.record(organisation=membership.organisation, actor=actor, action="user.erased", target=user,
                         changes={"user": user_id})
    _clear_references(user)
    with transaction.atomic():
        PersonRecord.objects.update_or_create(user_id=user_id, defaults={
            "email": "", "full_name": "", "erased_at": timezone.now()})
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.objects.filter(username=email).delete()
        user.delete()


def _references_to_users() -> list[tuple[type[TenantModel], models.ForeignKey]]:
    """Every tenant-owned foreign key to a user, but the audit log's (which keeps the id)."""
    found = []
    for relation in User._meta.related_objects:
        model = relation.related_model
        if issubclass(model, TenantModel) and model is not AuditEvent and relation.many_to_one:
            found.append((model, relation.field))
    return found


def _clear_references(user: User) -> None:
    """In each organisation whose rows name the person: null the reference, or delete the row when
    it is the person's own (a notification preference); blank invitations sent to their address."""
    alias = crossing.cross_tenant_alias("erasure")
    references = _references_to_users()
    organisation_ids: set[int] = set(
        Invitation.all_organisations.using(alias).filter(email=user.email).values_list("organisation_id", flat=True))
    for model, field in references:
        organisation_ids.update(model.all_organisations.using(alias).filter(**{field.name: user})
                                .values_list("organisation_id", flat=True))
    for organisation in Organisation.objects.filter(pk__in=organisation_ids).order_by("pk"):
        with organisation_context(organisation):
            for model, field in references:
                rows = model.objects.filter(**{field.name: user})
                if field.remote_field.on_delete is _DELETED_WITH_THE_PERSON:
                    rows.delete()
                else:
                    rows.update(**{field.name: None})
            for invitation in Invitation.objects.filter(email=user.email):
                Invitation.objects.filter(pk=invitation.pk).update(email=f"erased-{invitation.pk}@invalid.invalid")
