"""Webhooks: endpoints through the API, signed deliveries, claims, retries with backoff, dead letters."""

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine

from compliance.models import WebhookDelivery, WebhookEndpoint
from compliance.monitoring.tasks import deliver_webhook, webhook_retry, webhook_retry_dispatch
from compliance.monitoring.webhooks import delivery as sender
from compliance.monitoring.webhooks import events, signing, urlguard
from hds_platform.models import AuditEvent, OutboxMessage
from tests.compliance import builders
from tests.compliance.monitoring.alerting import emit_raw, make_endpoint

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
PUBLIC_IP = "93.184.215.14"


def _url(organisation, suffix=""):
    return f"/api/v1/orgs/{organisation.slug}/webhooks/{suffix}"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _pending(tenant, endpoint, event=events.CONFORMITY_CHANGED, data=None):
    """Emit ``event`` and return its delivery to ``endpoint``."""
    with tenant.context():
        deliveries = emit_raw(tenant.organisation, event, data or {"n": 1})
    [delivery] = [d for d in deliveries if d.endpoint_id == endpoint.pk]
    return delivery


# Endpoints through the API ---------------------------------------------------------------------


def test_an_admin_creates_an_endpoint_and_sees_its_secret_once(tenant, client_for):
    client = client_for(user=tenant.members["admin"])
    response = client.post(_url(tenant.organisation), {
        "url": f"https://{PUBLIC_IP}/maillon", "description": "Logiciel métier",
        "events": ["evidence.uploaded", "conformity.changed", "conformity.changed"],
    })
    assert response.status_code == 201
    body = response.json()
    endpoint = WebhookEndpoint.all_organisations.get()
    assert body == {
        "id": endpoint.pk, "url": f"https://{PUBLIC_IP}/maillon", "description": "Logiciel métier",
        "events": ["conformity.changed", "evidence.uploaded"], "version": "2026-12-01", "is_active": True,
        "created_at": body["created_at"], "updated_at": body["updated_at"], "secret": endpoint.secret,
        "consecutive_failures": 0, "circuit_open_until": None,
    }
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    listed = client.get(_url(tenant.organisation)).json()["results"]
    assert [sorted(item) for item in listed] == [
        ["circuit_open_until", "consecutive_failures", "created_at", "description", "events", "id", "is_active",
         "updated_at", "url", "version"]]
    assert "secret" not in client.get(_url(tenant.organisation, f"{endpoint.pk}/")).json()
    with tenant.context():
        event = AuditEvent.objects.get(action="webhook.created")
        assert event.changes == {"url": f"https://{PUBLIC_IP}/maillon",
                                 "events": ["conformity.changed", "evidence.uploaded"], "is_active": True,
                                 "version": "2026-12-01"}
        assert endpoint.secret not in json.dumps(event.changes)


@pytest.mark.parametrize(("url", "code"), [
    (f"http://{PUBLIC_IP}/hook", "webhook_https_required"),
    ("https://127.0.0.1/hook", "webhook_private_address"),
    ("https://10.1.2.3/hook", "webhook_private_address"),
    ("https://169.254.169.254/latest/meta-data", "webhook_private_address"),
    ("https://[::1]/hook", "webhook_private_address"),
    ("https://100.64.0.1/hook", "webhook_private_address"),
    (f"https://user:secret@{PUBLIC_IP}/hook", "webhook_url_invalid"),
    # The probe's IPv6 forms wrapping private IPv4 addresses, and a port other than 443.
    ("https://[64:ff9b::a9fe:a9fe]/latest/meta-data", "webhook_private_address"),
    ("https://[2002:7f00:1::]/hook", "webhook_private_address"),
    ("https://[::7f00:1]/hook", "webhook_private_address"),
    ("https://[::ffff:10.0.0.1]/hook", "webhook_private_address"),
    ("https://[fd00::1]/hook", "webhook_private_address"),
    ("https://[64:ff9b::a9fe:a9fe]:8443/hook", "webhook_port_not_allowed"),
    (f"https://{PUBLIC_IP}:8443/hook", "webhook_port_not_allowed"),
])
def test_unsafe_urls_are_refused_with_the_guards_code_and_nothing_is_created(tenant, client_for, url, code):
    response = client_for(user=tenant.owner).post(_url(tenant.organisation), {"url": url,
                                                                              "events": ["conformity.changed"]})
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], list(body["errors"]), body["errors"]["url"][0]["code"]) == (code, ["url"], code)
    assert WebhookEndpoint.all_organisations.count() == 0
    assert not AuditEvent.all_organisations.filter(action__startswith="webhook.").exists()


