"""Compliance services: validation with stable codes, one audit event per write, re-evaluation after commit."""

import importlib
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from compliance import services
from compliance.models import (
    Certificate,
    ChainLink,
    ConformityResult,
    ConformityStatusChange,
    Processing,
    Supplier,
)
from compliance.monitoring import digests
from compliance.monitoring.webhooks import services as webhook_services
from hds_platform.errors import Conflict, ServiceError
from hds_platform.models import AuditEvent, OutboxMessage
from tests.compliance import builders
from tests.compliance.builders import ACTOR
from tests.compliance.conftest import stored_files


def _codes(excinfo) -> dict[str, list[str]]:
    return {field: [error.code for error in errors] for field, errors in excinfo.value.error_dict.items()}


def _last_event():
    return AuditEvent.objects.order_by("-seq").first()


def test_supplier_create_normalises_validates_and_audits(tenant):
    with tenant.context():
        before = AuditEvent.objects.count()
        supplier = services.supplier_create(actor=ACTOR, name="  Nuage   Souverain ", siren="732 829 320",
                                            siret="73282932000074", vat_number="fr 44 732829320", country="fr")
        assert (supplier.name, supplier.siren, supplier.siret, supplier.vat_number, supplier.country) == (
            "Nuage Souverain", "732829320", "73282932000074", "FR44732829320", "FR")
        assert AuditEvent.objects.count() == before + 1
        event = _last_event()
        assert (event.action, event.target_type, event.target_id) == ("supplier.created", "compliance.supplier",
                                                                      str(supplier.pk))
        assert event.changes == {"name": "Nuage Souverain", "siren": "732829320", "country": "FR",
                                 "registry_match": "none"}


@pytest.mark.parametrize("fields, expected", [
    ({"siren": "123456789"}, {"siren": ["invalid_siren"]}),
    ({"siret": "73282932000075"}, {"siret": ["invalid_siret"]}),
    ({"vat_number": "FR00732829320"}, {"vat_number": ["invalid_vat"]}),
    ({"vat_number": "DE123456789"}, {"vat_number": ["invalid_vat"]}),
    ({"country": "XX"}, {"country": ["invalid_country"]}),
    ({"siren": "732829320", "siret": "44306184100047"}, {"siret": ["siret_siren_mismatch"]}),
    ({"transparency_url": "pas une url"}, {"transparency_url": ["invalid"]}),
    ({"non_eu_laws": "CLOUD Act"}, {"non_eu_laws": ["invalid_list"]}),
])
def test_supplier_create_refuses_invalid_identifiers_with_codes(tenant, fields, expected):
    with tenant.context():
        before = AuditEvent.objects.count()
        with pytest.raises(ValidationError) as excinfo:
            services.supplier_create(actor=ACTOR, name="Fournisseur", **fields)
        assert _codes(excinfo) == expected
        assert Supplier.objects.count() == 0
        assert AuditEvent.objects.count() == before


def test_supplier_accepts_a_german_vat_number(tenant):
    with tenant.context():
        supplier = services.supplier_create(actor=ACTOR, name="Rechenzentrum", country="DE",
                                            vat_number="DE136695976")
        assert supplier.vat_number == "DE136695976"


def test_supplier_name_and_siren_are_unique_per_organisation(tenant, other_tenant):
    with tenant.context():
        builders.supplier("OVH", siren="424761419")
        with pytest.raises(ValidationError) as excinfo:
            builders.supplier("OVH")
        assert _codes(excinfo) == {"__all__": ["duplicate_name"]}
        with pytest.raises(ValidationError) as excinfo:
            builders.supplier("OVH Cloud", siren="424761419")
        assert _codes(excinfo) == {"__all__": ["duplicate_siren"]}
    with other_tenant.context():
        builders.supplier("OVH", siren="424761419")
        assert Supplier.objects.count() == 1
    assert Supplier.all_organisations.count() == 2


