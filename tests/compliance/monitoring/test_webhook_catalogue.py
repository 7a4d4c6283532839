"""The webhook catalogue: each event's payload of version 2026-12-01 pinned exactly, the legacy payloads
of existing subscriptions unchanged, and the payloads documented in the OpenAPI schema."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import time_machine

from compliance.models import Alert, ConformityStatusChange, EvidenceRequest, Supplier, WebhookDelivery, WebhookEvent
from compliance.monitoring import alerts, expiry
from compliance.monitoring.webhooks import catalogue, events
from compliance.monitoring.webhooks.schema import PAYLOADS
from tests.compliance import builders
from tests.compliance.monitoring.alerting import make_endpoint

NOON = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)
PARIS_WINTER = timezone(timedelta(hours=1))


@pytest.fixture
def frozen():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def _stored(event_type):
    [event] = WebhookEvent.objects.filter(type=event_type)
    return event


def _envelope(event, organisation="tilleuls"):
    return {"id": str(event.event_id), "type": event.type, "version": "2026-12-01",
            "occurred_at": "2026-12-01T11:00:00Z", "organisation": organisation}


def test_the_catalogue_holds_every_event_type_and_legacy_payloads_only_for_the_first_five():
    assert list(catalogue.CATALOGUE) == [
        "conformity.changed", "certificate.expiring", "certificate.expired", "evidence.expiring",
        "evidence.expired", "evidence.uploaded", "registry.host_changed", "supplier.created", "supplier.updated",
        "supplier.deleted", "alert.raised", "alert.resolved", "evidence_request.answered",
        "provider.certificate_changed"]
    assert catalogue.subscribable("legacy") == (
        "conformity.changed", "certificate.expiring", "certificate.expired", "evidence.uploaded",
        "registry.host_changed")
    assert catalogue.subscribable("2026-12-01") == tuple(catalogue.CATALOGUE)


def test_expiry_payloads_use_the_rest_names_and_utc(tenant, frozen):
    with tenant.context():
        supplier = builders.supplier("Nuage Souverain")
        certificate = builders.certificate(supplier, certificate_number="HDS-42", activities=(3, 1, 2),
                                           expires_on=TODAY + timedelta(days=30))
        document = builders.evidence("dpa", supplier=supplier, title="Accord art. 28",
                                     valid_until=TODAY - timedelta(days=1))
        expiry.scan(tenant.organisation)
        certificate_alert = Alert.objects.get(certificate=certificate)
        evidence_alert = Alert.objects.get(evidence=document)
        expiring, expired = _stored("certificate.expiring"), _stored("evidence.expired")

        assert expiring.payload == {**_envelope(expiring), "data": {
            "certificate": {"id": certificate.pk, "supplier": supplier.pk, "kind": "hds",
                            "certificate_number": "HDS-42", "activities": [1, 2, 3], "expires_on": "2026-12-31"},
            "supplier": {"id": supplier.pk, "name": "Nuage Souverain"},
            "threshold": 30, "days_left": 30, "alert": certificate_alert.pk}}
        assert expired.payload == {**_envelope(expired), "data": {
            "evidence": {"id": document.pk, "kind": "dpa", "title": "Accord art. 28", "valid_until": "2026-11-30",
                         "supplier": supplier.pk, "processing": None, "certificate": None},
            "threshold": 0, "days_left": -1, "alert": evidence_alert.pk}}
        # The legacy payload of the same event is the one existing subscriptions always received.
        assert expiring.legacy_payload == {
            "id": str(expiring.event_id), "type": "certificate.expiring", "created_at": "2026-12-01T11:00:00+00:00",
            "organisation": "tilleuls", "data": {**certificate_alert.data, "alert": certificate_alert.pk}}
        assert expired.legacy_payload is None
        raised = sorted(event.payload["data"]["alert"]["id"] for event in WebhookEvent.objects.filter(
            type="alert.raised"))
        assert raised == sorted([certificate_alert.pk, evidence_alert.pk])


def test_alert_payloads_raised_and_resolved(tenant, frozen):
    with tenant.context():
        [alert] = alerts.raise_alerts(tenant.organisation, [Alert(
            kind="certificate_expiring", severity="warning", dedupe_key="k", threshold=30,
            due_on=TODAY + timedelta(days=30), data={})])
        events.emit_many(tenant.organisation, alerts.raised_events([alert]))
        alerts.alert_resolve(alert=alert, actor=builders.ACTOR)
        raised, resolved = _stored("alert.raised"), _stored("alert.resolved")
    common = {"id": alert.pk, "kind": "certificate_expiring", "severity": "warning", "threshold": 30,
              "due_on": "2026-12-31", "certificate": None, "evidence": None, "processing": None, "supplier": None,
              "created_at": "2026-12-01T11:00:00Z"}
    assert raised.payload == {**_envelope(raised), "data": {"alert": {
        **common, "status": "open", "resolved_at": None, "resolution": None}}}
    assert resolved.payload == {**_envelope(resolved), "data": {"alert": {
        **common, "status": "resolved", "resolved_at": "2026-12-01T11:00:00Z", "resolution": "manual"}}}


def test_conformity_changed_payload_and_its_unchanged_legacy_twin(tenant, frozen):
    with tenant.context():
        legacy = make_endpoint("https://hooks.example/legacy", [events.CONFORMITY_CHANGED])
        current = make_endpoint("https://hooks.example/v2026", [events.CONFORMITY_CHANGED], version="2026-12-01")
        processing = builders.processing("Téléconsultation")
        change = ConformityStatusChange.objects.create(
            processing=processing, from_status="non_compliant", to_status="compliant",
            changed_at=datetime(2026, 12, 1, 10, 30, tzinfo=PARIS_WINTER),
            appeared=["registry.not_found"], disappeared=["evidence.dpa_missing"])
        [alert] = alerts.on_status_changes(tenant.organisation, [change])
        event = _stored("conformity.changed")
        by_endpoint = {d.endpoint_id: d.payload for d in WebhookDelivery.objects.all()}
    assert event.payload == {**_envelope(event), "data": {
        "processing": {"id": processing.pk, "name": "Téléconsultation"}, "from_status": "non_compliant",
        "to_status": "compliant", "changed_at": "2026-12-01T09:30:00Z",
        "appeared": [{"code": "registry.not_found"}], "disappeared": [{"code": "evidence.dpa_missing"}],
        "status_change": change.pk, "alert": alert.pk}}
    assert by_endpoint == {current.pk: event.payload, legacy.pk: event.legacy_payload}
    assert by_endpoint[legacy.pk]["data"] == {**alert.data, "alert": alert.pk}
    assert by_endpoint[legacy.pk]["data"]["changed_at"] == "2026-12-01T10:30:00+01:00"  # as it always was
    assert "version" not in by_endpoint[legacy.pk]


def test_supplier_payloads(tenant, frozen, client_for):
    client = client_for(token=tenant.token())
    base = f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/"
    created = client.post(base, {"name": "Sauvegardes Atlantique", "country": "FR", "siren": "732829320"}).json()
    client.patch(f"{base}{created['id']}/", {"country": "DE"})
    client.delete(f"{base}{created['id']}/")
    with tenant.context():
        made, changed, deleted = (_stored(f"supplier.{change}") for change in ("created", "updated", "deleted"))
    supplier = {"id": created["id"], "name": "Sauvegardes Atlantique", "siren": "732829320", "country": "FR",
                "registry_match": {"status": "none", "host": None}, "updated_at": "2026-12-01T11:00:00Z"}
    assert made.payload == {**_envelope(made), "data": {"supplier": supplier}}
    assert changed.payload == {**_envelope(changed), "data": {"supplier": {**supplier, "country": "DE"}}}
    assert deleted.payload == {**_envelope(deleted), "data": {
        "supplier": {"id": created["id"], "name": "Sauvegardes Atlantique"}}}
    assert {key: created[key] for key in ("id", "name", "siren", "country")} == {
        key: supplier[key] for key in ("id", "name", "siren", "country")}


def test_the_payloads_other_features_emit(tenant, frozen):
    with tenant.context():
        certificate = builders.certificate(None, certificate_number="HDS-OWN", activities=(1, 2),
                                           certifier="LNE", issued_on=date(2025, 1, 2),
                                           expires_on=date(2028, 1, 1))
        supplier = builders.supplier("Azur Archives")
        request = EvidenceRequest(pk=7, organisation=tenant.organisation, supplier=supplier, kinds=["dpa", "contract"],
                                  due_date=date(2026, 12, 10), status="submitted",
                                  created_at=datetime(2026, 11, 30, 8, 0, tzinfo=UTC), submitted_at=NOON,
                                  submitted_kind="dpa", submitted_sha256="ab" * 32, submitted_size=2048,
                                  submitted_content_type="application/pdf")
        events.emit(tenant.organisation, catalogue.EVIDENCE_REQUEST_ANSWERED, request=request)
        events.emit(tenant.organisation, catalogue.PROVIDER_CERTIFICATE_CHANGED, provider_slug="hebergeur-sud",
                    provider_name="Hébergeur Sud", change="updated", certificate=certificate)
        answered, provider = _stored("evidence_request.answered"), _stored("provider.certificate_changed")
    assert answered.payload == {**_envelope(answered), "data": {"evidence_request": {
        "id": 7, "supplier": supplier.pk, "kinds": ["dpa", "contract"], "due_date": "2026-12-10",
        "status": "submitted", "requested_at": "2026-11-30T08:00:00Z", "answered_at": "2026-12-01T11:00:00Z",
        "submitted": {"kind": "dpa", "sha256": "ab" * 32, "size": 2048, "content_type": "application/pdf"}}}}
    assert provider.payload == {**_envelope(provider), "data": {
        "provider": {"organisation": "hebergeur-sud", "name": "Hébergeur Sud"}, "change": "updated",
        "certificate": {"id": certificate.pk, "kind": "hds", "activities": [1, 2], "certificate_number": "HDS-OWN",
                        "certifier": "LNE", "issued_on": "2025-01-02", "expires_on": "2028-01-01",
                        "status": "valid"}}}


def test_an_unknown_event_type_is_refused_before_anything_is_written(tenant):
    with tenant.context(), pytest.raises(ValueError, match=r"unknown webhook event 'supplier\.renamed'"):
        events.emit(tenant.organisation, "supplier.renamed", supplier=Supplier(name="x"))
    assert WebhookEvent.all_organisations.count() == 0


def test_every_builder_returns_exactly_the_fields_its_schema_documents(tenant, frozen):
    """The documented object (the OpenAPI component) and the built one have the same keys."""
    with tenant.context():
        supplier = builders.supplier("Nuage Souverain")
        builders.certificate(supplier, expires_on=TODAY + timedelta(days=7))
        expiry.scan(tenant.organisation)
        events.emit(tenant.organisation, catalogue.SUPPLIER_UPDATED, supplier=supplier)
        stored = list(WebhookEvent.objects.all())
    assert {event.type for event in stored} == {"supplier.created", "certificate.expiring", "alert.raised",
                                                "supplier.updated"}
    for event in stored:
        documented = catalogue.CATALOGUE[event.type].data().fields
        assert sorted(event.payload["data"]) == sorted(documented), event.type
        for name, field in documented.items():
            if hasattr(field, "fields") and event.payload["data"][name] is not None:
                assert sorted(event.payload["data"][name]) == sorted(field.fields), (event.type, name)


def test_the_schema_documents_each_payload_and_the_webhooks(client_for, tenant):
    schema = client_for(user=tenant.owner).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert schema["openapi"].startswith("3.0")
    assert sorted(schema["x-webhooks"]) == sorted(catalogue.CATALOGUE)
    hook = schema["x-webhooks"]["certificate.expiring"]["post"]
    assert hook["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CertificateExpiringWebhookPayload"}
    assert [line.split("`")[1] for line in hook["description"].splitlines() if line.startswith("- `")] == [
        "Maillon-Event", "Maillon-Event-Id", "Maillon-Webhook-Id", "Maillon-Delivery-Id", "Maillon-Signature"]
    component = schema["components"]["schemas"]["CertificateExpiringWebhookPayload"]
    assert sorted(component["properties"]) == ["data", "id", "occurred_at", "organisation", "type", "version"]
    data = schema["components"]["schemas"][component["properties"]["data"]["$ref"].rsplit("/", 1)[1]]
    assert sorted(data["properties"]) == ["alert", "certificate", "days_left", "supplier", "threshold"]
    assert len(PAYLOADS) == len(catalogue.CATALOGUE)
