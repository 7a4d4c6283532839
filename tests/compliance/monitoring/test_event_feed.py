"""Catching up: the event feed, redelivery, secret rotation with a grace period, one endpoint per URL."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from compliance.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from compliance.monitoring.tasks import deliver_webhook, purge_webhook_events, purge_webhook_events_dispatch
from compliance.monitoring.webhooks import catalogue, events, signing
from hds_platform.models import AuditEvent, OutboxMessage
from tests.compliance import builders
from tests.compliance.monitoring.alerting import make_endpoint

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PUBLIC_IP = "93.184.215.14"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _events_url(tenant):
    return f"/api/v1/orgs/{tenant.organisation.slug}/events/"


def _webhooks_url(tenant, suffix=""):
    return f"/api/v1/orgs/{tenant.organisation.slug}/webhooks/{suffix}"


def test_a_client_that_missed_its_webhooks_reads_every_payload_from_the_feed(tenant, client_for, receiver,
                                                                             local_network, frozen, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.status = 503  # the receiver is down: every delivery ends dead
    with tenant.context():
        endpoint = make_endpoint(receiver.url, version="2026-12-01")
    client = client_for(token=tenant.token())
    for name in ("Alpha", "Bravo", "Charlie"):
        client.post(f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/", {"name": name, "country": "FR"})
    with tenant.context():
        deliveries = list(WebhookDelivery.objects.order_by("id"))
    for delivery in deliveries:
        assert deliver_webhook(tenant.organisation.pk, delivery.pk) == "dead"
    assert len(receiver.requests) == 3

    page = client.get(_events_url(tenant), {"page_size": 2}).json()
    feed = page["results"] + client.get(page["next"]).json()["results"]
    assert page["count"] == 3
    assert [item["type"] for item in feed] == ["supplier.created"] * 3
    # What the feed shows is, byte for byte, what the deliveries carried (and tried to send).
    assert [item["payload"] for item in feed] == [d.payload for d in deliveries]
    assert [item["payload"] for item in feed] == [json.loads(request.body) for request in receiver.requests]
    assert [(item["id"], item["occurred_at"]) for item in feed] == [
        (d.payload["id"], "2026-12-01T09:00:00Z") for d in deliveries]
    assert endpoint.events == list(catalogue.CATALOGUE)


def test_events_are_stored_without_any_subscription_and_filtered_by_type_and_since(tenant, client_for, frozen):
    with tenant.context():
        supplier = builders.supplier("Alpha")
    frozen.shift(timedelta(hours=1))
    with tenant.context():
        events.emit(tenant.organisation, catalogue.SUPPLIER_UPDATED, supplier=supplier)
        assert WebhookDelivery.objects.count() == 0
    client = client_for(user=tenant.members["viewer"])
    every = client.get(_events_url(tenant)).json()
    assert [item["type"] for item in every["results"]] == ["supplier.created", "supplier.updated"]
    assert [i["type"] for i in client.get(_events_url(tenant), {"type": "supplier.updated"}).json()["results"]] == [
        "supplier.updated"]
    later = client.get(_events_url(tenant), {"since": "2026-12-01T10:30:00+01:00"}).json()
    assert [item["type"] for item in later["results"]] == ["supplier.updated"]
    bad = client.get(_events_url(tenant), {"since": "hier"})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_since")
    unknown = client.get(_events_url(tenant), {"type": "supplier.renamed"})
    assert (unknown.status_code, unknown.json()["code"]) == (400, "webhook_event_unknown")
    legacy = client.get(_events_url(tenant), {"version": "legacy"}).json()
    assert legacy["count"] == 0  # supplier events have no legacy payload


def test_events_older_than_the_retention_are_hidden_then_purged_by_the_daily_task(tenant, other_tenant, client_for,
                                                                                 frozen):
    for t in (tenant, other_tenant):
        with t.context():
            builders.supplier("Ancien")
    frozen.shift(timedelta(days=31))
    with tenant.context():
        builders.supplier("Récent")
    assert client_for(token=tenant.token()).get(_events_url(tenant)).json()["count"] == 1
    before = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0
    assert purge_webhook_events_dispatch() == 2
    assert sorted(OutboxMessage.objects.filter(id__gt=before).values_list("args", flat=True)) == [
        [tenant.organisation.pk], [other_tenant.organisation.pk]]
    assert purge_webhook_events(tenant.organisation.pk) == 1
    assert (WebhookEvent.all_organisations.filter(organisation=tenant.organisation).count(),
            WebhookEvent.all_organisations.filter(organisation=other_tenant.organisation).count()) == (1, 1)


def test_a_dead_delivery_is_sent_again_on_request(tenant, client_for, receiver, local_network, frozen, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.status = 500
    with tenant.context():
        endpoint = make_endpoint(receiver.url, version="2026-12-01")
        builders.supplier("Alpha")
        delivery = WebhookDelivery.objects.get()
    assert deliver_webhook(tenant.organisation.pk, delivery.pk) == "dead"
    receiver.status = 204
    client = client_for(user=tenant.owner)
    url = _webhooks_url(tenant, f"{endpoint.pk}/deliveries/{delivery.pk}/redeliver/")
    response = client.post(url)
    assert (response.status_code, response.json()["status"], response.json()["attempts"]) == (202, "pending", 0)
    assert deliver_webhook(tenant.organisation.pk, delivery.pk) == "succeeded"
    first, second = receiver.requests
    assert first.body == second.body  # the same event: same id, same payload
    assert (second.headers["Maillon-Delivery-Id"], second.headers["Maillon-Webhook-Id"],
            second.headers["Maillon-Event-Id"]) == (str(delivery.pk), str(endpoint.pk), str(delivery.event_id))
    with tenant.context():
        assert AuditEvent.objects.get(action="webhook.redelivered").changes == {
            "delivery": delivery.pk, "event": "supplier.created"}
    again = client.post(url)  # it succeeded: nothing to send again
    assert (again.status_code, again.json()["code"]) == (409, "webhook_delivery_not_failed")
    assert client.post(_webhooks_url(tenant, f"{endpoint.pk}/deliveries/999999/redeliver/")).status_code == 404
    # Not for a viewer, and nothing changes.
    denied = client_for(user=tenant.members["viewer"]).post(url)
    assert denied.status_code == 403
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)


def test_during_the_grace_period_both_secrets_sign_then_only_the_new_one(tenant, client_for, receiver,
                                                                        local_network, frozen, settings):
    settings.WEBHOOK_SECRET_GRACE_HOURS = 24
    with tenant.context():
        endpoint = make_endpoint(receiver.url, version="2026-12-01")
    old = endpoint.secret
    client = client_for(token=tenant.token())
    rotated = client.post(_webhooks_url(tenant, f"{endpoint.pk}/rotate-secret/")).json()
    new = rotated["secret"]
    assert (new != old, rotated["previous_secret_expires_at"]) == (True, "2026-12-02T10:00:00+01:00")
    assert "secret" not in client.get(_webhooks_url(tenant, f"{endpoint.pk}/")).json()

    with tenant.context():
        builders.supplier("Alpha")
        during = WebhookDelivery.objects.get()
    deliver_webhook(tenant.organisation.pk, during.pk)
    frozen.shift(timedelta(hours=24, seconds=1))
    with tenant.context():
        builders.supplier("Bravo")
        after = WebhookDelivery.objects.exclude(pk=during.pk).get()
    deliver_webhook(tenant.organisation.pk, after.pk)

    first, second = receiver.requests
    t_first, t_second = int(NOW.timestamp()), int((NOW + timedelta(hours=24, seconds=1)).timestamp())
    assert first.headers["Maillon-Signature"] == (
        f"t={t_first},v1={signing.compute_signature(new, t_first, first.body)},"
        f"v1={signing.compute_signature(old, t_first, first.body)}")
    assert second.headers["Maillon-Signature"] == (
        f"t={t_second},v1={signing.compute_signature(new, t_second, second.body)}")
    for secret in (old, new):
        assert signing.verify_signature(secret, first.headers["Maillon-Signature"], first.body, now=t_first) == t_first
    assert signing.verify_signature(new, second.headers["Maillon-Signature"], second.body, now=t_second) == t_second
    with pytest.raises(signing.InvalidSignature, match="signature mismatch"):
        signing.verify_signature(old, second.headers["Maillon-Signature"], second.body, now=t_second)


def test_a_second_endpoint_with_the_same_url_is_refused(tenant, other_tenant, client_for):
    client = client_for(user=tenant.owner)
    url = f"https://{PUBLIC_IP}/maillon"
    assert client.post(_webhooks_url(tenant), {"url": url, "events": ["supplier.created"]}).status_code == 201
    again = client.post(_webhooks_url(tenant), {"url": url, "events": ["alert.raised"]})
    assert (again.status_code, again.json()["code"], list(again.json()["errors"])) == (400, "duplicate_url", ["url"])
    other = client.post(_webhooks_url(tenant), {"url": f"{url}/2", "events": ["alert.raised"]}).json()
    moved = client.patch(_webhooks_url(tenant, f"{other['id']}/"), {"url": url})
    assert (moved.status_code, moved.json()["code"]) == (400, "duplicate_url")
    with tenant.context():
        assert sorted(WebhookEndpoint.objects.values_list("url", flat=True)) == [url, f"{url}/2"]
    # Another organisation may use the same address.
    neighbour = client_for(user=other_tenant.owner).post(
        f"/api/v1/orgs/{other_tenant.organisation.slug}/webhooks/", {"url": url, "events": ["alert.raised"]})
    assert neighbour.status_code == 201


def test_a_legacy_endpoint_keeps_its_five_events_until_upgraded(tenant, client_for):
    with tenant.context():
        endpoint = make_endpoint(f"https://{PUBLIC_IP}/old")
    client = client_for(user=tenant.owner)
    url = _webhooks_url(tenant, f"{endpoint.pk}/")
    refused = client.patch(url, {"events": ["conformity.changed", "alert.raised"]})
    assert (refused.status_code, refused.json()["code"]) == (400, "webhook_event_needs_version")
    upgraded = client.patch(url, {"version": "2026-12-01", "events": ["conformity.changed", "alert.raised"]}).json()
    assert (upgraded["version"], upgraded["events"]) == ("2026-12-01", ["conformity.changed", "alert.raised"])
    back = client.patch(url, {"version": "legacy"})
    assert (back.status_code, back.json()["code"]) == (400, "webhook_event_needs_version")
