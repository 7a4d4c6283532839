"""Suppliers and the ANS list: matching, confirm/reject, registry copies, re-checks after an import."""

import importlib
from datetime import date
from types import SimpleNamespace

from django.db import connection

from compliance import evaluation, services
from compliance.models import Certificate, ConformityResult, ConformityStatusChange
from compliance.registry_link import organisations_depending_on_hosts
from compliance.tasks import evaluate_processings_task, refresh_registry_copies
from hds_platform.models import AuditEvent, OutboxMessage
from registry import signals as registry_signals
from registry.models import HostCertificate, Snapshot
from tests.compliance import builders
from tests.compliance.builders import ACTOR


def _match(supplier):
    return (supplier.registry_match_status, supplier.registry_host_id, supplier.registry_match_score,
            supplier.registry_match_method)


def test_exact_name_is_only_suggested(tenant):
    host = builders.registry_host("Clever Cloud", "BV-HDS-0456")
    with tenant.context():
        supplier = builders.supplier("Clever Cloud S.A.S.")
        assert _match(supplier) == ("suggested", host.pk, 100, "name_exact")
        assert Certificate.objects.count() == 0  # nothing copied before a member confirms


def test_close_name_is_suggested_with_its_score(tenant):
    host = builders.registry_host("Sauvegarde Santé Services", "DEKRA.HDS.24.0311", activities=[6])
    with tenant.context():
        supplier = builders.supplier("Sauvegarde Sante Service")
        status, host_id, score, method = _match(supplier)
        assert (status, host_id, method) == ("suggested", host.pk, "name_fuzzy")
        assert 80 <= score < 100


def test_unrelated_name_matches_nothing(tenant):
    builders.registry_host("Clever Cloud", "BV-HDS-0456")
    with tenant.context():
        assert _match(builders.supplier("Boulangerie Dupont")) == ("none", None, None, "")


def test_certificate_number_confirms_and_copies_the_published_certificates(tenant):
    host = builders.registry_host("OVH SAS", "HDS-LNE-2024-0042")
    with tenant.context():
        supplier = builders.supplier("Hébergeur du groupe")
        recorded = builders.certificate(supplier, activities=[1, 2, 3, 4, 5, 6], certificate_number="hds lne 2024/0042")
        supplier.refresh_from_db()
        assert _match(supplier) == ("confirmed", host.pk, 100, "certificate_number")
        # The organisation already recorded that number: no duplicate copy.
        assert list(Certificate.objects.values_list("pk", "source")) == [(recorded.pk, "document")]


