from datetime import timedelta
from io import StringIO
from ipaddress import ip_network

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hds_platform.models import OutboxMessage
from tests.hds_platform.test_outbox import outbox_probe
from tests.realworker import needs_real_services

HEALTHY_IN_PROCESS = {"status": "ok", "database": "ok", "redis": "not_configured", "worker": "in_process",
                      "outbox": "ok", "outbox_pending": 0, "outbox_oldest_pending_seconds": None,
                      "outbox_unacknowledged": 0}


def test_health_in_the_embedded_default(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == HEALTHY_IN_PROCESS


def test_an_anonymous_caller_from_outside_gets_liveness_without_a_query(client, db, settings):
    settings.HEALTH_CHECK_TOKEN = "health-secret-of-the-operator"
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/health/", REMOTE_ADDR="203.0.113.9")
    assert (response.status_code, response.json(), len(queries)) == (200, {"status": "ok"}, 0)
    wrong = client.get("/health/", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer not-the-token")
    assert wrong.json() == {"status": "ok"}


def test_the_deep_check_answers_the_token_or_the_internal_network(client, db, settings):
    settings.REDIS_URL = ""
    settings.HEALTH_CHECK_TOKEN = "health-secret-of-the-operator"
    by_token = client.get("/health/", REMOTE_ADDR="203.0.113.9",
                          HTTP_AUTHORIZATION="bearer health-secret-of-the-operator")
    assert by_token.json() == HEALTHY_IN_PROCESS
    settings.HEALTH_INTERNAL_NETWORKS = [ip_network("10.0.0.0/8")]
    assert client.get("/health/", REMOTE_ADDR="10.1.2.3").json() == HEALTHY_IN_PROCESS
    assert client.get("/health/", REMOTE_ADDR="127.0.0.1").json() == {"status": "ok"}


def test_work_waiting_unsent_too_long_turns_health_red(client, db, settings):
    settings.REDIS_URL = ""
    settings.OUTBOX_STALE_SECONDS = 300
    OutboxMessage.objects.create(task_name="tests.outbox_probe", args=[1],
                                 available_at=timezone.now() - timedelta(seconds=200))
    # Enqueued for later (a deferred webhook): not late however long ago it was created.
    OutboxMessage.objects.create(task_name="tests.outbox_probe", args=[3], created_at=timezone.now() - timedelta(
        hours=1), available_at=timezone.now() + timedelta(seconds=60))
    assert client.get("/health/").json()["outbox"] == "ok"
    OutboxMessage.objects.create(task_name="tests.outbox_probe", args=[2],
                                 available_at=timezone.now() - timedelta(seconds=400))
    response = client.get("/health/")
    body = response.json()
    assert (response.status_code, body["status"], body["outbox"], body["outbox_pending"]) == (
        503, "degraded", "stale", 3)
    assert 400 <= body["outbox_oldest_pending_seconds"] < 460


def test_work_the_broker_lost_turns_health_red_until_it_is_resent(client, db, settings):
    settings.REDIS_URL = ""
    settings.OUTBOX_ACK_TIMEOUT_SECONDS = 600
    outbox_probe.calls.clear()
    long_ago = timezone.now() - timedelta(seconds=900)
    lost = OutboxMessage.objects.create(task_name="tests.outbox_probe", args=[9], created_at=long_ago,
                                        dispatched_at=long_ago, attempts=1)
    OutboxMessage.objects.create(task_name="tests.outbox_probe", args=[8], created_at=long_ago,
                                 dispatched_at=long_ago, acknowledged_at=long_ago, completions=1, attempts=1)
    OutboxMessage.objects.create(task_name="tests.outbox_probe", args=[7], dispatched_at=timezone.now(), attempts=1)
    response = client.get("/health/")
    assert (response.status_code, response.json()["outbox"], response.json()["outbox_unacknowledged"]) == (
        503, "lost", 1)

    out = StringIO()
    call_command("outbox_resend", stdout=out)
    assert out.getvalue() == "1 message(s) made pending again, 1 sent\n"
    lost.refresh_from_db()
    assert (outbox_probe.calls, lost.attempts, lost.completions, lost.acknowledged_at is not None) == ([9], 2, 1, True)
    assert client.get("/health/").json() == HEALTHY_IN_PROCESS | {"outbox_pending": 0}


@needs_real_services
def test_health_reports_redis_and_worker(client, transactional_db, settings, redis_server, real_worker):
    settings.REDIS_URL = redis_server.url
    response = client.get("/health/")
    assert response.json() == HEALTHY_IN_PROCESS | {"redis": "ok", "worker": "ok"}
    real_worker.stop()
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["worker"] == "down"
    redis_server.stop()
    response = client.get("/health/")
    assert (response.status_code, response.json()["redis"], response.json()["worker"]) == (503, "down", "unknown")
