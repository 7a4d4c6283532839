"""The audit log: one event per write, in the writer's transaction, hash-chained per organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from uuid import UUID

from django.db import models
from django.utils import timezone

from hds_platform.models import AuditEvent, Organisation, PersonRecord, User
from hds_platform.request_meta import current_meta
from hds_platform.tenancy import organisation_context

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who performs a write: a member, an API token, or the system (tasks, commands)."""

    user: User | None = None
    token_id: int | None = None
    label: str = "system"

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(label=label)

    @classmethod
    def for_user(cls, user: User) -> Actor:
        # An id, never the e-mail: the label is hashed into the chain, the e-mail must stay erasable.
        return cls(user=user, label=f"user:{user.pk}")


def person(user: User) -> int:
    """Name ``user`` in an audit payload: their id, with their name and e-mail kept (and kept
    up to date) in :class:`PersonRecord`, where erasure can reach them."""
    PersonRecord.objects.bulk_create(
        [PersonRecord(user_id=user.pk, email=user.email, full_name=user.full_name)],
        update_conflicts=True, unique_fields=["user_id"], update_fields=["email", "full_name"],
    )
    return user.pk


def serialise_value(value):
    """``value`` as plain JSON, so that the changes read back exactly as they were hashed.

    Rows become their id, dates and times ISO 8601 strings, decimals and UUIDs strings, sets
    sorted lists; lists, tuples and dicts are converted item by item.
    """
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(serialise_value(item) for item in value)
    if isinstance(value, list | tuple):
        return [serialise_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): serialise_value(item) for key, item in value.items()}
    return value


def record(
    *,
    organisation: Organisation,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    changes: dict | None = None,
) -> AuditEvent:
    """Append an audit event. Call inside the writer's transaction.

    The organisation row is locked so that concurrent writers of one
    organisation append one after the other and the chain stays linear.
    """
    head_seq, prev_hash = (
        Organisation.objects.select_for_update().filter(pk=organisation.pk)
        .values_list("audit_head_seq", "audit_head_hash").get()
    )
    seq = head_seq + 1
    meta = current_meta()
    if actor.user is not None:
        person(actor.user)
    event = AuditEvent(
        organisation=organisation,
        seq=seq,
        created_at=timezone.now(),
        actor=actor.user,
        actor_label=actor.label[:200],
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        changes={k: serialise_value(v) for k, v in (changes or {}).items()},
        ip=meta.ip,
        request_id=meta.request_id,
        prev_hash=prev_hash,
    )
    event.hash = event.compute_hash()
    event.save()
    Organisation.objects.filter(pk=organisation.pk).update(audit_head_seq=seq, audit_head_hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    reason: str


def verify_chain(organisation: Organisation) -> list[ChainProblem]:
    """Recompute the chain of one organisation; report every break (modified, deleted or reordered)."""
    problems: list[ChainProblem] = []
    expected_seq, prev_hash = 1, GENESIS_HASH
    # Inside the organisation's context, so that row-level security lets the
    # runtime role read exactly this chain.
    with organisation_context(organisation):
        for event in AuditEvent.objects.order_by("seq").iterator():
            if event.seq != expected_seq:
                problems.append(ChainProblem(expected_seq, f"events {expected_seq}–{event.seq - 1} are missing"))
            if event.prev_hash != prev_hash:
                problems.append(ChainProblem(event.seq, "previous hash does not match the preceding event"))
            if event.compute_hash() != event.hash:
                problems.append(ChainProblem(event.seq, "content does not match its hash (modified)"))
            expected_seq, prev_hash = event.seq + 1, event.hash
    head_seq, head_hash = (
        Organisation.objects.filter(pk=organisation.pk).values_list("audit_head_seq", "audit_head_hash").get()
    )
    if expected_seq - 1 != head_seq or prev_hash != head_hash:
        problems.append(ChainProblem(
            head_seq,
            f"the chain ends at {expected_seq - 1}, the organisation records {head_seq} (latest events deleted)",
        ))
    return problems