def test_confirm_and_reject_through_the_api(tenant, client_for):
    first = builders.registry_host("Datacenter Lumière SAS", "FR25/80412", activities=[1, 2],
                                   expires_on=date(2028, 4, 21))
    other = builders.registry_host("Datacenter Lumiere Nord", "FR25/99999", activities=[1])
    with tenant.context():
        supplier = builders.supplier("Datacenter Lumière")
    client = client_for(user=tenant.members["editor"])
    base = f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/{supplier.pk}"
    assert client.get(f"{base}/").json()["registry_match"] == {
        "status": "suggested", "host": {"id": first.pk, "name": "Datacenter Lumière SAS",
                                        "certificate_number": "FR25/80412", "activities": [1, 2],
                                        "expires_on": "2028-04-21"},
        "score": 100, "method": "name_exact", "rejected_hosts": [],
    }
    rejected = client.post(f"{base}/registry-match/reject/").json()["registry_match"]
    assert rejected == {"status": "none", "host": None, "score": None, "method": "", "rejected_hosts": [first.pk]}
    with tenant.context():
        supplier.refresh_from_db()
        services.supplier_update(supplier=supplier, actor=ACTOR, name="Datacenter Lumière SAS")
        supplier.refresh_from_db()
        # The rejected host is never suggested again; the next candidate is.
        assert supplier.registry_host_id == other.pk
        assert AuditEvent.objects.filter(action="supplier.registry_match_rejected").count() == 1
    confirmed = client.post(f"{base}/registry-match/confirm/", {"host": first.pk}, format="json").json()
    assert confirmed["registry_match"]["status"] == "confirmed"
    assert (confirmed["registry_match"]["method"], confirmed["registry_match"]["rejected_hosts"]) == ("manual", [])
    assert confirmed["certificates_summary"]["valid"] == 1
    with tenant.context():
        copy = Certificate.objects.get()
        assert (copy.source, copy.certificate_number, copy.activities, copy.registry_certificate.host_id) == (
            "registry", "FR25/80412", frozenset({1, 2}), first.pk)
    viewer = client_for(user=tenant.members["viewer"])
    assert viewer.post(f"{base}/registry-match/reject/").status_code == 403
    nothing = client.post(f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/{supplier.pk}/registry-match/confirm/")
    assert (nothing.status_code, nothing.json()["code"]) == (409, "no_suggestion")


def test_organisations_depending_on_hosts(tenant, other_tenant):
    confirmed_host = builders.registry_host("OVH SAS", "HDS-1")
    suggested_host = builders.registry_host("Scaleway", "HDS-2")
    unrelated = builders.registry_host("Clever Cloud", "HDS-3")
    with tenant.context():
        services.supplier_registry_match_confirm(supplier=builders.supplier("Notre hébergeur"), actor=ACTOR,
                                                 host=confirmed_host)
    with other_tenant.context():
        builders.supplier("Scaleway")  # suggested
        rejected = builders.supplier("OVH")
        services.supplier_registry_match_confirm(supplier=rejected, actor=ACTOR, host=unrelated)
        services.supplier_registry_match_reject(supplier=rejected, actor=ACTOR)
    assert organisations_depending_on_hosts([confirmed_host.pk]) == [tenant.organisation.pk]
    assert organisations_depending_on_hosts([suggested_host.pk, confirmed_host.pk]) == sorted(
        [tenant.organisation.pk, other_tenant.organisation.pk])
    assert organisations_depending_on_hosts([unrelated.pk]) == []


def _dependants(tenant, other_tenant):
    """``tenant`` confirmed on two hosts, ``other_tenant`` suggested one of them; a third host
    followed by nobody; a host only rejected."""
    first = builders.registry_host("OVH SAS", "HDS-1")
    second = builders.registry_host("Scaleway", "HDS-2")
    unfollowed = builders.registry_host("Clever Cloud", "HDS-3")
    rejected = builders.registry_host("Outscale", "HDS-4")
    with tenant.context():
        for name, host in (("Hébergeur principal", first), ("Hébergeur de secours", second)):
            services.supplier_registry_match_confirm(supplier=builders.supplier(name), actor=ACTOR, host=host)
    with other_tenant.context():
        builders.supplier("Scaleway")  # suggested
        refused = builders.supplier("Outscale")
        services.supplier_registry_match_reject(supplier=refused, actor=ACTOR)
    OutboxMessage.objects.all().delete()
    return first, second, unfollowed, rejected


def _announce(snapshot_id, *hosts):
    registry_signals.hosts_changed.send(sender=Snapshot, snapshot_id=snapshot_id, host_ids=sorted(h.pk for h in hosts))
    return list(OutboxMessage.objects.order_by("id").values_list("task_name", "args"))


def test_changed_hosts_enqueue_one_refresh_and_one_alert_per_dependent_organisation(tenant, other_tenant):
    first, second, unfollowed, _rejected = _dependants(tenant, other_tenant)
    ours, theirs = tenant.organisation.pk, other_tenant.organisation.pk

    enqueued = _announce(41, first, second, unfollowed)

    assert enqueued == [
        ("compliance.tasks.refresh_registry_copies", [ours]),
        ("compliance.tasks.refresh_registry_copies", [theirs]),
        ("compliance.monitoring.tasks.alert_registry_changes", [ours, 41]),
        ("compliance.monitoring.tasks.alert_registry_changes", [theirs, 41]),
    ]
    assert ours < theirs  # each receiver's organisations in order


def test_changed_hosts_enqueue_work_only_for_the_organisations_that_depend_on_them(tenant, other_tenant):
    first, _second, unfollowed, rejected = _dependants(tenant, other_tenant)

    assert _announce(42, first) == [
        ("compliance.tasks.refresh_registry_copies", [tenant.organisation.pk]),
        ("compliance.monitoring.tasks.alert_registry_changes", [tenant.organisation.pk, 42]),
    ]
    OutboxMessage.objects.all().delete()
    assert _announce(43, unfollowed, rejected) == []


def test_the_compliance_and_monitoring_receivers_listen_to_the_registry():
    connected = {lookup_key[0] for lookup_key, *_receiver in registry_signals.hosts_changed.receivers}
    assert connected == {"compliance.registry_hosts_changed", "monitoring.registry_hosts_changed"}


def test_refresh_after_an_import_refreshes_copies_and_reevaluates(tenant, media):
    host = builders.registry_host("Nuage Souverain", "HDS-NS-1", activities=[1, 2, 3, 4, 5],
                                  scope="Cloud de confiance : datacenters de Lille")
    with tenant.context():
        supplier = builders.supplier("Fournisseur cloud")
        services.supplier_registry_match_confirm(supplier=supplier, actor=ACTOR, host=host)
        assert list(Certificate.objects.values_list("certificate_number", "perimeter")) == [
            ("HDS-NS-1", "Cloud de confiance : datacenters de Lille")]
        builders.evidence("hosting_contract", supplier=supplier)
        builders.evidence("dpa", supplier=supplier)
        processing = builders.processing()
        builders.link(processing, supplier, activities=[1, 2, 3, 4, 5])
        evaluation.evaluate_all()
        assert ConformityResult.objects.get().status == "compliant"
    # An import narrows the host to 1-2 and renews its certificate under a new number.
    published = HostCertificate.objects.get(host=host)
    published.current = False
    published.save()
    HostCertificate.objects.create(host=host, certificate_number="HDS-NS-2", normalised_number="HDSNS2",
                                   activities=frozenset({1, 2}), expires_on=date(2029, 1, 1), certifier="LNE",
                                   referential_version="v2", first_seen=published.first_seen,
                                   last_seen=published.last_seen)
    assert refresh_registry_copies(tenant.organisation.pk) == 1
    with tenant.context():
        assert list(Certificate.objects.values_list("certificate_number", "source", "perimeter")) == [
            ("HDS-NS-2", "registry", "")]
        result = ConformityResult.objects.get()
        assert result.status == "non_compliant"
        assert {(f["code"], f["activity"]) for f in result.findings if f["severity"] == "error"} == {
            ("coverage.activity_not_covered", 3), ("coverage.activity_not_covered", 4),
            ("coverage.activity_not_covered", 5)}
        assert AuditEvent.objects.order_by("-seq").first().changes == {"added": 1, "updated": 0, "removed": 1}
        evaluated_at = result.evaluated_at
        changes = ConformityStatusChange.objects.count()
    # Run again (a redelivered task): nothing changes, nothing is written.
    assert refresh_registry_copies(tenant.organisation.pk) == 1
    assert evaluate_processings_task(tenant.organisation.pk, [processing.pk]) == 1
    with tenant.context():
        assert ConformityResult.objects.get().evaluated_at == evaluated_at
        assert ConformityStatusChange.objects.count() == changes


def test_the_migration_gives_existing_registry_copies_the_published_scope(tenant, other_tenant):
    """Copies made before certificates had a perimeter take the published scope, in every
    organisation (row-level security applies to the migration's owner too); other rows are left."""
    migration = importlib.import_module("compliance.migrations.0003_certificate_perimeters")
    host = builders.registry_host("Nuage Souverain", "HDS-NS-1", scope="Cloud de confiance : Lille")
    for each in (tenant, other_tenant):
        with each.context():
            supplier = builders.supplier("Fournisseur cloud")
            services.supplier_registry_match_confirm(supplier=supplier, actor=ACTOR, host=host)
            builders.certificate(supplier, activities=[5], certificate_number="HDS-OWN-DOC")
            Certificate.objects.update(perimeter="")  # as the rows stood before the migration
    with tenant.context():
        migration.copy_registry_scopes(None, SimpleNamespace(connection=connection))
    for each in (tenant, other_tenant):
        with each.context():
            assert sorted(Certificate.objects.values_list("certificate_number", "perimeter")) == [
                ("HDS-NS-1", "Cloud de confiance : Lille"), ("HDS-OWN-DOC", "")]