def test_supplier_update_audits_only_what_changed(tenant):
    with tenant.context():
        supplier = builders.supplier("Nuage")
        seq = _last_event().seq
        services.supplier_update(supplier=supplier, actor=ACTOR, name="Nuage", country="FR")
        assert _last_event().seq == seq
        services.supplier_update(supplier=supplier, actor=ACTOR, subject_to_non_eu_law=True,
                                 non_eu_laws=["US CLOUD Act"])
        event = _last_event()
        assert (event.action, event.changes) == (
            "supplier.updated",
            {"subject_to_non_eu_law": [False, True], "non_eu_laws": [[], ["US CLOUD Act"]]},
        )


def test_supplier_update_audits_a_new_registry_match_as_before_and_after(tenant):
    host = builders.registry_host("Clever Cloud", "BV-HDS-0456")
    with tenant.context():
        supplier = builders.supplier("Boulangerie Dupont")
        services.supplier_update(supplier=supplier, actor=ACTOR, name="Boulangerie Durand")
        assert (_last_event().action, _last_event().changes) == (
            "supplier.updated", {"name": ["Boulangerie Dupont", "Boulangerie Durand"]})
        services.supplier_update(supplier=supplier, actor=ACTOR, name="Clever Cloud S.A.S.")
        assert (_last_event().action, _last_event().changes) == ("supplier.updated", {
            "name": ["Boulangerie Durand", "Clever Cloud S.A.S."],
            "registry_match": [["none", None], ["suggested", host.pk]]})
        services.supplier_update(supplier=supplier, actor=ACTOR, name="Boulangerie Dupont")
        assert (_last_event().action, _last_event().changes) == ("supplier.updated", {
            "name": ["Clever Cloud S.A.S.", "Boulangerie Dupont"],
            "registry_match": [["suggested", host.pk], ["none", None]]})


def test_services_refuse_unknown_fields(tenant):
    with tenant.context(), pytest.raises(ServiceError) as excinfo:
        services.supplier_create(actor=ACTOR, name="X", organisation_id=3, iban="FR76")
    assert (excinfo.value.code, excinfo.value.message, excinfo.value.field) == (
        "unknown_fields", "Champs inconnus : iban, organisation_id", None)


def _written(tenant):
    supplier = builders.supplier()
    processing = builders.processing()
    return {
        "supplier": supplier, "processing": processing, "certificate": builders.certificate(supplier),
        "link": builders.link(processing, supplier), "evidence": builders.evidence("dpa", supplier=supplier),
        "endpoint": webhook_services.webhook_endpoint_create(actor=ACTOR, url="https://93.184.215.14/hook",
                                                             events=["conformity.changed"]),
        "user": tenant.owner,
    }


UPDATES_WITH_FIELDS = {
    "supplier_create": lambda rows, **fields: services.supplier_create(actor=ACTOR, name="B", **fields),
    "supplier_update": lambda rows, **fields: services.supplier_update(supplier=rows["supplier"], actor=ACTOR,
                                                                       **fields),
    "certificate_create": lambda rows, **fields: services.certificate_create(actor=ACTOR, **fields),
    "certificate_update": lambda rows, **fields: services.certificate_update(certificate=rows["certificate"],
                                                                             actor=ACTOR, **fields),
    "processing_create": lambda rows, **fields: services.processing_create(actor=ACTOR, **fields),
    "processing_update": lambda rows, **fields: services.processing_update(processing=rows["processing"],
                                                                           actor=ACTOR, **fields),
    "chain_link_create": lambda rows, **fields: services.chain_link_create(actor=ACTOR,
                                                                           processing=rows["processing"], **fields),
    "chain_link_update": lambda rows, **fields: services.chain_link_update(link=rows["link"], actor=ACTOR,
                                                                           **fields),
    "evidence_upload": lambda rows, **fields: services.evidence_upload(actor=ACTOR, file=builders.pdf_upload(),
                                                                       kind="dpa", **fields),
    "evidence_supersede": lambda rows, **fields: services.evidence_supersede(
        evidence=rows["evidence"], actor=ACTOR, file=builders.pdf_upload(), **fields),
    "evidence_update": lambda rows, **fields: services.evidence_update(evidence=rows["evidence"], actor=ACTOR,
                                                                       **fields),
    "certificate_create_with_document": lambda rows, **fields: services.certificate_create_with_document(
        actor=ACTOR, document=builders.pdf_upload(), kind="hds", activities=[1], expires_on=date(2028, 1, 9),
        **fields),
    "webhook_endpoint_update": lambda rows, **fields: webhook_services.webhook_endpoint_update(
        endpoint=rows["endpoint"], actor=ACTOR, **fields),
    "notification_preference_update": lambda rows, **fields: digests.notification_preference_update(
        user=rows["user"], actor=ACTOR, **fields),
}