def test_private_addresses_are_accepted_only_when_the_setting_allows_them(tenant, client_for, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_EXTRA_PORTS = frozenset({8123})
    response = client_for(user=tenant.owner).post(_url(tenant.organisation), {
        "url": "http://127.0.0.1:8123/hook", "events": ["conformity.changed"]})
    assert response.status_code == 201


@pytest.mark.parametrize(("subscribed", "code"), [
    (["conformity.changed", "nope"], "webhook_event_unknown"),
    ([], "webhook_events_required"),
])
def test_events_must_be_among_the_five(tenant, client_for, subscribed, code):
    response = client_for(user=tenant.owner).post(_url(tenant.organisation), {
        "url": f"https://{PUBLIC_IP}/h", "events": subscribed})
    assert (response.status_code, response.json()["code"], response.json()["errors"]["events"][0]["code"]) == (
        400, code, code)


@pytest.mark.parametrize("who", ["editor", "viewer", "auditor", "read_token"])
def test_only_webhook_managers_see_or_change_endpoints(tenant, client_for, who):
    with tenant.context():
        endpoint = make_endpoint(f"https://{PUBLIC_IP}/h")
    client = client_for(token=tenant.token(scope="read")) if who == "read_token" else client_for(
        user=tenant.members[who])
    for method, suffix, data in (
        ("get", "", None), ("post", "", {"url": f"https://{PUBLIC_IP}/x", "events": ["conformity.changed"]}),
        ("get", f"{endpoint.pk}/", None), ("patch", f"{endpoint.pk}/", {"is_active": False}),
        ("delete", f"{endpoint.pk}/", None), ("get", f"{endpoint.pk}/deliveries/", None),
        ("post", f"{endpoint.pk}/test/", None),
    ):
        response = getattr(client, method)(_url(tenant.organisation, suffix), data)
        assert (method, suffix, response.status_code) == (method, suffix, 403)
    with tenant.context():
        assert list(WebhookEndpoint.objects.values_list("pk", "is_active")) == [(endpoint.pk, True)]
        assert WebhookDelivery.objects.count() == 0


def test_a_read_write_token_manages_endpoints_and_an_outsider_finds_nothing(tenant, other_tenant, client_for):
    token_client = client_for(token=tenant.token(scope="read-write"))
    created = token_client.post(_url(tenant.organisation), {"url": f"https://{PUBLIC_IP}/h",
                                                            "events": ["certificate.expired"]})
    assert created.status_code == 201
    endpoint_id = created.json()["id"]
    outsider = client_for(user=other_tenant.owner)
    assert outsider.get(_url(tenant.organisation)).status_code == 404
    assert outsider.delete(_url(other_tenant.organisation, f"{endpoint_id}/")).status_code == 404
    assert outsider.post(_url(other_tenant.organisation, f"{endpoint_id}/test/")).status_code == 404
    assert WebhookEndpoint.all_organisations.filter(pk=endpoint_id).exists()


def test_updating_checks_the_new_url_and_events(tenant, client_for):
    client = client_for(user=tenant.owner)
    with tenant.context():
        endpoint = make_endpoint(f"https://{PUBLIC_IP}/h", [events.CONFORMITY_CHANGED])
    refused = client.patch(_url(tenant.organisation, f"{endpoint.pk}/"), {"url": "https://192.168.1.10/h"})
    assert (refused.status_code, refused.json()["code"]) == (400, "webhook_private_address")
    changed = client.patch(_url(tenant.organisation, f"{endpoint.pk}/"),
                           {"events": ["certificate.expired", "certificate.expiring"], "is_active": False})
    assert changed.status_code == 200
    assert (changed.json()["events"], changed.json()["is_active"], changed.json()["url"]) == (
        ["certificate.expiring", "certificate.expired"], False, f"https://{PUBLIC_IP}/h")
    with tenant.context():
        assert AuditEvent.objects.get(action="webhook.updated").changes == {
            "events": [["conformity.changed"], ["certificate.expiring", "certificate.expired"]],
            "is_active": [True, False]}


def test_deleting_an_endpoint_deletes_its_log(tenant, client_for):
    with tenant.context():
        endpoint = make_endpoint(f"https://{PUBLIC_IP}/h")
    _pending(tenant, endpoint)
    response = client_for(user=tenant.owner).delete(_url(tenant.organisation, f"{endpoint.pk}/"))
    assert response.status_code == 204
    with tenant.context():
        assert (WebhookEndpoint.objects.count(), WebhookDelivery.objects.count()) == (0, 0)
        assert AuditEvent.objects.get(action="webhook.deleted").target_id == str(endpoint.pk)


def test_the_delivery_log_is_paginated_newest_first_and_filtered_by_status(tenant, client_for):
    with tenant.context():
        endpoint = make_endpoint(f"https://{PUBLIC_IP}/h")
        other = make_endpoint(f"https://{PUBLIC_IP}/other")
    first = _pending(tenant, endpoint)
    WebhookDelivery.all_organisations.filter(pk=first.pk).update(status="dead", created_at=NOW - timedelta(hours=1))
    second = _pending(tenant, endpoint, events.EVIDENCE_UPLOADED, {"evidence": {"id": 4}})
    client = client_for(user=tenant.owner)

    body = client.get(_url(tenant.organisation, f"{endpoint.pk}/deliveries/")).json()
    assert (body["count"], [d["id"] for d in body["results"]]) == (2, [second.pk, first.pk])
    assert body["results"][0] | {"created_at": None, "next_attempt_at": None} == {
        "id": second.pk, "event": "evidence.uploaded", "event_id": str(second.event_id), "status": "pending",
        "attempts": 0, "next_attempt_at": None, "last_response_status": None, "last_error": "",
        "delivered_at": None, "created_at": None, "payload": second.payload,
    }
    dead = client.get(_url(tenant.organisation, f"{endpoint.pk}/deliveries/"), {"status": "dead"}).json()
    assert [d["id"] for d in dead["results"]] == [first.pk]
    invalid = client.get(_url(tenant.organisation, f"{endpoint.pk}/deliveries/"), {"status": "lost"})
    assert (invalid.status_code, invalid.json()["code"]) == (400, "invalid")
    others = client.get(_url(tenant.organisation, f"{other.pk}/deliveries/")).json()["results"]
    assert [d["event"] for d in others] == ["evidence.uploaded", "conformity.changed"]
    assert {d["id"] for d in others}.isdisjoint({first.pk, second.pk})


def test_send_test_event_delivers_a_signed_ping_at_once(tenant, client_for, receiver, local_network,
                                                        django_capture_on_commit_callbacks):
    with tenant.context():
        endpoint = make_endpoint(receiver.url, [events.CERTIFICATE_EXPIRED])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user=tenant.owner).post(_url(tenant.organisation, f"{endpoint.pk}/test/"))
    assert response.status_code == 202
    assert (response.json()["event"], response.json()["status"]) == ("test.ping", "pending")
    [request] = receiver.requests
    receiver.verify(endpoint.secret, request)
    assert json.loads(request.body)["data"] == {"endpoint": endpoint.pk}
    assert request.headers["Maillon-Event"] == "test.ping"
    with tenant.context():
        assert WebhookDelivery.objects.get().status == "succeeded"
        assert AuditEvent.objects.get(action="webhook.test_sent").changes == {"delivery": response.json()["id"]}


