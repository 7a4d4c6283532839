"""Follow-up work that is never lost: the transactional outbox.

A service that triggers background work calls :func:`enqueue` inside its
transaction, naming the task (``"compliance.tasks.evaluate_processings_task"``):
services never import task modules, so no import cycle hides behind a dispatch.
This is the one way Maillon dispatches work after a commit. The message row
commits (or rolls back) with the write itself.
After commit we try to send it to Celery at once; if the broker is down the
row stays pending and a relay (``manage.py outbox_relay --loop`` or the
periodic ``hds_platform.relay_outbox`` task) sends it once the broker is back.
Tasks sent this way must be idempotent: a message can be delivered twice if
a relay dies between sending and recording the send.

Sent is not done. Each message carries its row id in a header; when its task
has run to the end the worker *acknowledges* the row (``acknowledged_at``,
``completions``). A broker that restarts without persistence loses what it
held: those rows stay sent-but-unacknowledged, ``/health/`` turns red once they
are older than ``OUTBOX_ACK_TIMEOUT_SECONDS`` (as it does for rows still unsent
after ``OUTBOX_STALE_SECONDS``), and ``manage.py outbox_resend`` sends them again.
"""

from __future__ import annotations

import contextvars
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from celery import current_app, shared_task, states
from celery.exceptions import NotRegistered
from celery.signals import task_postrun
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from hds_platform.models import OutboxMessage
from hds_platform.schedules import RENAMED_TASKS

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(seconds=60)
#: The message header naming the outbox row a task was sent for.
HEADER = "maillon_outbox_id"
_broker_down_until = 0.0  # monotonic time: skip the after-commit fast path while the broker is known down


def enqueue(task_name: str, *args, **kwargs) -> OutboxMessage:
    """Record the task ``task_name(*args, **kwargs)`` in the current transaction; send it after
    commit. Arguments must be JSON values (ids, never model instances)."""
    message = OutboxMessage.objects.create(task_name=task_name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: _send_after_commit(message.pk), robust=True)
    return message


def enqueue_later(task_name: str, seconds: float, *args) -> OutboxMessage:
    """Like :func:`enqueue`, but not sent before ``seconds`` have passed: the relay sends it then."""
    return OutboxMessage.objects.create(task_name=task_name, args=list(args),
                                        available_at=timezone.now() + timedelta(seconds=seconds))


def _send_after_commit(message_id: int) -> None:
    if time.monotonic() < _broker_down_until:
        return
    relay_one(message_id)


def _claim(message_id: int) -> bool:
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT),
        pk=message_id, dispatched_at__isnull=True,
    ).update(claimed_at=now, attempts=F("attempts") + 1)
    return claimed == 1


def relay_one(message_id: int) -> bool:
    """Send one pending message if this caller wins the claim. True when sent."""
    global _broker_down_until
    if not _claim(message_id):
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    options = {"queue": message.queue} if message.queue else {}
    eager = current_app.conf.task_always_eager
    try:
        task = _task(message.task_name)  # an unknown name stays pending with its error, like a refusal
        if eager:
            # In-process mode: the task runs now, as a worker would run it: with no organisation
            # set (the write that enqueued it may have worked for another one, e.g. a provider
            # whose change flows down to its clients). A task that fails stays pending, like a
            # message the broker refused, so the relay runs it again later (tasks sent here are
            # idempotent).
            contextvars.Context().run(task.apply_async, args=message.args, kwargs=message.kwargs, throw=True,
                                      **options)
        else:
            task.apply_async(args=message.args, kwargs=message.kwargs, retry=False,
                             headers={HEADER: message.pk}, **options)
    except Exception as exc:  # the broker is unreachable or refused the message: keep it for the relay
        if not eager and not isinstance(exc, NotRegistered):
            _broker_down_until = time.monotonic() + settings.OUTBOX_BROKER_BACKOFF_SECONDS
        delay = min(300, 2 ** min(message.attempts, 8))
        OutboxMessage.objects.filter(pk=message_id).update(
            claimed_at=None, last_error=f"{type(exc).__name__}: {exc}"[:2000],
            available_at=timezone.now() + timedelta(seconds=delay),
        )
        logger.warning("outbox: message %s (%s) not sent: %s", message_id, message.task_name, exc)
        return False
    _broker_down_until = 0.0
    OutboxMessage.objects.filter(pk=message_id).update(dispatched_at=timezone.now(), last_error="")
    if eager:
        acknowledge(message_id)  # it has just run, to the end
    return True