@pytest.mark.parametrize("write", list(UPDATES_WITH_FIELDS))
def test_every_write_refuses_unknown_fields_alike_and_records_nothing(tenant, media, write):
    with tenant.context():
        rows = _written(tenant)
        seq, files = _last_event().seq, stored_files(media)
        with pytest.raises(ServiceError) as excinfo:
            UPDATES_WITH_FIELDS[write](rows, organisation=tenant.organisation, created_by=tenant.owner)
        assert (type(excinfo.value), excinfo.value.code, excinfo.value.message, excinfo.value.field) == (
            ServiceError, "unknown_fields", "Champs inconnus : created_by, organisation", None)
        assert _last_event().seq == seq
    assert stored_files(media) == files


def test_supplier_in_a_chain_cannot_be_deleted(tenant):
    with tenant.context():
        supplier = builders.supplier()
        builders.link(builders.processing(), supplier)
        with pytest.raises(Conflict) as excinfo:
            services.supplier_delete(supplier=supplier, actor=ACTOR)
        assert excinfo.value.code == "supplier_in_use"
        assert Supplier.objects.count() == 1


def test_supplier_delete_removes_its_certificates_and_audits(tenant):
    with tenant.context():
        supplier = builders.supplier()
        builders.certificate(supplier)
        services.supplier_delete(supplier=supplier, actor=ACTOR)
        assert (Supplier.objects.count(), Certificate.objects.count()) == (0, 0)
        event = _last_event()
        assert (event.action, event.changes) == ("supplier.deleted", {"name": "Nuage Souverain",
                                                                      "evidence_deleted": 0})


def test_certificate_create_validates_and_audits(tenant):
    with tenant.context():
        supplier = builders.supplier()
        certificate = builders.certificate(supplier, activities=[4, 1], certificate_number="HDS-1")
        assert certificate.activities == frozenset({1, 4})
        event = _last_event()
        assert (event.action, event.changes) == ("certificate.created", {
            "supplier": supplier.pk, "kind": "hds", "certificate_number": "HDS-1", "activities": [1, 4],
            "expires_on": "2027-12-01"})
        with pytest.raises(ValidationError) as excinfo:
            builders.certificate(supplier, activities=[], certificate_number="HDS-2")
        assert _codes(excinfo) == {"activities": ["no_activity"]}
        with pytest.raises(ValidationError) as excinfo:
            builders.certificate(supplier, activities=[7], certificate_number="HDS-3")
        assert _codes(excinfo) == {"activities": ["invalid_activity"]}
        with pytest.raises(ValidationError) as excinfo:
            builders.certificate(supplier, certificate_number="HDS-4", issued_on=date(2028, 1, 1))
        assert _codes(excinfo) == {"expires_on": ["expires_before_issued"]}
        with pytest.raises(ValidationError) as excinfo:
            builders.certificate(supplier, certificate_number="HDS-1", activities=[1, 4])
        assert _codes(excinfo) == {"__all__": ["duplicate_certificate"]}
        own = builders.certificate(None, activities=[5], certificate_number="HDS-1")
        assert own.supplier is None
        assert Certificate.objects.count() == 2


def test_certificate_of_another_organisation_supplier_is_refused(tenant, other_tenant):
    with other_tenant.context():
        foreign = builders.supplier("Étranger")
    with tenant.context():
        with pytest.raises(ServiceError) as excinfo:
            builders.certificate(foreign)
        assert (excinfo.value.code, excinfo.value.field) == ("does_not_exist", "supplier")
        assert Certificate.objects.count() == 0


