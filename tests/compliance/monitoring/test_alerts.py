"""Alerts from status changes and registry changes, their texts, and the alerts API."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from compliance.models import (
    Alert,
    Certificate,
    ConformityStatusChange,
    Supplier,
    WebhookDelivery,
)
from compliance.monitoring import alerts
from compliance.monitoring.tasks import alert_registry_changes
from compliance.monitoring.webhooks import events
from hds_platform.models import AuditEvent, OutboxMessage
from registry.models import CertifiedHost, Change, Snapshot
from tests.compliance import builders
from tests.compliance.monitoring.alerting import make_endpoint

CHANGED_AT = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _change(processing, from_status, to_status, appeared=(), disappeared=()):
    return ConformityStatusChange.objects.create(
        processing=processing, from_status=from_status, to_status=to_status, changed_at=CHANGED_AT,
        appeared=list(appeared), disappeared=list(disappeared))


# Status changes --------------------------------------------------------------------------------


def test_a_status_change_raises_one_alert_and_one_webhook_per_subscribed_endpoint(tenant):
    with tenant.context():
        subscribed = make_endpoint("https://hooks.example/a", [events.CONFORMITY_CHANGED])
        make_endpoint("https://hooks.example/b", [events.CERTIFICATE_EXPIRED])
        make_endpoint("https://hooks.example/c", [events.CONFORMITY_CHANGED], is_active=False)
        processing = builders.processing("Téléconsultation")
        first = _change(processing, "", "non_compliant", ["coverage.activity_not_covered"])
        change = _change(processing, "non_compliant", "compliant", ["registry.not_found"],
                         ["coverage.activity_not_covered", "evidence.dpa_missing"])

        created = alerts.on_status_changes(tenant.organisation, [first, change])

        alert = Alert.objects.get()
        assert created == [alert]
        assert (alert.kind, alert.severity, alert.status, alert.dedupe_key, alert.processing_id) == (
            "conformity_changed", "info", "open", f"conformity:{change.pk}", processing.pk)
        assert alert.data == {
            "change": change.pk, "processing": {"id": processing.pk, "name": "Téléconsultation"},
            "from_status": "non_compliant", "to_status": "compliant", "changed_at": "2026-11-28T09:00:00+00:00",
            "appeared": [{"code": "registry.not_found"}],
            "disappeared": [{"code": "coverage.activity_not_covered"}, {"code": "evidence.dpa_missing"}],
        }
        delivery = WebhookDelivery.objects.get()
        assert (delivery.endpoint_id, delivery.event, delivery.status, delivery.attempts) == (
            subscribed.pk, "conformity.changed", "pending", 0)
        assert delivery.payload == {
            "id": str(delivery.event_id), "type": "conformity.changed",
            "created_at": delivery.payload["created_at"], "organisation": "tilleuls",
            "data": {**alert.data, "alert": alert.pk},
        }
        assert OutboxMessage.objects.filter(task_name="compliance.monitoring.tasks.deliver_webhook",
                                            args=[tenant.organisation.pk, delivery.pk]).count() == 1

        assert alerts.on_status_changes(tenant.organisation, [change]) == []
        assert (Alert.objects.count(), WebhookDelivery.objects.count()) == (1, 1)


@pytest.mark.parametrize(("to_status", "severity"), [
    ("non_compliant", "error"), ("incomplete", "warning"), ("compliant", "info"), ("not_applicable", "info"),
])
def test_the_severity_follows_the_new_status(tenant, to_status, severity):
    with tenant.context():
        change = _change(builders.processing(), "compliant" if to_status != "compliant" else "incomplete", to_status)
        assert [a.severity for a in alerts.on_status_changes(tenant.organisation, [change])] == [severity]


def test_a_rolled_back_evaluation_leaves_no_alert_no_delivery_no_message(tenant):
    with tenant.context():
        make_endpoint("https://hooks.example/a", [events.CONFORMITY_CHANGED])
        processing = builders.processing()
        messages = OutboxMessage.objects.count()
        with pytest.raises(RuntimeError), transaction.atomic():
            alerts.on_status_changes(tenant.organisation, [_change(processing, "compliant", "non_compliant")])
            raise RuntimeError("the evaluation failed after recording the change")
        assert (Alert.objects.count(), WebhookDelivery.objects.count(), OutboxMessage.objects.count()) == (
            0, 0, messages)


def test_the_evaluation_service_raises_the_alert_in_its_own_transaction(tenant, django_capture_on_commit_callbacks,
                                                                         media):
    with tenant.context():
        supplier = builders.supplier()
        with django_capture_on_commit_callbacks(execute=True):
            processing = builders.processing()
            builders.link(processing, supplier, activities=[1, 2, 3, 4, 5])
        assert Alert.objects.count() == 0  # a first evaluation is not a change
        with django_capture_on_commit_callbacks(execute=True):
            builders.certificate(supplier, activities=[1, 2, 3, 4, 5])
            builders.evidence("hosting_contract", supplier=supplier)
            builders.evidence("dpa", supplier=supplier)
            builders.evidence("hds_certificate", supplier=supplier,
                              certificate=Certificate.objects.get(supplier=supplier))
        alert = Alert.objects.get()
        change = ConformityStatusChange.objects.get(from_status="non_compliant")
        assert (alert.dedupe_key, alert.data["from_status"], alert.data["to_status"]) == (
            f"conformity:{change.pk}", "non_compliant", "compliant")
        assert [f["code"] for f in alert.data["disappeared"]] == [
            "coverage.activity_not_covered", "evidence.dpa_missing", "evidence.hosting_contract_missing"]


# Registry changes ------------------------------------------------------------------------------


@pytest.fixture
def registry_changes(db):
    """A snapshot that removed one host, narrowed another, widened a third and re-dated a fourth."""
    previous = Snapshot.objects.create(source="ans.csv", sha256="a" * 64, status="imported", raw_file="a.csv")
    snapshot = Snapshot.objects.create(source="ans.csv", sha256="b" * 64, status="imported", raw_file="b.csv")

    def host(name, kind, before, after):
        certified = CertifiedHost.objects.create(name=name, normalised_name=name.lower(), first_seen=previous,
                                                 last_seen=snapshot)
        change = Change.objects.create(snapshot=snapshot, host=certified, kind=kind,
                                       before={"name": name, "activities": before},
                                       after={"name": name, "activities": after} if after is not None else {})
        return certified, change

    return snapshot, {
        "removed": host("Disparu SAS", "removed", [1, 2, 3, 4, 5, 6], None),
        "narrowed": host("Rétréci SA", "activities_changed", [1, 2, 5, 6], [1, 2]),
        "widened": host("Élargi SARL", "activities_changed", [1], [1, 2]),
        "dated": host("Redaté SAS", "dates_changed", [1, 2], [1, 2]),
    }


def _match(supplier, host, status="confirmed"):
    Supplier.objects.filter(pk=supplier.pk).update(registry_host=host, registry_match_status=status,
                                                   registry_match_method="manual")


def test_a_removed_or_narrowed_host_alerts_each_organisation_depending_on_it(tenant, other_tenant,
                                                                             registry_changes):
    snapshot, hosts = registry_changes
    (removed_host, removed), (narrowed_host, narrowed) = hosts["removed"], hosts["narrowed"]
    with tenant.context():
        endpoint = make_endpoint("https://hooks.example/a", [events.REGISTRY_HOST_CHANGED])
        editor = builders.supplier("Éditeur DPI")
        datacenter = builders.supplier("Disparu")
        backup = builders.supplier("Sauvegardes Rétrécies")
        for supplier, host in ((datacenter, removed_host), (backup, narrowed_host)):
            _match(supplier, host)
        _match(builders.supplier("Élargi"), hosts["widened"][0])
        _match(builders.supplier("Redaté"), hosts["dated"][0], "suggested")
        dpi = builders.processing("Dossier patient")
        top = builders.link(dpi, editor, activities=(5,))
        low = builders.link(dpi, datacenter, activities=(1, 2), parent=top)
        saves = builders.link(dpi, backup, activities=(6,), parent=top)
    with other_tenant.context():
        _match(builders.supplier("Autre client"), hosts["dated"][0])

    assert alert_registry_changes(tenant.organisation.pk, snapshot.pk) == 2
    assert alert_registry_changes(tenant.organisation.pk, snapshot.pk) == 0
    assert alert_registry_changes(other_tenant.organisation.pk, snapshot.pk) == 0

    with tenant.context():
        by_change = {a.data["registry_change"]: a for a in Alert.objects.all()}
        assert set(by_change) == {removed.pk, narrowed.pk}
        gone = by_change[removed.pk]
        assert (gone.kind, gone.severity, gone.dedupe_key, gone.supplier_id) == (
            "registry_host_changed", "error", f"registry:{removed.pk}", datacenter.pk)
        assert gone.data == {
            "snapshot": snapshot.pk, "registry_change": removed.pk,
            "host": {"id": removed_host.pk, "name": "Disparu SAS"}, "change": "removed",
            "activities_before": [1, 2, 3, 4, 5, 6], "activities_after": [], "lost_activities": [1, 2, 3, 4, 5, 6],
            "suppliers": [{"id": datacenter.pk, "name": "Disparu", "match": "confirmed"}],
            "processings": [{"id": dpi.pk, "name": "Dossier patient", "links": [
                {"id": low.pk, "supplier": datacenter.pk, "direct": False, "activities": [1, 2],
                 "affected_activities": [1, 2]}]}],
        }
        lost = by_change[narrowed.pk]
        assert (lost.severity, lost.data["change"], lost.data["lost_activities"]) == (
            "error", "activities_narrowed", [5, 6])
        assert lost.data["processings"][0]["links"] == [
            {"id": saves.pk, "supplier": backup.pk, "direct": False, "activities": [6], "affected_activities": [6]}]
        deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
        assert sorted(d.payload["data"]["registry_change"] for d in deliveries) == sorted([removed.pk, narrowed.pk])
        assert {d.event for d in deliveries} == {"registry.host_changed"}
    with other_tenant.context():
        assert Alert.objects.count() == 0


def test_a_narrowed_host_whose_lost_activities_nobody_uses_is_a_warning(tenant, registry_changes):
    snapshot, hosts = registry_changes
    with tenant.context():
        supplier = builders.supplier("Rétréci")
        _match(supplier, hosts["narrowed"][0], "suggested")
        builders.link(builders.processing(), supplier, activities=(1, 2))
        created = alerts.registry_hosts_changed(tenant.organisation, snapshot.pk)
    assert [(a.severity, a.data["suppliers"][0]["match"]) for a in created] == [("warning", "suggested")]


@pytest.mark.parametrize("suppliers", [1, 12])
def test_registry_alerts_cost_eight_queries_whatever_the_suppliers_and_links(tenant, registry_changes, suppliers,
                                                                            django_assert_num_queries):
    """Changes, matched suppliers, their links, the lock, the existing keys, one insert, one insert
    of the events and the webhook endpoints: as many with one supplier as with a dozen, each in
    four processings."""
    snapshot, hosts = registry_changes
    with tenant.context():
        processings = [builders.processing(f"Traitement {n}") for n in range(4)]
        for n in range(suppliers):
            supplier = builders.supplier(f"Fournisseur {n:02}")
            _match(supplier, hosts["removed" if n % 2 == 0 else "narrowed"][0])
            for processing in processings:
                builders.link(processing, supplier, activities=(1, 2))
        with django_assert_num_queries(8):
            created = alerts.registry_hosts_changed(tenant.organisation, snapshot.pk)
    removed, narrowed = (suppliers + 1) // 2, suppliers // 2
    assert [(a.data["change"], a.severity, len(a.data["suppliers"]), len(a.data["processings"])) for a in created] \
        == [("removed", "error", removed, 4), ("activities_narrowed", "warning", narrowed, 4)][:min(suppliers, 2)]
    assert [len(p["links"]) for p in created[0].data["processings"]] == [removed] * 4


# Texts -----------------------------------------------------------------------------------------


def _alert(kind, data, threshold=None):
    return Alert(kind=kind, data=data, threshold=threshold)


CERTIFICATE = {"certificate": {"id": 1, "kind": "hds", "kind_label": "HDS", "number": "HDS-42", "activities": [1]},
               "supplier": {"id": 3, "name": "Nuage Souverain"}, "expires_on": "2026-12-21", "threshold": 30}


@pytest.mark.parametrize(("alert", "language", "title", "message"), [
    (_alert("certificate_expiring", CERTIFICATE), "fr",
     "Le certificat HDS HDS-42 de Nuage Souverain expire le 21 décembre 2026",
     "Le certificat HDS HDS-42 de Nuage Souverain arrive à échéance le 21 décembre 2026 (dans 30 jours ou moins). "
     "Demandez le certificat renouvelé et déposez-le dans Maillon."),
    (_alert("certificate_expiring", CERTIFICATE), "en",
     "The HDS certificate HDS-42 of Nuage Souverain expires on Dec. 21, 2026",
     "The HDS certificate HDS-42 of Nuage Souverain expires on Dec. 21, 2026 (in 30 days or less). "
     "Ask for the renewed certificate and upload it to Maillon."),
    (_alert("certificate_expired", {**CERTIFICATE, "supplier": None, "certificate": {"kind_label": "HDS"}}), "en",
     "The HDS certificate without number of your organisation expired on Dec. 21, 2026",
     "The HDS certificate without number of your organisation is no longer valid since Dec. 21, 2026: "
     "the activities it covered are no longer covered."),
    (_alert("evidence_expiring", {"evidence": {"title": "Contrat <HDS>"}, "valid_until": "2027-01-05",
                                  "threshold": 60}), "fr",
     "La pièce « Contrat <HDS> » n'est plus valable après le 5 janvier 2027",
     "La pièce « Contrat <HDS> » arrive en fin de validité le 5 janvier 2027 (dans 60 jours ou moins). "
     "Déposez sa nouvelle version."),
    (_alert("evidence_expired", {"evidence": {"title": "DPA"}, "valid_until": "2027-01-05"}), "en",
     "The document “DPA” expired on Jan. 5, 2027",
     "The document “DPA” is no longer valid since Jan. 5, 2027. Upload its new version."),
    (_alert("conformity_changed", {"processing": {"name": "Dossier patient"}, "from_status": "compliant",
                                   "to_status": "non_compliant", "appeared": [{"code": "validity.expired"}],
                                   "disappeared": []}), "fr",
     "Traitement « Dossier patient » : conforme → non conforme",
     "Constats apparus : validity.expired. Constats disparus : aucun."),
    (_alert("conformity_changed", {"processing": {"name": "Dossier patient"}, "from_status": "compliant",
                                   "to_status": "non_compliant", "appeared": [{"code": "validity.expired"}],
                                   "disappeared": []}), "en",
     "Processing “Dossier patient”: compliant → non-compliant",
     "Findings that appeared: validity.expired. Findings that disappeared: none."),
    (_alert("registry_host_changed", {"change": "removed", "host": {"name": "Disparu SAS"}, "lost_activities": [1],
                                      "suppliers": [{"name": "Disparu"}], "processings": []}), "fr",
     "Liste ANS : Disparu SAS n'y figure plus",
     "L'hébergeur Disparu SAS a été retiré de la liste des hébergeurs certifiés. Fournisseurs concernés : "
     "Disparu. Traitements concernés : aucun."),
    (_alert("registry_host_changed", {"change": "activities_narrowed", "host": {"name": "Rétréci SA"},
                                      "lost_activities": [5, 6], "suppliers": [{"name": "Rétréci"}],
                                      "processings": [{"name": "DPI"}]}), "en",
     "ANS list: Rétréci SA no longer covers activities 5, 6",
     "The list of certified hosts no longer shows activities 5, 6 for Rétréci SA. Suppliers concerned: Rétréci. "
     "Processings concerned: DPI."),
])
def test_titles_and_messages_in_both_languages(alert, language, title, message):
    assert alerts.render(alert, language) == (title, message)


# API -------------------------------------------------------------------------------------------


def _url(organisation, suffix=""):
    return f"/api/v1/orgs/{organisation.slug}/alerts/{suffix}"


def _raise(tenant, count=1, severity="warning"):
    with tenant.context():
        return alerts.raise_alerts(tenant.organisation, [
            Alert(kind="certificate_expiring", severity=severity, dedupe_key=f"k{n}:{severity}", threshold=30,
                  data={**CERTIFICATE, "threshold": 30})
            for n in range(count)
        ])


def test_members_list_alerts_newest_first_with_filters_and_texts_in_their_language(tenant, client_for):
    older = _raise(tenant, severity="warning")[0]
    Alert.all_organisations.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=1))
    newer = _raise(tenant, severity="error")[0]
    client = client_for(user=tenant.members["viewer"])

    response = client.get(_url(tenant.organisation))
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], [a["id"] for a in body["results"]]) == (2, [newer.pk, older.pk])
    assert body["results"][0] | {"created_at": None} == {
        "id": newer.pk, "kind": "certificate_expiring", "severity": "error", "status": "open",
        "title": "Le certificat HDS HDS-42 de Nuage Souverain expire le 21 décembre 2026",
        "message": "Le certificat HDS HDS-42 de Nuage Souverain arrive à échéance le 21 décembre 2026 (dans 30 jours "
                   "ou moins). Demandez le certificat renouvelé et déposez-le dans Maillon.",
        "threshold": 30, "due_on": None, "data": {**CERTIFICATE, "threshold": 30}, "certificate": None,
        "evidence": None, "processing": None, "supplier": None, "created_at": None, "acknowledged_at": None,
        "acknowledged_by": None, "resolved_at": None, "resolved_by": None, "resolution": None,
        "updated_at": body["results"][0]["updated_at"],
    }
    english = client.get(_url(tenant.organisation, f"{newer.pk}/"), HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["title"] == "The HDS certificate HDS-42 of Nuage Souverain expires on Dec. 21, 2026"
    filtered = client.get(_url(tenant.organisation), {"severity": "warning", "status": "open",
                                                      "kind": "certificate_expiring"})
    assert [a["id"] for a in filtered.json()["results"]] == [older.pk]
    assert client.get(_url(tenant.organisation), {"status": "nope"}).json()["code"] == "invalid"


# Session, user, organisation, membership, count, page, and the test transaction's savepoint pair
# (PostgreSQL adds the row-level security setting).
QUERIES = 9 if settings.IS_POSTGRES else 8


def test_listing_alerts_costs_the_same_queries_for_one_or_many(tenant, client_for, django_assert_num_queries):
    client = client_for(user=tenant.owner)
    _raise(tenant, 1)
    with django_assert_num_queries(QUERIES):
        assert client.get(_url(tenant.organisation)).json()["count"] == 1
    with tenant.context():
        alert = Alert.objects.get()
        alerts.alert_acknowledge(alert=alert, actor=builders.ACTOR)
    _raise(tenant, 25, severity="error")
    with django_assert_num_queries(QUERIES):
        assert client.get(_url(tenant.organisation)).json()["count"] == 26


def test_acknowledge_then_resolve_is_recorded_and_audited(tenant, client_for):
    alert = _raise(tenant)[0]
    editor = tenant.members["editor"]
    client = client_for(user=editor)

    response = client.post(_url(tenant.organisation, f"{alert.pk}/acknowledge/"))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["acknowledged_by"]) == ("acknowledged", editor.email)
    again = client.post(_url(tenant.organisation, f"{alert.pk}/acknowledge/"))
    assert (again.status_code, again.json()) == (409, {"code": "alert_not_open",
                                                       "message": "Cette alerte n'est plus ouverte."})

    resolved = client.post(_url(tenant.organisation, f"{alert.pk}/resolve/")).json()
    assert (resolved["status"], resolved["resolved_by"], resolved["resolution"]) == ("resolved", editor.email, "manual")
    twice = client.post(_url(tenant.organisation, f"{alert.pk}/resolve/"))
    assert (twice.status_code, twice.json()["code"]) == (409, "alert_already_resolved")
    with tenant.context():
        assert list(AuditEvent.objects.filter(target_type="compliance.alert").order_by("seq")
                    .values_list("action", "actor_id", "target_id")) == [
            ("alert.acknowledged", editor.pk, str(alert.pk)), ("alert.resolved", editor.pk, str(alert.pk))]


@pytest.mark.parametrize("who", ["viewer", "auditor", "read_token"])
def test_readers_cannot_acknowledge_or_resolve_and_nothing_changes(tenant, client_for, who):
    alert = _raise(tenant)[0]
    client = client_for(token=tenant.token(scope="read")) if who == "read_token" else client_for(
        user=tenant.members[who])
    for action in ("acknowledge", "resolve"):
        response = client.post(_url(tenant.organisation, f"{alert.pk}/{action}/"))
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    with tenant.context():
        assert Alert.objects.get().status == "open"
        assert not AuditEvent.objects.filter(action__startswith="alert.").exists()


def test_another_organisations_alerts_are_not_found(tenant, other_tenant, client_for):
    alert = _raise(tenant)[0]
    outsider = client_for(user=other_tenant.owner)
    assert outsider.get(_url(tenant.organisation)).status_code == 404
    assert outsider.get(_url(other_tenant.organisation, f"{alert.pk}/")).status_code == 404
    response = outsider.post(_url(other_tenant.organisation, f"{alert.pk}/resolve/"))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert outsider.get(_url(other_tenant.organisation)).json()["count"] == 0
    with tenant.context():
        assert Alert.objects.get().status == "open"


def test_registry_task_for_a_deleted_organisation_is_a_no_op(db):
    assert alert_registry_changes(987654, 1) is None
