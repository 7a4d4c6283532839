"""The expiry scan: one alert per (object, end date, threshold), never twice, webhooks for new ones only."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from compliance.models import Alert, Certificate, Evidence, WebhookDelivery
from compliance.monitoring import expiry
from compliance.monitoring.tasks import expiry_scan, expiry_scan_dispatch
from compliance.monitoring.webhooks import events
from hds_platform.models import OutboxMessage
from hds_platform.tenancy import organisation_context
from tests.compliance import builders
from tests.compliance.monitoring.alerting import make_endpoint

TODAY = date(2026, 12, 1)
NOON = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)


@pytest.fixture
def today():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def _alerts():
    return sorted(Alert.objects.values_list("dedupe_key", "kind", "severity", "threshold", "status", "resolution"))


@pytest.mark.parametrize(("days_left", "threshold"), [
    (91, None), (90, 90), (61, 90), (60, 60), (31, 60), (30, 30), (8, 30), (7, 7), (0, 7), (-1, 0), (-400, 0),
])
def test_the_nearest_threshold_reached_is_chosen(days_left, threshold):
    assert expiry.threshold_for(TODAY + timedelta(days=days_left), TODAY) == threshold


def test_scan_raises_one_alert_per_certificate_and_evidence_at_its_nearest_threshold(tenant, today, media):
    with tenant.context():
        host = builders.supplier("Nuage Souverain")
        soon = builders.certificate(host, certificate_number="HDS-SOON", expires_on=TODAY + timedelta(days=20))
        own = builders.certificate(None, certificate_number="HDS-OWN", activities=(5,),
                                   expires_on=TODAY + timedelta(days=75))
        gone = builders.certificate(host, certificate_number="HDS-GONE", activities=(6,),
                                    expires_on=TODAY - timedelta(days=1))
        builders.certificate(host, certificate_number="HDS-FAR", activities=(5,), expires_on=TODAY + timedelta(days=91))
        builders.certificate(host, certificate_number="HDS-SUSP", activities=(1,), status="suspended",
                             expires_on=TODAY + timedelta(days=3))
        contract = builders.evidence("hosting_contract", supplier=host, valid_until=TODAY + timedelta(days=7))
        builders.evidence("dpa", supplier=host, valid_until=TODAY + timedelta(days=200))

        result = expiry.scan(tenant.organisation)

        assert len(result.created) == 4
        assert result.resolved == 0
        assert _alerts() == sorted([
            (f"certificate:{soon.pk}:expires:2026-12-21:30", "certificate_expiring", "warning", 30, "open", ""),
            (f"certificate:{own.pk}:expires:2027-02-14:90", "certificate_expiring", "warning", 90, "open", ""),
            (f"certificate:{gone.pk}:expires:2026-11-30:0", "certificate_expired", "error", 0, "open", ""),
            (f"evidence:{contract.pk}:valid_until:2026-12-08:7", "evidence_expiring", "warning", 7, "open", ""),
        ])
        alert = Alert.objects.get(certificate=soon)
        assert (alert.supplier_id, alert.due_on) == (host.pk, date(2026, 12, 21))
        assert alert.data == {
            "certificate": {"id": soon.pk, "kind": "hds", "kind_label": "HDS", "number": "HDS-SOON",
                            "activities": [1, 2, 3, 4]},
            "supplier": {"id": host.pk, "name": "Nuage Souverain"},
            "expires_on": "2026-12-21", "threshold": 30, "days_left": 20,
        }
        assert Alert.objects.get(certificate=own).data["supplier"] is None


def test_scanning_twice_creates_nothing_and_sends_no_second_webhook(tenant, other_tenant, today, receiver):
    with tenant.context():
        endpoint = make_endpoint(receiver.url, [events.CERTIFICATE_EXPIRING, events.CERTIFICATE_EXPIRED])
        make_endpoint(receiver.url, [events.CONFORMITY_CHANGED])
        host = builders.supplier()
        soon = builders.certificate(host, expires_on=TODAY + timedelta(days=5))
        late = builders.certificate(host, activities=(6,), expires_on=TODAY - timedelta(days=10))
        messages_before = OutboxMessage.objects.filter(task_name="compliance.monitoring.tasks.deliver_webhook").count()
    with other_tenant.context():
        builders.certificate(builders.supplier(), expires_on=TODAY + timedelta(days=5))

    assert expiry_scan(tenant.organisation.pk) == 2
    assert expiry_scan(tenant.organisation.pk) == 0

    with tenant.context():
        assert Alert.objects.count() == 2
        deliveries = {d.event: d for d in WebhookDelivery.objects.all()}
        assert set(deliveries) == {"certificate.expiring", "certificate.expired"}
        assert {d.endpoint_id for d in deliveries.values()} == {endpoint.pk}
        expiring = deliveries["certificate.expiring"].payload
        assert (expiring["type"], expiring["organisation"], expiring["data"]["certificate"]["id"],
                expiring["data"]["threshold"], expiring["data"]["alert"]) == (
            "certificate.expiring", "tilleuls", soon.pk, 7, Alert.objects.get(certificate=soon).pk)
        assert deliveries["certificate.expired"].payload["data"]["certificate"]["id"] == late.pk
        assert OutboxMessage.objects.filter(
            task_name="compliance.monitoring.tasks.deliver_webhook").count() == messages_before + 2
    with other_tenant.context():
        assert Alert.objects.count() == 0


def test_time_passing_raises_the_next_threshold_and_resolves_the_previous_one(tenant, today):
    with tenant.context():
        certificate = builders.certificate(builders.supplier(), expires_on=TODAY + timedelta(days=45))
        assert [a.threshold for a in expiry.scan(tenant.organisation).created] == [60]
    today.move_to(NOON + timedelta(days=16))
    with tenant.context():
        result = expiry.scan(tenant.organisation)
        assert ([a.threshold for a in result.created], result.resolved) == ([30], 1)
    today.move_to(NOON + timedelta(days=46))
    with tenant.context():
        assert [a.threshold for a in expiry.scan(tenant.organisation).created] == [0]
        assert sorted(Alert.objects.values_list("threshold", "status", "resolution")) == [
            (0, "open", ""), (30, "resolved", "superseded"), (60, "resolved", "superseded")]
        assert Alert.objects.get(threshold=0).certificate_id == certificate.pk


def test_a_renewed_or_deleted_certificate_resolves_its_alerts_and_the_new_date_gets_its_own(tenant, today):
    with tenant.context():
        host = builders.supplier()
        renewed = builders.certificate(host, certificate_number="A", expires_on=TODAY + timedelta(days=10))
        deleted = builders.certificate(host, certificate_number="B", expires_on=TODAY + timedelta(days=10))
        expiry.scan(tenant.organisation)
        Certificate.objects.filter(pk=renewed.pk).update(expires_on=TODAY + timedelta(days=80))
        Certificate.objects.filter(pk=deleted.pk).delete()

        result = expiry.scan(tenant.organisation)

        assert result.resolved == 2
        assert [a.dedupe_key for a in result.created] == [f"certificate:{renewed.pk}:expires:2027-02-19:90"]
        assert sorted(Alert.objects.filter(status="resolved").values_list("resolution", flat=True)) == [
            "gone", "renewed"]


def test_replaced_evidence_resolves_its_alert_and_its_new_version_is_scanned(tenant, today, media):
    from compliance import services
    from tests.compliance.builders import ACTOR, pdf_upload

    with tenant.context():
        old = builders.evidence("dpa", supplier=builders.supplier(), valid_until=TODAY + timedelta(days=3))
        expiry.scan(tenant.organisation)
        new = services.evidence_supersede(evidence=old, actor=ACTOR, file=pdf_upload(text="v2"),
                                          valid_until=TODAY + timedelta(days=365))
        result = expiry.scan(tenant.organisation)
        assert (result.created, result.resolved) == ([], 1)
        assert Alert.objects.get().resolution == "gone"
        Evidence.objects.filter(pk=new.pk).update(valid_until=TODAY + timedelta(days=30))
        assert [a.dedupe_key for a in expiry.scan(tenant.organisation).created] == [
            f"evidence:{new.pk}:valid_until:2026-12-31:30"]


def test_the_scan_costs_the_same_queries_for_few_or_many_certificates(tenant, other_tenant, today,
                                                                       django_assert_num_queries):
    def seed(t, count):
        with t.context():
            host = builders.supplier()
            for number in range(count):
                builders.certificate(host, certificate_number=f"N{number}", expires_on=TODAY + timedelta(days=number))

    seed(tenant, 2)
    seed(other_tenant, 40)
    # The read of each kind, the lock, the existing keys, the insert, the open alerts, the insert of
    # the events, the endpoints.
    with tenant.context(), django_assert_num_queries(8):
        expiry.scan(tenant.organisation)
    with other_tenant.context(), django_assert_num_queries(8):
        expiry.scan(other_tenant.organisation)


def test_the_dispatcher_fans_out_one_scan_per_organisation(tenant, other_tenant, today,
                                                           django_capture_on_commit_callbacks):
    for t in (tenant, other_tenant):
        with t.context():
            builders.certificate(builders.supplier(), expires_on=TODAY + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):  # the fan-out goes through the outbox
        assert expiry_scan_dispatch() == 2
    for t in (tenant, other_tenant):
        with t.context():
            assert Alert.objects.filter(threshold=7).count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL: two connections racing in one database "
                    "(SQLite serialises whole transactions and the test database is in memory)")
def test_two_scans_at_once_raise_each_alert_once_and_both_succeed(transactional_db, tenant, receiver, monkeypatch):
    with tenant.context():
        make_endpoint(receiver.url, [events.CERTIFICATE_EXPIRING])
        host = builders.supplier()
        for number in range(5):
            builders.certificate(host, certificate_number=f"N{number}", expires_on=date.today() + timedelta(days=3))

    # Both scans read the existing alerts before either writes: without the organisation lock the
    # second one would fail on the unique constraint (or, without it, duplicate everything).
    from compliance.monitoring import alerts

    barrier = threading.Barrier(2)
    original = alerts.lock_organisation

    def lock_after_both_arrived(organisation):
        barrier.wait(timeout=10)
        original(organisation)

    monkeypatch.setattr(alerts, "lock_organisation", lock_after_both_arrived)
    results, errors = [], []

    def run():
        try:
            results.append(expiry_scan(tenant.organisation.pk))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == [0, 5]
    with organisation_context(tenant.organisation):
        assert Alert.objects.count() == 5
        assert WebhookDelivery.objects.count() == 5