def test_processing_validates_register_fields(tenant):
    with tenant.context():
        processing = builders.processing(transfers=[{"country": "US", "safeguard": "CCT 2021/914"}])
        assert _last_event().action == "processing.created"
        assert processing.transfers == [{"country": "US", "safeguard": "CCT 2021/914"}]
        with pytest.raises(ValidationError) as excinfo:
            builders.processing("Autre", transfers=[{"country": "ZZ"}], identifiability="maybe", purposes="x")
        assert _codes(excinfo) == {"transfers": ["invalid_country"], "identifiability": ["invalid_choice"],
                                   "purposes": ["invalid_list"]}
        with pytest.raises(ValidationError) as excinfo:
            builders.processing("Dossier patient")
        assert _codes(excinfo) == {"__all__": ["duplicate_name"]}


def test_chain_link_structure_rules(tenant):
    with tenant.context():
        first, second = builders.processing("A"), builders.processing("B")
        iaas, datacenter = builders.supplier("IaaS"), builders.supplier("Datacenter")
        top = builders.link(first, iaas)
        child = builders.link(first, datacenter, parent=top, activities=[1, 2])
        assert _last_event().changes == {"processing": first.pk, "supplier": datacenter.pk, "parent": top.pk,
                                         "activities": [1, 2], "certificates": []}
        with pytest.raises(ServiceError) as excinfo:
            builders.link(second, datacenter, parent=top)
        assert excinfo.value.code == "parent_other_processing"
        with pytest.raises(ServiceError) as excinfo:
            services.chain_link_update(link=top, actor=ACTOR, parent=child)
        assert excinfo.value.code == "chain_cycle"
        with pytest.raises(ServiceError) as excinfo:
            services.chain_link_update(link=top, actor=ACTOR, parent=top)
        assert excinfo.value.code == "chain_cycle"
        with pytest.raises(ValidationError) as excinfo:
            builders.link(first, datacenter, exempt_under_parent=True)
        assert _codes(excinfo) == {"exempt_under_parent": ["exemption_without_parent"]}
        with pytest.raises(ValidationError) as excinfo:
            builders.link(first, datacenter, storage_countries=["FR", "XX"],
                          remote_access=[{"country": "US", "basis": "trust me"}])
        assert _codes(excinfo) == {"storage_countries": ["invalid_country"],
                                   "remote_access": ["invalid_remote_access"]}
        with pytest.raises(Conflict) as excinfo:
            services.chain_link_delete(link=top, actor=ACTOR)
        assert excinfo.value.code == "link_has_children"
        services.chain_link_delete(link=child, actor=ACTOR)
        services.chain_link_delete(link=top, actor=ACTOR)
        assert ChainLink.objects.count() == 0
        assert _last_event().action == "chain_link.deleted"


def test_storage_countries_are_upper_cased(tenant):
    with tenant.context():
        link = builders.link(builders.processing(), builders.supplier(), storage_countries=["fr", " de"],
                             remote_access=[{"country": "ch", "basis": "adequacy"}])
        assert (link.storage_countries, link.remote_access) == (["FR", "DE"], [{"country": "CH", "basis": "adequacy"}])


def test_processing_delete_removes_its_chain(tenant):
    with tenant.context():
        processing = builders.processing()
        top = builders.link(processing, builders.supplier())
        builders.link(processing, builders.supplier("Sous-traitant"), parent=top)
        services.processing_delete(processing=processing, actor=ACTOR)
        assert (Processing.objects.count(), ChainLink.objects.count()) == (0, 0)
        assert _last_event().action == "processing.deleted"


def test_writes_dispatch_reevaluation_of_the_affected_processings_after_commit(
    tenant, django_capture_on_commit_callbacks
):
    with tenant.context():
        supplier = builders.supplier()
        unrelated = builders.processing("Sans lien")
        processing = builders.processing()
        builders.link(processing, supplier)
        OutboxMessage.objects.all().delete()
        with django_capture_on_commit_callbacks() as callbacks:
            services.supplier_update(supplier=supplier, actor=ACTOR, country="DE")
        assert len(callbacks) == 1
        message = OutboxMessage.objects.get()
        assert (message.task_name, message.args) == (
            "compliance.tasks.evaluate_processings_task", [tenant.organisation.pk, [processing.pk]])
        assert unrelated.pk not in message.args[1]


