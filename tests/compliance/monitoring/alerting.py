"""Fixtures of the alert, webhook and digest tests (a pytest plugin, see ``tests/conftest.py``).

``receiver`` is a real HTTP server on a free local port that records what it is sent, for the
webhook tests, including those where the sender is a real worker process. The end of the module
registers how to make one object of each of these models for the cross-tenant probe
(``tests/tenant_objects.py``).
"""

from __future__ import annotations

import itertools
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from compliance.models import Alert, Supplier, WebhookDelivery, WebhookEndpoint, WebhookEvent
from compliance.monitoring import alerts, digests
from compliance.monitoring.webhooks import catalogue, events, services, signing
from hds_platform.audit import Actor
from tests.tenant_objects import PATH_PARAMETERS, tenant_object


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    status: int = 204

    def verify(self, secret: str, request: Received) -> int:
        return signing.verify_signature(secret, request.headers[signing.SIGNATURE_HEADER], request.body)


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/maillon")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                state.requests.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server.RequestHandlerClass = Handler
    # shutdown() waits for the serving loop's next poll: half a second at the default interval.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def make_endpoint(url: str, subscribed=None, *, version=catalogue.LEGACY, **fields) -> WebhookEndpoint:
    """An endpoint written directly (call inside the organisation's context): the URL guard is tested
    through the service and the API; here the URL is a local receiver. By default an endpoint made
    before payload versions (``legacy``), subscribed to all it may: the existing subscriptions."""
    subscribed = catalogue.subscribable(version) if subscribed is None else subscribed
    return WebhookEndpoint.objects.create(url=url, events=list(subscribed), secret=signing.new_secret(),
                                          version=version, **fields)


def emit_raw(organisation, event: str, data: dict) -> list[WebhookDelivery]:
    """Deliveries of ``event`` with ``data`` as given to every active endpoint subscribed, recorded and
    enqueued as emitting does (call inside the organisation's context): for the tests of sending,
    which do not depend on a payload builder."""
    event_id = uuid.uuid4()
    deliveries = [
        WebhookDelivery(organisation=organisation, endpoint=endpoint, event=event, event_id=event_id,
                        payload=events.envelope(organisation, event, event_id, data, version=endpoint.version))
        for endpoint in WebhookEndpoint.objects.filter(is_active=True).order_by("id") if event in endpoint.events
    ]
    return events.enqueue_deliveries(organisation, deliveries)


# Objects of every alert, webhook and preference model for the cross-tenant probe -----------------

_serial = itertools.count(1)


@tenant_object("compliance.Alert")
def _probe_alert(tenant):
    with tenant.context():
        return alerts.raise_alerts(tenant.organisation, [Alert(
            kind="certificate_expiring", severity="warning", dedupe_key=f"probe:{next(_serial)}", threshold=30,
            data={"certificate": {"kind_label": "HDS", "number": "PROBE"}, "expires_on": "2027-01-01",
                  "threshold": 30})])[0]


@tenant_object("compliance.WebhookEndpoint")
def _probe_endpoint(tenant):
    with tenant.context():
        return services.webhook_endpoint_create(actor=Actor.for_user(tenant.owner),
                                                url=f"https://93.184.215.14/probe/{next(_serial)}",
                                                events=[events.CONFORMITY_CHANGED])


@tenant_object("compliance.WebhookDelivery")
def _probe_delivery(tenant):
    endpoint = _probe_endpoint(tenant)
    with tenant.context():
        return services.webhook_send_test(endpoint=endpoint, actor=Actor.for_user(tenant.owner))


@tenant_object("compliance.WebhookEvent")
def _probe_event(tenant):
    with tenant.context():
        supplier = Supplier.objects.create(name=f"Sonde {next(_serial)}", country="FR")
        events.emit(tenant.organisation, catalogue.SUPPLIER_CREATED, supplier=supplier)
        return WebhookEvent.objects.order_by("-id").first()


PATH_PARAMETERS["delivery_pk"] = ("compliance.WebhookDelivery", "id")


@tenant_object("compliance.NotificationPreference")
def _probe_preference(tenant):
    # The owner's own preference: the probe adds no member, so membership counts stay those of the triad.
    with tenant.context():
        return digests.notification_preference_update(user=tenant.owner, actor=Actor.for_user(tenant.owner),
                                                             digest="weekly")