def acknowledge(message_id: int) -> None:
    """The task of ``message_id`` ran to the end: record it (and count the runs)."""
    OutboxMessage.objects.filter(pk=message_id).update(
        acknowledged_at=Coalesce("acknowledged_at", Now()), completions=F("completions") + 1,
    )


@task_postrun.connect(dispatch_uid="maillon_outbox_acknowledge")
def _acknowledge_after_run(sender=None, task=None, state=None, **kwargs):
    """In the worker: acknowledge the outbox row a successful task was sent for."""
    if task is None or state != states.SUCCESS or task.request.is_eager:
        return
    message_id = task.request.get(HEADER)
    if isinstance(message_id, int):
        acknowledge(message_id)


def _task(name: str):
    """The registered task ``name`` (or, for a message recorded before its task moved, the task's
    new name). A process that never imported the task modules (``manage.py outbox_relay``) imports
    them on first need."""
    name = RENAMED_TASKS.get(name, name)
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def relay_pending(limit: int = 500, *, ignore_backoff: bool = False) -> int:
    """Send pending messages in order; returns how many were sent."""
    global _broker_down_until
    if ignore_backoff:
        _broker_down_until = 0.0
    due = OutboxMessage.objects.filter(dispatched_at__isnull=True)
    if not ignore_backoff:
        due = due.filter(available_at__lte=timezone.now())
    sent = 0
    for message_id in due.order_by("id").values_list("pk", flat=True)[:limit]:
        if relay_one(message_id):
            sent += 1
        elif time.monotonic() < _broker_down_until:
            break
    return sent


def purge_dispatched(older_than: timedelta = timedelta(days=7)) -> int:
    """Forget messages acknowledged long ago (never one still waiting for its acknowledgement)."""
    deleted, _ = OutboxMessage.objects.filter(acknowledged_at__lt=timezone.now() - older_than).delete()
    return deleted


@dataclass(frozen=True)
class Backlog:
    """What ``/health/`` reads: work not sent yet, and work sent but never acknowledged."""

    pending: int
    oldest_pending_seconds: int | None
    unacknowledged: int  # sent longer than OUTBOX_ACK_TIMEOUT_SECONDS ago, never acknowledged

    @property
    def stale(self) -> bool:
        return self.oldest_pending_seconds is not None and self.oldest_pending_seconds > settings.OUTBOX_STALE_SECONDS

    @property
    def lost(self) -> bool:
        return self.unacknowledged > 0


def backlog() -> Backlog:
    now = timezone.now()
    pending = OutboxMessage.objects.filter(dispatched_at__isnull=True)
    # Waiting counts from when a message was due (a message enqueued for later is not late yet).
    oldest = pending.filter(available_at__lte=now).order_by("available_at").values_list(
        "available_at", flat=True).first()
    return Backlog(
        pending=pending.count(),
        oldest_pending_seconds=int((now - oldest).total_seconds()) if oldest is not None else None,
        unacknowledged=unacknowledged(timedelta(seconds=settings.OUTBOX_ACK_TIMEOUT_SECONDS)).count(),
    )


def unacknowledged(older_than: timedelta):
    """Messages sent more than ``older_than`` ago whose task never reported its end."""
    return OutboxMessage.objects.filter(
        dispatched_at__lt=timezone.now() - older_than, acknowledged_at__isnull=True,
    )


def resend_unacknowledged(older_than: timedelta) -> int:
    """Make the messages the broker lost pending again (their tasks are idempotent); returns how many.
    The relay sends them as any pending message."""
    return unacknowledged(older_than).update(
        dispatched_at=None, claimed_at=None, available_at=timezone.now(),
        last_error="resent: sent but never acknowledged (lost by the broker?)",
    )


@shared_task(name="hds_platform.relay_outbox", time_limit=120, soft_time_limit=100)
def relay_outbox_task() -> int:
    """Periodic safety net (beat): sends what the after-commit path could not."""
    sent = relay_pending()
    purge_dispatched()
    return sent
