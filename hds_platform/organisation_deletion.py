"""Deleting an organisation: its data and stored files go, its audit chain stays verifiable.

:func:`organisation_delete` needs the organisation's owner or platform staff (or the operator,
``manage.py delete_organisation``) and the organisation's slug typed again. In one transaction it

1. revokes every API token and connected app of the organisation (nothing can write while it is being deleted);
2. deletes every row of every tenant table of the organisation — found through the model
   registry, so a table added later is covered without a change here — except its audit events;
3. blanks the organisation's own row (name, slug, SIREN, SIRET) and marks it ``deleted_at``: the
   row stays only as the anchor of the audit chain (``audit_head_seq``/``audit_head_hash``);
4. records a last event, ``organisation.deleted`` (row counts per table, ids only);
5. erases (:func:`hds_platform.accounts.erasure.user_erase`) each person whose only organisation
   it was, except platform staff; people who belong elsewhere keep their account and lose this
   membership only;

and, once the transaction has committed, deletes the stored files its rows named (evidence,
reports).

The audit events are kept, not deleted: the chain of a health-data conformity record is the trail
the organisation must be able to show (GDPR Art. 17(3)(b) and (e)), the runtime database role
cannot delete audit rows anyway (so the web admin can run this), and ``verify_audit`` still
recomputes the whole chain, ``organisation.deleted`` included. Events name people by id only;
their names and e-mails, in :class:`PersonRecord`, are blanked by the erasure of step 5.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from hds_platform import audit, crossing
from hds_platform.accounts import erasure
from hds_platform.audit import Actor
from hds_platform.errors import Conflict, PermissionDenied, ServiceError
from hds_platform.models import ApiToken, AppConnection, AuditEvent, Membership, Organisation, User
from hds_platform.oauth import services as oauth_services
from hds_platform.roles import Role
from hds_platform.tenancy import TenantModel, organisation_context


@dataclass
class DeletionSummary:
    organisation_id: int
    rows: dict[str, int] = field(default_factory=dict)
    tokens_revoked: int = 0
    apps_revoked: int = 0
    files: list[str] = field(default_factory=list)
    people_erased: list[int] = field(default_factory=list)
    people_kept: list[int] = field(default_factory=list)


def tenant_models() -> list[type[TenantModel]]:
    """Every concrete tenant table but the audit log, which stays."""
    return [model for model in apps.get_models()
            if issubclass(model, TenantModel) and model is not AuditEvent and not model._meta.proxy]


def check_deletion_allowed(*, organisation: Organisation, actor: Actor, confirm_slug: str) -> None:
    """Refusals, each with a stable code: ``organisation_deleted``, ``confirmation_mismatch``, ``not_owner``."""
    if organisation.deleted_at is not None:
        raise Conflict(_("Cette organisation est déjà supprimée."), code="organisation_deleted")
    if (confirm_slug or "").strip() != organisation.slug:
        raise ServiceError(_("Pour confirmer, saisissez l'identifiant de l'organisation : %(slug)s.")
                           % {"slug": organisation.slug}, code="confirmation_mismatch", field="confirm_slug")
    user = actor.user
    if user is None:
        if actor.token_id is None:
            return  # the operator, through manage.py
    elif user.is_staff:
        return
    else:
        with organisation_context(organisation):
            if Membership.objects.filter(user=user, role=Role.OWNER).exists():
                return
    raise PermissionDenied(_("Seul un propriétaire de l'organisation peut la supprimer."), code="not_owner")


def organisation_delete(*, organisation: Organisation, actor: Actor, confirm_slug: str) -> DeletionSummary:
    check_deletion_allowed(organisation=organisation, actor=actor, confirm_slug=confirm_slug)
    summary = DeletionSummary(organisation_id=organisation.pk)
    with transaction.atomic():
        with organisation_context(organisation):
            summary.tokens_revoked = ApiToken.objects.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
            # Connected apps too: their codes and tokens (shared tables) go; the connections are tenant rows.
            summary.apps_revoked = AppConnection.objects.filter(revoked_at__isnull=True).count()
            oauth_services.delete_tokens(organisation_id=organisation.pk)
            member_ids = sorted(Membership.objects.values_list("user_id", flat=True))
            summary.files = _stored_files()
            summary.rows = _delete_tenant_rows()
            Organisation.objects.filter(pk=organisation.pk).update(
                name=f"Organisation supprimée n° {organisation.pk}", slug=f"deleted-{organisation.pk}",
                siren="", siret="", require_mfa=False, deleted_at=timezone.now())
            audit.record(organisation=organisation, actor=actor, action="organisation.deleted", target=organisation,
                         changes={"rows": summary.rows, "tokens_revoked": summary.tokens_revoked,
                                  "apps_revoked": summary.apps_revoked,
                                  "files": len(summary.files), "members": member_ids})
        for user in User.objects.filter(pk__in=member_ids).order_by("pk"):
            if user.is_staff or crossing.memberships_of(user):
                summary.people_kept.append(user.pk)
                continue
            summary.people_erased.append(user.pk)
            erasure.user_erase(user=user, actor=actor)
        names = list(summary.files)
        transaction.on_commit(lambda: _discard(names))
    organisation.refresh_from_db()
    return summary


def _stored_files() -> list[str]:
    """Names of the files the organisation's rows hold in storage (evidence, reports…)."""
    names: list[str] = []
    for model in tenant_models():
        for file_field in (f for f in model._meta.concrete_fields if isinstance(f, models.FileField)):
            names += [name for name in model.objects.exclude(**{file_field.name: ""})
                      .values_list(file_field.name, flat=True) if name]
    return sorted(set(names))


def _delete_tenant_rows() -> dict[str, int]:
    """Delete the current organisation's rows of every tenant table; the count per table, before.

    A table whose rows another still protects (``PROTECT``/``RESTRICT``: a chain link names a
    supplier) is retried after the others; each attempt runs in a savepoint.
    """
    counts = {model._meta.label: model.objects.count() for model in tenant_models()}
    pending = [model for model in tenant_models() if counts[model._meta.label]]
    while pending:
        left = []
        for model in pending:
            try:
                with transaction.atomic():
                    model.objects.all().delete()
            except (ProtectedError, RestrictedError):
                left.append(model)
        if len(left) == len(pending):
            raise RuntimeError(f"cannot delete, rows protect each other: {[m._meta.label for m in left]}")
        pending = left
    return {label: count for label, count in sorted(counts.items()) if count}


def _discard(names: list[str]) -> None:
    for name in names:
        if default_storage.exists(name):
            default_storage.delete(name)
