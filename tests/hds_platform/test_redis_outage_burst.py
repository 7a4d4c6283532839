"""Writes never depend on Redis, proven on a real worker and a real Redis (hardening, point 2).

A burst of 30 API writes (renaming suppliers: each reads the registry's names through the Redis
cache and enqueues the re-evaluation of its processing through the outbox). In the middle of it
the worker is stopped, so that 5 messages sit in Redis; then Redis itself is stopped, which loses
them (it keeps nothing on disk), and the last 15 writes happen with no Redis at all.

Every write answers 2xx. After the restart the relay sends the 15 messages never sent; the 5 the
broker lost are sent and never acknowledged, which ``/health/`` reports until ``outbox_resend``
sends them again. In the end each of the 30 follow-ups ran exactly once: its outbox row was
acknowledged by the worker with ``completions == 1``.

The Redis here is this test's own server on a free port (tests/realworker.py), never the shared one.
"""

from io import StringIO

import pytest
from django.core.management import call_command

from hds_platform import outbox
from hds_platform.models import OutboxMessage
from tests.compliance import builders
from tests.realworker import Worker, broker, needs_real_services, wait_until

pytestmark = [needs_real_services, pytest.mark.celery_worker, pytest.mark.postgres]

WRITES = 30
WORKER_STOPS_AT, REDIS_STOPS_AT = 10, 15
EVALUATE = "compliance.tasks.evaluate_processings_task"


def _linked_suppliers(tenant, count):
    """Suppliers each linked to its own processing; built in-process (eager) before the worker starts."""
    builders.registry_host("Nuage Souverain", "HDS-1")
    suppliers = []
    with tenant.context():
        for number in range(count):
            supplier = builders.supplier(f"Fournisseur {number}")
            builders.link(builders.processing(f"Traitement {number}"), supplier)
            suppliers.append(supplier)
    return suppliers


def test_a_redis_outage_in_a_write_burst_loses_no_write_and_runs_each_follow_up_once(
    transactional_db, tenant, redis_server, client_for, settings,
):
    suppliers = _linked_suppliers(tenant, WRITES)
    settings.REDIS_URL = redis_server.url
    settings.CACHES = {"default": {"BACKEND": "hds_platform.cache.ResilientRedisCache",
                                   "LOCATION": redis_server.url,
                                   "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    settings.OUTBOX_ACK_TIMEOUT_SECONDS = 1
    before = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0
    client = client_for(user=tenant.owner)
    base = f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/"
    statuses = []

    with broker(redis_server.url):
        worker = Worker(redis_server.url)
        worker.start()
        try:
            for number, supplier in enumerate(suppliers):
                if number == WORKER_STOPS_AT:
                    wait_until(lambda: OutboxMessage.objects.filter(
                        id__gt=before, acknowledged_at__isnull=False).count() == WORKER_STOPS_AT, timeout=90)
                    worker.stop()
                if number == REDIS_STOPS_AT:
                    redis_server.stop()
                response = client.patch(f"{base}{supplier.pk}/", {"name": f"Nuage Souverain {number}"},
                                        format="json")
                statuses.append(response.status_code)

            burst = OutboxMessage.objects.filter(id__gt=before, task_name=EVALUATE)
            assert statuses == [200] * WRITES
            assert burst.count() == WRITES
            assert burst.filter(dispatched_at__isnull=True).count() == WRITES - REDIS_STOPS_AT

            redis_server.start()  # empty: the 5 messages it held are gone
            worker = Worker(redis_server.url)
            worker.start()
            assert outbox.relay_pending(ignore_backoff=True) == WRITES - REDIS_STOPS_AT
            wait_until(lambda: burst.filter(acknowledged_at__isnull=False).count() == WRITES - 5, timeout=120)
            lost = REDIS_STOPS_AT - WORKER_STOPS_AT
            wait_until(lambda: outbox.backlog().unacknowledged == lost, timeout=10)
            health = client.get("/health/")
            assert (health.status_code, health.json()["outbox"], health.json()["outbox_unacknowledged"]) == (
                503, "lost", lost)

            out = StringIO()
            call_command("outbox_resend", stdout=out)
            assert out.getvalue() == f"{lost} message(s) made pending again, {lost} sent\n"
            wait_until(lambda: burst.filter(acknowledged_at__isnull=False).count() == WRITES, timeout=120)
            health = client.get("/health/")
            assert (health.status_code, health.json()["outbox"]) == (200, "ok"), health.json()
        finally:
            worker.stop()

    assert sorted(burst.values_list("completions", flat=True)) == [1] * WRITES
    assert sorted(args[1][0] for args in burst.values_list("args", flat=True)) == sorted(
        link_processing for link_processing in _processing_ids(tenant))


def _processing_ids(tenant):
    from compliance.models import Processing

    with tenant.context():
        return list(Processing.objects.values_list("id", flat=True))