def test_a_disabled_endpoint_cannot_be_tested(tenant, client_for):
    with tenant.context():
        endpoint = make_endpoint(f"https://{PUBLIC_IP}/h", is_active=False)
    response = client_for(user=tenant.owner).post(_url(tenant.organisation, f"{endpoint.pk}/test/"))
    assert (response.status_code, response.json()["code"]) == (409, "webhook_inactive")
    assert WebhookDelivery.all_organisations.count() == 0


# Sending ---------------------------------------------------------------------------------------


def test_a_delivery_is_signed_and_sent_once_even_when_its_task_runs_twice(tenant, receiver, local_network, frozen):
    with tenant.context():
        endpoint = make_endpoint(receiver.url)
    delivery = _pending(tenant, endpoint, events.CONFORMITY_CHANGED, {"processing": {"id": 7, "name": "DPI"}})

    assert deliver_webhook(tenant.organisation.pk, delivery.pk) == "succeeded"
    assert deliver_webhook(tenant.organisation.pk, delivery.pk) is None

    [request] = receiver.requests
    assert request.path == "/hooks/maillon"
    assert {name: request.headers[name] for name in ("Content-Type", "User-Agent", "Maillon-Event",
                                                     "Maillon-Delivery")} == {
        "Content-Type": "application/json", "User-Agent": "Maillon-Webhooks/1.0",
        "Maillon-Event": "conformity.changed", "Maillon-Delivery": str(delivery.pk)}
    assert request.headers["Maillon-Signature"] == signing.signature_header(
        endpoint.secret, request.body, timestamp=int(NOW.timestamp()))
    assert receiver.verify(endpoint.secret, request) == int(NOW.timestamp())
    assert json.loads(request.body) == delivery.payload
    assert delivery.payload["data"] == {"processing": {"id": 7, "name": "DPI"}}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_status, delivery.delivered_at,
            delivery.next_attempt_at, delivery.claimed_at) == ("succeeded", 1, 204, NOW, None, None)


