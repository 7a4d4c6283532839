"""Webhook deliveries in the in-process mode (no broker: ``CELERY_TASK_ALWAYS_EAGER``).

There the outbox runs each task right after the commit, in the thread that committed: a web
request would wait for the receiver (and, with no beat, a failed delivery would never be tried
again). Instead the delivery task hands the delivery to this module, and returns at once. Inside
a request the delivery waits for the response to be sent (``request_finished``), so that the
sending never competes with the request for the database; then a couple of daemon threads send
it (:func:`compliance.monitoring.webhooks.delivery.deliver`: the same claim, caps, circuit and
outcome as a worker) and, after a failure, keep it until its next attempt
is due and send it again, until it succeeds or is ``dead``. The delivery row is the durable state:
a process that stops with retries pending leaves them ``failed`` with their due time, for the
retry dispatcher.

``WEBHOOK_INPROCESS_SENDER = "inline"`` sends in the committing thread instead (the test suite,
whose uncommitted transactions another thread cannot see).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time

from django.db import OperationalError, connections
from django.utils import timezone

from compliance.models import WebhookDelivery
from compliance.monitoring.webhooks import delivery as sender
from hds_platform.models import Organisation
from hds_platform.tenancy import organisation_context

logger = logging.getLogger(__name__)

THREADS = 2
DATABASE_RETRIES = 5
DATABASE_RETRY_SECONDS = 0.5
_condition = threading.Condition()
_due: list[tuple[float, int, int, int]] = []  # (monotonic time due, order, organisation id, delivery id)
_order = itertools.count()
_threads: list[threading.Thread] = []
_busy_database: dict[int, int] = {}  # delivery id -> tries that met a busy database
_request = threading.local()  # the deliveries handed over during the current request of this thread


def request_started(**kwargs) -> None:
    _request.held = []


def request_finished(**kwargs) -> None:
    """The response is sent: its deliveries go to the sending threads."""
    held, _request.held = getattr(_request, "held", None), None
    for organisation_id, delivery_id in held or ():
        submit(organisation_id, delivery_id)


def submit(organisation_id: int, delivery_id: int, *, delay: float = 0.0) -> None:
    """Send the delivery on a background thread, ``delay`` seconds from now (after the current
    request's response, when called during one)."""
    held = getattr(_request, "held", None)
    if held is not None and not delay:
        held.append((organisation_id, delivery_id))
        return
    with _condition:
        heapq.heappush(_due, (time.monotonic() + max(0.0, delay), next(_order), organisation_id, delivery_id))
        while len(_threads) < THREADS:
            thread = threading.Thread(target=_serve, name=f"maillon-webhooks-{len(_threads) + 1}", daemon=True)
            _threads.append(thread)
            thread.start()
        _condition.notify()


def _next() -> tuple[int, int]:
    with _condition:
        while True:
            wait = _due[0][0] - time.monotonic() if _due else None
            if wait is not None and wait <= 0:
                _when, _n, organisation_id, delivery_id = heapq.heappop(_due)
                return organisation_id, delivery_id
            _condition.wait(timeout=wait)


def _serve() -> None:
    while True:
        organisation_id, delivery_id = _next()
        try:
            _send(organisation_id, delivery_id)
            _busy_database.pop(delivery_id, None)
        except OperationalError:
            # SQLite answers "locked" while another connection writes: try again shortly, a few times.
            tries = _busy_database[delivery_id] = _busy_database.get(delivery_id, 0) + 1
            if tries <= DATABASE_RETRIES:
                submit(organisation_id, delivery_id, delay=DATABASE_RETRY_SECONDS)
            else:
                _busy_database.pop(delivery_id, None)
                logger.exception("webhooks: in-process delivery %s left to the retry dispatcher", delivery_id)
        except Exception:  # a thread that dies would silently stop every later delivery
            logger.exception("webhooks: in-process delivery %s failed", delivery_id)
        finally:
            connections.close_all()


def _send(organisation_id: int, delivery_id: int) -> None:
    organisation = Organisation.objects.filter(pk=organisation_id, deleted_at__isnull=True).first()
    if organisation is None:
        return
    status = sender.deliver(organisation, delivery_id)
    if status not in ("failed", sender.DEFERRED):
        return
    with organisation_context(organisation):
        due = WebhookDelivery.objects.filter(pk=delivery_id).values_list("next_attempt_at", flat=True).first()
    if due is not None:
        submit(organisation_id, delivery_id, delay=(due - timezone.now()).total_seconds())
