"""One organisation cannot stall the others through its webhooks (hardening, point 3).

Bounded attempts against receivers that never answer or trickle their answer, a delivery whose
attempts never finish ends ``dead``, per-organisation caps on deliveries in flight, on attempts per
minute and on test events, and the circuit breaker of an endpoint that keeps failing. The
noisy-neighbour test on real workers is ``test_noisy_neighbour.py``."""

import socket
import threading
import time
from datetime import timedelta

import httpx
import pytest
import time_machine
from django.utils import timezone

from compliance.models import WebhookDelivery, WebhookEndpoint
from compliance.monitoring.webhooks import delivery as sender
from compliance.monitoring.webhooks import events
from hds_platform.models import OutboxMessage
from tests.compliance.monitoring.alerting import emit_raw, make_endpoint

PUBLIC_IP = "93.184.215.14"


@pytest.fixture
def bounded(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    settings.WEBHOOK_DEADLINE_SECONDS = 1.0


@pytest.fixture
def frozen_now():
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        yield traveller


def _slow_receiver(behaviour):
    """A TCP server on a free local port whose every connection runs ``behaviour(connection)``."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        server.settimeout(0.05)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=behaviour, args=(connection, stop), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{server.getsockname()[1]}/hook", lambda: (stop.set(), server.close())


def _never_answers(connection, stop):
    connection.recv(65536)
    stop.wait(30)
    connection.close()


def _trickles(connection, stop):
    connection.recv(65536)
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    while not stop.is_set():
        try:
            connection.sendall(b"x")
        except OSError:
            break
        time.sleep(0.05)  # each byte well inside the read timeout: only the deadline stops it
    connection.close()


def _ping(tenant, endpoint):
    with tenant.context():
        return WebhookDelivery.objects.create(endpoint=endpoint, event=events.TEST_PING,
                                              event_id="00000000-0000-0000-0000-000000000001", payload={})


def _pending(tenant, endpoint):
    with tenant.context():
        [delivery] = emit_raw(tenant.organisation, events.CONFORMITY_CHANGED, {"n": 1})
    return delivery


@pytest.mark.parametrize(("behaviour", "error"), [
    (_never_answers, "ReadTimeout"),
    (_trickles, "timeout: no complete answer within 1 s"),
])
def test_an_attempt_to_a_slow_receiver_fails_within_its_deadline_and_is_recorded(
    tenant, local_network, bounded, behaviour, error,
):
    url, stop = _slow_receiver(behaviour)
    try:
        with tenant.context():
            endpoint = make_endpoint(url)
        delivery = _pending(tenant, endpoint)
        started = time.monotonic()
        assert sender.deliver(tenant.organisation, delivery.pk) == "failed"
        elapsed = time.monotonic() - started
    finally:
        stop()
    assert elapsed < 2.5
    with tenant.context():
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.claimed_at) == ("failed", 1, None)
    assert delivery.last_error.startswith(error), delivery.last_error


def test_a_delivery_whose_attempts_never_finish_ends_dead_instead_of_being_resent_forever(tenant, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    with tenant.context():
        endpoint = make_endpoint(f"https://{PUBLIC_IP}/h")
    delivery = _pending(tenant, endpoint)
    # Its last allowed attempt was claimed by a worker that was killed (the claim went stale).
    WebhookDelivery.all_organisations.filter(pk=delivery.pk).update(
        status="delivering", attempts=3, claimed_at=timezone.now() - sender.claim_timeout() - timedelta(seconds=1))
    calls = []
    transport = httpx.MockTransport(lambda request: calls.append(request) or httpx.Response(200))
    assert sender.deliver(tenant.organisation, delivery.pk, transport=transport) == "dead"
    with tenant.context():
        delivery.refresh_from_db()
    assert (calls, delivery.attempts, delivery.last_error) == ([], 4, "abandoned: earlier attempts never finished")


def test_an_organisation_at_its_in_flight_cap_waits_and_frees_the_worker_while_others_send(
    tenant, other_tenant, settings, django_capture_on_commit_callbacks,
):
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ORGANISATION = 2
    with tenant.context():
        endpoint = make_endpoint(f"https://{PUBLIC_IP}/busy")
    with other_tenant.context():
        neighbour = make_endpoint(f"https://{PUBLIC_IP}/quiet")
    busy = [_pending(tenant, endpoint) for _ in range(3)]
    WebhookDelivery.all_organisations.filter(pk__in=[busy[0].pk, busy[1].pk]).update(
        status="delivering", claimed_at=timezone.now(), attempts=1)
    before = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first()
    calls = []
    transport = httpx.MockTransport(lambda request: calls.append(request.url.path) or httpx.Response(200))

    assert sender.deliver(tenant.organisation, busy[2].pk, transport=transport) == "deferred"
    assert sender.deliver(other_tenant.organisation, _pending(other_tenant, neighbour).pk,
                          transport=transport) == "succeeded"

    assert calls == ["/quiet"]
    with tenant.context():
        busy[2].refresh_from_db()
    assert (busy[2].status, busy[2].attempts) == ("pending", 0)
    [later] = OutboxMessage.objects.filter(pk__gt=before, task_name="compliance.monitoring.tasks.deliver_webhook",
                                           dispatched_at__isnull=True, available_at__gt=timezone.now())
    assert later.args == [tenant.organisation.pk, busy[2].pk]
    assert sender.DEFER_SECONDS - 1 < (later.available_at - timezone.now()).total_seconds() <= sender.DEFER_SECONDS


def test_an_organisation_over_its_attempts_per_minute_waits(tenant, settings):
    settings.WEBHOOK_ATTEMPTS_PER_MINUTE_PER_ORGANISATION = 3
    with tenant.context():
        endpoint = make_endpoint(f"https://{PUBLIC_IP}/h")
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    answers = [sender.deliver(tenant.organisation, _pending(tenant, endpoint).pk, transport=transport)
               for _ in range(4)]
    assert answers == ["succeeded", "succeeded", "succeeded", "deferred"]


def test_test_events_are_capped_per_organisation_and_minute(tenant, client_for, settings, frozen_now):
    settings.WEBHOOK_TEST_EVENTS_PER_MINUTE = 2
    with tenant.context():
        endpoint = make_endpoint(f"https://{PUBLIC_IP}/h")
    client = client_for(user=tenant.owner)
    url = f"/api/v1/orgs/{tenant.organisation.slug}/webhooks/{endpoint.pk}/test/"
    answers = [client.post(url) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [202, 202, 429]
    assert (answers[2].json()["code"], answers[2]["Retry-After"]) == ("webhook_test_rate_limited", "60")
    with tenant.context():
        assert WebhookDelivery.objects.filter(event=events.TEST_PING).count() == 2
    frozen_now.shift(timedelta(seconds=61))
    assert client.post(url).status_code == 202


def test_the_circuit_opens_after_failures_in_a_row_lets_a_test_event_through_and_closes_on_success(
    tenant, settings,
):
    settings.WEBHOOK_CIRCUIT_FAILURES = 3
    settings.WEBHOOK_CIRCUIT_OPEN_SECONDS = 300
    with tenant.context():
        endpoint = make_endpoint(f"https://{PUBLIC_IP}/h")
    answer = {"status": 500}
    calls = []
    transport = httpx.MockTransport(lambda request: calls.append(1) or httpx.Response(answer["status"]))

    assert [sender.deliver(tenant.organisation, _pending(tenant, endpoint).pk, transport=transport)
            for _ in range(4)] == ["failed", "failed", "failed", "deferred"]
    assert len(calls) == 3
    with tenant.context():
        endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 3
    assert 299 <= (endpoint.circuit_open_until - timezone.now()).total_seconds() <= 300

    answer["status"] = 204  # the receiver is repaired; an administrator sends a test event
    assert sender.deliver(tenant.organisation, _ping(tenant, endpoint).pk, transport=transport) == "succeeded"
    with tenant.context():
        endpoint = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert (endpoint.consecutive_failures, endpoint.circuit_open_until, len(calls)) == (0, None, 4)