def test_failures_back_off_exponentially_then_the_delivery_is_dead(tenant, receiver, local_network, frozen, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 30
    receiver.status = 503
    with tenant.context():
        endpoint = make_endpoint(receiver.url)
    delivery = _pending(tenant, endpoint)
    seen = []
    for wait in (0, 30, 60):
        frozen.shift(timedelta(seconds=wait))
        status = deliver_webhook(tenant.organisation.pk, delivery.pk)
        delivery.refresh_from_db()
        seen.append((status, delivery.attempts, delivery.next_attempt_at, delivery.last_response_status))
        # Not due yet: a task arriving early sends nothing.
        assert deliver_webhook(tenant.organisation.pk, delivery.pk) is None
    assert seen == [
        ("failed", 1, NOW + timedelta(seconds=30), 503),
        ("failed", 2, NOW + timedelta(seconds=30 + 60), 503),
        ("dead", 3, None, 503),
    ]
    assert delivery.last_error == "HTTP 503: "
    assert len(receiver.requests) == 3


def test_a_failed_test_ping_is_not_retried(tenant, receiver, local_network):
    from compliance.monitoring.webhooks import services

    receiver.status = 500
    with tenant.context():
        endpoint = make_endpoint(receiver.url)
        ping = services.webhook_send_test(endpoint=endpoint, actor=builders.ACTOR)
    assert deliver_webhook(tenant.organisation.pk, ping.pk) == "dead"
    assert len(receiver.requests) == 1


def test_an_endpoint_disabled_after_the_event_receives_nothing(tenant, receiver, local_network):
    with tenant.context():
        endpoint = make_endpoint(receiver.url)
    delivery = _pending(tenant, endpoint)
    WebhookEndpoint.all_organisations.filter(pk=endpoint.pk).update(is_active=False)
    assert deliver_webhook(tenant.organisation.pk, delivery.pk) == "dead"
    delivery.refresh_from_db()
    assert (delivery.last_error, receiver.requests) == ("endpoint_inactive: the endpoint was disabled", [])


def test_redirects_are_not_followed(tenant, receiver, local_network):
    receiver.status = 302
    with tenant.context():
        endpoint = make_endpoint(receiver.url)
    delivery = _pending(tenant, endpoint)
    assert deliver_webhook(tenant.organisation.pk, delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.last_response_status, len(receiver.requests)) == (302, 1)


def test_a_host_that_now_resolves_to_a_private_address_is_not_called(tenant, monkeypatch):
    calls = []
    monkeypatch.setattr(urlguard, "_resolve", lambda host, port: ["10.0.0.5"])
    with tenant.context():
        endpoint = make_endpoint("https://hooks.example/maillon")
    delivery = _pending(tenant, endpoint)
    transport = httpx.MockTransport(lambda request: calls.append(request) or httpx.Response(200))
    assert sender.deliver(tenant.organisation, delivery.pk, transport=transport) == "failed"
    delivery.refresh_from_db()
    assert calls == []
    assert delivery.last_error.startswith("webhook_private_address: ")


def test_the_request_goes_to_the_address_that_was_checked(tenant, monkeypatch):
    calls = []
    monkeypatch.setattr(urlguard, "_resolve", lambda host, port: [PUBLIC_IP])
    with tenant.context():
        endpoint = make_endpoint("https://hooks.example:443/maillon?x=1")
    delivery = _pending(tenant, endpoint)

    def handler(request):
        calls.append(request)
        return httpx.Response(200)

    assert sender.deliver(tenant.organisation, delivery.pk, transport=httpx.MockTransport(handler)) == "succeeded"
    [request] = calls
    assert (str(request.url), request.headers["Host"], request.extensions["sni_hostname"]) == (
        f"https://{PUBLIC_IP}/maillon?x=1", "hooks.example", "hooks.example")


def test_only_the_start_of_a_response_body_is_kept(tenant, monkeypatch):
    monkeypatch.setattr(urlguard, "_resolve", lambda host, port: [PUBLIC_IP])
    with tenant.context():
        endpoint = make_endpoint("https://hooks.example/maillon")
    delivery = _pending(tenant, endpoint)
    transport = httpx.MockTransport(lambda request: httpx.Response(500, content=b"x" * 100_000))
    assert sender.deliver(tenant.organisation, delivery.pk, transport=transport) == "failed"
    delivery.refresh_from_db()
    assert delivery.last_error == "HTTP 500: " + "x" * 512


def test_a_claim_is_respected_until_its_worker_is_presumed_dead(tenant, receiver, local_network, frozen):
    with tenant.context():
        endpoint = make_endpoint(receiver.url)
    delivery = _pending(tenant, endpoint)
    WebhookDelivery.all_organisations.filter(pk=delivery.pk).update(status="delivering", claimed_at=NOW,
                                                                    attempts=1)
    assert deliver_webhook(tenant.organisation.pk, delivery.pk) is None
    frozen.shift(sender.claim_timeout() + timedelta(seconds=1))
    assert deliver_webhook(tenant.organisation.pk, delivery.pk) == "succeeded"
    delivery.refresh_from_db()
    assert (delivery.attempts, len(receiver.requests)) == (2, 1)


def test_the_retry_dispatcher_fans_out_to_organisations_with_overdue_deliveries(tenant, other_tenant, frozen,
                                                                                monkeypatch):
    with tenant.context():
        endpoint = make_endpoint(f"https://{PUBLIC_IP}/h")
    failed_due, failed_later, fresh, stale, stuck, done = (_pending(tenant, endpoint) for _ in range(6))
    update = WebhookDelivery.all_organisations.filter
    update(pk=failed_due.pk).update(status="failed", next_attempt_at=NOW - timedelta(seconds=1))
    update(pk=failed_later.pk).update(status="failed", next_attempt_at=NOW + timedelta(seconds=1))
    update(pk=stale.pk).update(next_attempt_at=NOW - sender.PENDING_GRACE - timedelta(seconds=1))
    update(pk=stuck.pk).update(status="delivering", claimed_at=NOW - sender.claim_timeout() - timedelta(seconds=1))
    update(pk=done.pk).update(status="succeeded", next_attempt_at=None)
    with other_tenant.context():
        quiet = make_endpoint(f"https://{PUBLIC_IP}/q")
    _pending(other_tenant, quiet)

    before = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def enqueued(task_name):  # the fan-out goes through the outbox (sent after the test's commit, never here)
        return [tuple(args) for args in OutboxMessage.objects.filter(
            task_name=f"compliance.monitoring.tasks.{task_name}", id__gt=before).order_by("id")
            .values_list("args", flat=True)]

    assert webhook_retry_dispatch() == 1
    assert enqueued("webhook_retry") == [(tenant.organisation.pk,)]
    assert webhook_retry(tenant.organisation.pk) == 3
    assert sorted(enqueued("deliver_webhook")) == sorted((tenant.organisation.pk, d.pk) for d in (
        failed_due, stale, stuck))
    assert fresh.status == "pending"


def test_uploading_evidence_emits_evidence_uploaded(tenant, media):
    with tenant.context():
        endpoint = make_endpoint(f"https://{PUBLIC_IP}/h", [events.EVIDENCE_UPLOADED])
        supplier = builders.supplier()
        evidence = builders.evidence("dpa", supplier=supplier, title="Accord art. 28")
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.payload["data"] == {"evidence": {
        "id": evidence.pk, "kind": "dpa", "title": "Accord art. 28", "sha256": evidence.sha256,
        "size": evidence.size, "content_type": "application/pdf", "issued_on": None, "valid_until": None,
        "supplier": supplier.pk, "processing": None, "certificate": None, "version": 1, "supersedes": None,
    }}


def test_the_retry_dispatcher_reads_across_organisations_only_through_its_named_reader(tenant, frozen,
                                                                                      monkeypatch):
    from compliance.monitoring import tasks as jobs
    from hds_platform import crossing

    readers = []
    monkeypatch.setattr(jobs, "cross_tenant_alias", lambda reader: readers.append(reader)
                        or crossing.cross_tenant_alias(reader))
    with tenant.context():
        endpoint = make_endpoint(f"https://{PUBLIC_IP}/h")
    failed = _pending(tenant, endpoint)
    WebhookDelivery.all_organisations.filter(pk=failed.pk).update(status="failed", next_attempt_at=NOW)
    assert webhook_retry_dispatch() == 1
    assert readers == ["webhook_retry"]
    assert "webhook_retry" in crossing.CROSS_TENANT_READERS


def _readme_verifier():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("\n## Webhooks\n", 1)[1].split("\n## ", 1)[0]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(compile(snippet, "README.md", "exec"), namespace)  # our own documentation
    return namespace["verify_maillon_signature"]


def test_the_verification_snippet_of_the_readme_accepts_our_signature_and_nothing_else():
    verify = _readme_verifier()
    secret, body = signing.new_secret(), b'{"id":"1","type":"test.ping"}'
    header = signing.signature_header(secret, body)

    assert verify(secret, header, body) == int(header.split(",")[0].removeprefix("t="))
    # Signed with two secrets (a secret being replaced): either one passes.
    both = f"{header},v1={signing.compute_signature('whsec_next', int(header[2:12]), body)}"
    assert verify(secret, both, body) == verify("whsec_next", both, body)
    for given, forged_body, reason in (
        (signing.signature_header(secret, body), body + b" ", "signature mismatch"),
        (signing.signature_header("whsec_other", body), body, "signature mismatch"),
        (signing.signature_header(secret, body, timestamp=1), body, "timestamp outside the tolerance window"),
        ("v1=" + signing.compute_signature(secret, 1, body), body, "malformed signature header"),
        (f"t={header[2:12]}", body, "malformed signature header"),
        ("t=soon,v1=abc", body, "malformed signature header"),
        ("", body, "malformed signature header"),
    ):
        with pytest.raises(ValueError, match=reason):
            verify(secret, given, forged_body)


def test_the_verification_snippet_of_the_readme_accepts_a_real_signed_delivery(tenant, receiver, local_network):
    verify = _readme_verifier()
    with tenant.context():
        endpoint = make_endpoint(receiver.url)
    delivery = _pending(tenant, endpoint, events.CONFORMITY_CHANGED, {"processing": {"id": 7, "name": "Télésanté"}})
    assert deliver_webhook(tenant.organisation.pk, delivery.pk) == "succeeded"

    [request] = receiver.requests
    header = request.headers["Maillon-Signature"]
    assert verify(endpoint.secret, header, request.body) == receiver.verify(endpoint.secret, request)
    assert json.loads(request.body)["data"] == {"processing": {"id": 7, "name": "Télésanté"}}
    with pytest.raises(ValueError, match="signature mismatch"):
        verify(endpoint.secret, header, request.body.replace(b"7", b"8"))
    with pytest.raises(ValueError, match="signature mismatch"):
        verify(signing.new_secret(), header, request.body)
