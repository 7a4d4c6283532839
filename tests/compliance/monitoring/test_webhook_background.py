"""On the embedded default (tasks in-process) a delivery never holds up the request that caused it:
a background thread sends it after the commit, and retries it after a failure."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import OperationalError

from compliance.models import WebhookDelivery
from compliance.monitoring.webhooks import catalogue
from tests.compliance.monitoring.alerting import make_endpoint

pytestmark = pytest.mark.django_db(transaction=True)  # the sending thread reads what the request committed


@pytest.fixture
def in_background(settings, local_network):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.WEBHOOK_INPROCESS_SENDER = "thread"
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 1
    yield
    # The sending thread records the outcome a moment after the status the test waited for: let it
    # finish before the database is emptied for the next test (SQLite in memory locks its tables).
    time.sleep(0.5)


@pytest.fixture
def slow_receiver():
    """Answers after ``delay`` seconds with the next of ``statuses`` (the last one repeats)."""
    state = {"delay": 3.0, "statuses": [204], "received": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state["received"].append(time.monotonic())
            time.sleep(state["delay"])
            statuses = state["statuses"]
            self.send_response(statuses.pop(0) if len(statuses) > 1 else statuses[0])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    yield state
    server.shutdown()
    server.server_close()


def _wait_for(tenant, status, timeout, *, requests=None, receiver=None):
    """The delivery once it reached ``status``; the database is read only once the receiver got
    ``requests`` requests (each read of an in-memory SQLite database blocks the sender's writes)."""
    deadline = time.monotonic() + timeout
    while receiver is not None and len(receiver["received"]) < requests and time.monotonic() < deadline:
        time.sleep(0.05)
    while time.monotonic() < deadline:
        try:
            with tenant.context():
                delivery = WebhookDelivery.objects.first()
        except OperationalError:  # the test database is SQLite in memory: a writer locks its tables
            delivery = None
        if delivery is not None and delivery.status == status:
            return delivery
        time.sleep(0.25)
    pytest.fail(f"no delivery reached {status!r} within {timeout} s")


def test_a_write_answers_at_once_while_a_slow_receiver_takes_three_seconds(tenant, client_for, in_background,
                                                                          slow_receiver):
    client = client_for(token=tenant.token())
    # The first write of a test process imports the modules it needs (a second or more on a busy
    # machine): warm up with one before any endpoint exists, so that the time measured is the write's.
    warm_up = client.post(f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/", {"name": "Zéro", "country": "FR"})
    assert warm_up.status_code == 201
    with tenant.context():
        make_endpoint(slow_receiver["url"], [catalogue.SUPPLIER_CREATED], version="2026-12-01")
    started = time.monotonic()
    response = client.post(f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/", {"name": "Alpha", "country": "FR"})
    elapsed = time.monotonic() - started
    assert response.status_code == 201
    assert elapsed < 1.0, f"the write waited {elapsed:.2f} s for the receiver"
    delivery = _wait_for(tenant, "succeeded", timeout=10, requests=1, receiver=slow_receiver)
    assert (delivery.attempts, len(slow_receiver["received"])) == (1, 1)
    assert delivery.payload["data"]["supplier"]["name"] == "Alpha"


def test_a_failed_delivery_is_retried_in_the_background_until_it_succeeds(tenant, client_for, in_background,
                                                                          slow_receiver):
    slow_receiver["delay"] = 0.0
    slow_receiver["statuses"] = [503, 503, 204]
    with tenant.context():
        make_endpoint(slow_receiver["url"], [catalogue.SUPPLIER_CREATED], version="2026-12-01")
    response = client_for(token=tenant.token()).post(f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/",
                                                     {"name": "Bravo", "country": "FR"})
    assert response.status_code == 201
    delivery = _wait_for(tenant, "succeeded", timeout=15, requests=3, receiver=slow_receiver)
    first, second, third = slow_receiver["received"]
    assert delivery.attempts == 3
    # Backoff of 1 s, then 2 s (WEBHOOK_BACKOFF_BASE_SECONDS doubled), less the clock's rounding.
    assert (second - first >= 0.9, third - second >= 1.9) == (True, True)