def test_reevaluation_runs_after_commit_and_records_history(tenant, django_capture_on_commit_callbacks):
    with tenant.context():
        supplier = builders.supplier()
        with django_capture_on_commit_callbacks(execute=True):
            processing = builders.processing()
            link = builders.link(processing, supplier, activities=[1, 2, 3, 4, 5])
        result = ConformityResult.objects.get(processing=processing)
        assert result.status == "non_compliant"
        codes = {finding["code"] for finding in result.findings}
        assert "coverage.activity_not_covered" in codes
        with django_capture_on_commit_callbacks(execute=True):
            builders.certificate(supplier, activities=[1, 2, 3, 4, 5])
            builders.evidence("hosting_contract", supplier=supplier)
            builders.evidence("dpa", supplier=supplier)
            builders.evidence("hds_certificate", supplier=supplier,
                              certificate=Certificate.objects.get(supplier=supplier))
        result.refresh_from_db()
        assert result.status == "compliant"
        assert [(f["code"], f["link"]) for f in result.findings] == [
            ("registry.not_found", link.pk), ("backup.none_recorded", None)]
        # The processing and its link were committed together: two tasks ran, the second found
        # the same inputs and wrote nothing.
        history = list(ConformityStatusChange.objects.filter(processing=processing).order_by("id")
                       .values_list("from_status", "to_status", "appeared", "disappeared"))
        assert history == [
            ("", "non_compliant", sorted(codes), []),
            ("non_compliant", "compliant", ["registry.not_found"],
             ["coverage.activity_not_covered", "evidence.dpa_missing", "evidence.hosting_contract_missing"]),
        ]


def test_certificate_writes_store_the_referential_normalised_and_audit_the_normalised_change(tenant):
    with tenant.context():
        supplier = builders.supplier()
        created = builders.certificate(supplier, referential_version="V1 (2018)", issued_on=date(2024, 3, 1),
                                       expires_on=date(2027, 2, 28))
        updated = services.certificate_update(certificate=created, actor=ACTOR, referential_version="référentiel 2024")
        unchanged = _last_event()
        services.certificate_update(certificate=created, actor=ACTOR, referential_version="HDS v2")

        assert Certificate.objects.get(pk=created.pk).referential_version == "v2"
        assert (updated.referential_version, unchanged.changes) == ("v2", {"referential_version": ["v1", "v2"]})
        assert _last_event() == unchanged  # "HDS v2" is v2: nothing changed, nothing audited


def test_the_migration_normalises_the_referentials_already_stored_in_every_organisation(tenant, other_tenant):
    migration = importlib.import_module("compliance.migrations.0002_law_facts")
    # The models as the migration sees them: plain managers, no organisation context needed.
    apps = MigrationExecutor(connection).loader.project_state(("compliance", "0002_law_facts")).apps
    typed = {"2018": "v1", "V1 (2018)": "v1", "1.0": "v1", "2.0": "v2", "v2": "v2", "v2.1": "v2.1", "": ""}
    ids = {}
    for owner in (tenant, other_tenant):
        with owner.context():
            supplier = builders.supplier()
            for index, version in enumerate(typed):
                certificate = builders.certificate(supplier, certificate_number=f"C-{index}")
                Certificate.objects.filter(pk=certificate.pk).update(referential_version=version)  # as stored before
                ids[(owner.organisation.pk, certificate.pk)] = typed[version]

    migration.normalise_referential_versions(apps, type("SchemaEditor", (), {"connection": connection})())

    stored = {}
    for owner in (tenant, other_tenant):
        with owner.context():
            stored.update({(owner.organisation.pk, pk): version
                           for pk, version in Certificate.objects.values_list("pk", "referential_version")})
    assert stored == ids
