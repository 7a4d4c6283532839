"""End to end through the database: rows written by the services, loaded, evaluated, stored.

The engine's own table (test_conformity_scenarios.py) covers every rule on plain data; this one
checks that the models, the loader's evidence mapping and the stored result agree on a few key
chains.
"""

from datetime import date

import pytest

from compliance import evaluation, services
from compliance.models import ConformityResult
from hds_platform.models import Organisation
from tests.compliance import builders
from tests.compliance.builders import ACTOR

ON = date(2026, 11, 28)


def _set_kind(tenant, kind):
    Organisation.objects.filter(pk=tenant.organisation.pk).update(kind=kind)
    tenant.organisation.kind = kind


def _documented(supplier, activities, number, **fields):
    """A supplier's certificate with its document, contract and DPA on file."""
    certificate = builders.certificate(supplier, activities=activities, certificate_number=number, **fields)
    builders.evidence("hds_certificate", supplier=supplier, certificate=certificate)
    builders.evidence("hosting_contract", supplier=supplier)
    builders.evidence("dpa", supplier=supplier)
    return certificate


def self_hosting_professional(tenant):
    _set_kind(tenant, "health_professional")
    processing = builders.processing("Dossier du cabinet", hosting_mode="self_hosted")
    builders.link(processing, None, activities=[1, 2, 5])
    return processing


def editor_on_a_certified_datacenter(tenant):
    """An editor running its SaaS itself (5) on a datacenter certified 1-2, not certified itself."""
    datacenter = builders.supplier("Datacenter Lumière")
    _documented(datacenter, [1, 2], "FR25/80412")
    processing = builders.processing("Logiciel de cabinet en ligne")
    builders.link(processing, datacenter, activities=[1, 2])
    builders.link(processing, None, activities=[3, 4, 5])
    return processing


def compliant_chain(tenant):
    """An editor certified 5-6 on an IaaS certified 1-4, everything on file."""
    iaas = builders.supplier("Nuage Souverain")
    _documented(iaas, [1, 2, 3, 4], "HDS-IAAS")
    own = builders.certificate(None, activities=[5, 6], certificate_number="HDS-OWN")
    builders.evidence("hds_certificate", certificate=own)
    processing = builders.processing("Téléconsultation")
    parent = builders.link(processing, iaas, activities=[1, 2, 3, 4])
    builders.link(processing, None, activities=[5, 6], parent=parent, is_backup=True)
    return processing


def contract_for_another_processing(tenant):
    """The contract on file is tied to another processing: it does not count here."""
    iaas = builders.supplier("Nuage Souverain")
    certificate = builders.certificate(iaas, activities=[1, 2, 3, 4], certificate_number="HDS-IAAS")
    builders.evidence("hds_certificate", supplier=iaas, certificate=certificate)
    other = builders.processing("Autre traitement")
    builders.evidence("hosting_contract", supplier=iaas, processing=other)
    builders.evidence("dpa", supplier=iaas)
    own = builders.certificate(None, activities=[5], certificate_number="HDS-OWN")
    builders.evidence("hds_certificate", certificate=own)
    processing = builders.processing("Téléconsultation")
    builders.link(processing, iaas, activities=[1, 2, 3, 4])
    builders.link(processing, None, activities=[5], stores_health_data=False, storage_countries=[])
    return processing


def expired_contract(tenant):
    """The contract has ended; nobody is declared for activity 5 either (myth 1)."""
    iaas = builders.supplier("Nuage Souverain")
    _documented(iaas, [1, 2, 3, 4], "HDS-IAAS")
    contract = iaas.evidence.get(kind="hosting_contract")
    services.evidence_update(evidence=contract, actor=ACTOR, valid_until=date(2026, 1, 1))
    processing = builders.processing("Téléconsultation")
    builders.link(processing, iaas, activities=[1, 2, 3, 4])
    return processing


def unproven_exemption(tenant):
    host = builders.supplier("Hébergeur Principal")
    _documented(host, [1, 2, 3, 4, 5, 6], "HDS-HOST")
    subsidiary = builders.supplier("Filiale Sauvegarde")
    processing = builders.processing("Imagerie", hosting_mode="outsourced")
    parent = builders.link(processing, host, activities=[1, 2, 3, 4, 5])
    builders.link(processing, subsidiary, activities=[6], parent=parent, exempt_under_parent=True, is_backup=True)
    return processing


def proven_exemption(tenant):
    host = builders.supplier("Hébergeur Principal")
    _documented(host, [1, 2, 3, 4, 5, 6], "HDS-HOST")
    subsidiary = builders.supplier("Filiale Sauvegarde")
    proof = builders.evidence("audit_report", supplier=host, title="Tableau de garanties")
    processing = builders.processing("Imagerie", hosting_mode="outsourced")
    parent = builders.link(processing, host, activities=[1, 2, 3, 4, 5])
    builders.link(processing, subsidiary, activities=[6], parent=parent, exempt_under_parent=True,
                  exemption_evidence=proof, is_backup=True)
    return processing


def anonymised_statistics(tenant):
    processing = builders.processing("Statistiques", identifiability="anonymised",
                                     data_categories=["Tranche d'âge", "Diagnostics codés"])
    builders.link(processing, builders.supplier("Nuage"), activities=[1, 2, 3])
    return processing


def _own_certificate():
    own = builders.certificate(None, activities=[5], certificate_number="HDS-OWN")
    builders.evidence("hds_certificate", certificate=own)


def _operated_by_us(processing):
    """The organisation's own link: it administers and operates the system (5) it hosts for others."""
    builders.link(processing, None, activities=[5], stores_health_data=False, storage_countries=[])


def anonymised_with_identity(tenant):
    """"Anonymised" with the identity among the categories: evaluated as the personal data they are."""
    processing = builders.processing("Statistiques", identifiability="anonymised")
    builders.link(processing, builders.supplier("Nuage"), activities=[1, 2, 3])
    return processing


def hosting_mode_unknown(tenant):
    _set_kind(tenant, "health_establishment")
    return builders.processing("Laboratoire", hosting_mode="", dpia_done=True)


def establishment_care_without_dpia(tenant):
    """The register says no DPIA is required; the CNIL list says patient care by an establishment needs one."""
    _set_kind(tenant, "health_establishment")
    iaas = builders.supplier("Nuage Souverain")
    _documented(iaas, [1, 2, 3, 4, 5, 6], "HDS-IAAS")
    processing = builders.processing("Dossier patient informatisé", dpia_required=False)
    builders.link(processing, iaas, activities=[1, 2, 3, 4, 5, 6])
    return processing


def establishment_portal_for_patients(tenant):
    """A patient portal run on the establishment's own servers hosts for the patients: its own link is in scope."""
    _set_kind(tenant, "health_establishment")
    processing = builders.processing("Portail patients", hosting_mode="self_hosted", hosts_for_patients=True,
                                     dpia_done=True)
    builders.link(processing, None, activities=[1, 2, 5, 6])
    return processing


def v1_certificate_by_its_dates(tenant):
    """Typed "V1 (2018)", stored "v1", issued before v2 existed: it stopped counting on 2026-05-16."""
    iaas = builders.supplier("Nuage Souverain")
    certificate = builders.certificate(iaas, activities=[1, 2, 3, 4], certificate_number="HDS-2018",
                                       referential_version="V1 (2018)", issued_on=date(2024, 3, 1),
                                       expires_on=date(2027, 2, 28))
    assert certificate.referential_version == "v1"
    builders.evidence("hds_certificate", supplier=iaas, certificate=certificate)
    builders.evidence("hosting_contract", supplier=iaas)
    builders.evidence("dpa", supplier=iaas)
    _own_certificate()
    processing = builders.processing("Téléconsultation")
    builders.link(processing, iaas, activities=[1, 2, 3, 4])
    _operated_by_us(processing)
    return processing


def blank_version_issued_before_v2(tenant):
    """No version typed, issued before 2024-05-16: v1, whatever the blank says."""
    iaas = builders.supplier("Nuage Souverain")
    _documented(iaas, [1, 2, 3, 4], "HDS-IAAS")
    services.certificate_update(certificate=iaas.certificates.get(), actor=ACTOR, referential_version="",
                                issued_on=date(2024, 5, 15), expires_on=date(2027, 5, 14))
    _own_certificate()
    processing = builders.processing("Téléconsultation")
    builders.link(processing, iaas, activities=[1, 2, 3, 4])
    _operated_by_us(processing)
    return processing


def registry_copy_of_a_2018_certificate(tenant):
    """The ANS list writes "référentiel 2018": the copy reads v1, so it no longer counts."""
    host = builders.registry_host("Estérel Hébergement Santé", "HDS-EST", activities=[1, 2, 3, 4],
                                  referential_version="référentiel 2018", issued_on=date(2024, 1, 10),
                                  expires_on=date(2027, 1, 9))
    supplier = builders.supplier("Estérel Hébergement Santé")
    services.supplier_registry_match_confirm(supplier=supplier, actor=ACTOR, host=host)
    assert supplier.certificates.get().referential_version == "v1"
    builders.evidence("hosting_contract", supplier=supplier)
    builders.evidence("dpa", supplier=supplier)
    _own_certificate()
    processing = builders.processing("Dossier")
    builders.link(processing, supplier, activities=[1, 2, 3, 4])
    _operated_by_us(processing)
    return processing


def us_access_without_then_with_dpf(tenant, *, dpf_certified):
    iaas = builders.supplier("Nuage Transatlantique", dpf_certified=dpf_certified)
    _documented(iaas, [1, 2, 3, 4], "HDS-IAAS")
    _own_certificate()
    processing = builders.processing("Téléconsultation", transfers=[{"country": "US", "safeguard": ""}])
    builders.link(processing, iaas, activities=[1, 2, 3, 4], remote_access=[{"country": "US", "basis": ""}])
    _operated_by_us(processing)
    return processing


def us_access_dpf_not_recorded(tenant):
    return us_access_without_then_with_dpf(tenant, dpf_certified=False)


def us_access_dpf_recorded(tenant):
    return us_access_without_then_with_dpf(tenant, dpf_certified=True)


def confirmed_host_removed_from_the_list(tenant):
    host = builders.registry_host("Estérel Hébergement Santé", "HDS-EST", activities=[3, 4, 5, 6], listed=False)
    supplier = builders.supplier("Estérel Hébergement Santé")
    services.supplier_registry_match_confirm(supplier=supplier, actor=ACTOR, host=host)
    host.removed_in = host.last_seen
    host.save()
    builders.evidence("hosting_contract", supplier=supplier)
    builders.evidence("dpa", supplier=supplier)
    own = builders.certificate(None, activities=[5], certificate_number="HDS-OWN")
    builders.evidence("hds_certificate", certificate=own)
    processing = builders.processing("Dossier")
    builders.link(processing, supplier, activities=[3, 4])
    builders.link(processing, None, activities=[5], stores_health_data=False, storage_countries=[])
    return processing


def editor_in_processor_role_over_a_certified_iaas(tenant):
    """Myth 1: « hébergé dans un datacenter certifié, donc HDS » — no link, no certificate of its own."""
    iaas = builders.supplier("Nuage Souverain")
    _documented(iaas, [1, 2, 3, 4], "HDS-IAAS")
    processing = builders.processing("Dossier patient des clients", role="processor",
                                     controllers_served=["Clinique des Lilas"])
    builders.link(processing, iaas, activities=[1, 2, 3, 4])
    return processing


def _two_offers(name_one: bool):
    host = builders.supplier("Hébergeur Principal")
    _documented(host, [1, 2, 3, 4, 5, 6], "HDS-PUBLIC", perimeter="Cloud public")
    health = builders.certificate(host, activities=[1, 2, 3, 4, 5, 6], certificate_number="HDS-SANTE",
                                  perimeter="Cloud de confiance santé")
    builders.evidence("hds_certificate", supplier=host, certificate=health)
    processing = builders.processing("Imagerie")
    builders.link(processing, host, activities=[1, 2, 3, 4, 5, 6], certificates=[health] if name_one else [])
    return processing


def two_offers_of_one_host_none_named(tenant):
    return _two_offers(name_one=False)


def two_offers_of_one_host_one_named(tenant):
    return _two_offers(name_one=True)


SCENARIOS = [
    # HDS does not apply (the hosting answer); the register is complete, so overall compliant.
    (self_hosting_professional, "compliant", {
        "scope.self_hosted_own_patients", "scope.self_hosting_security", "scope.self_hosting_register",
        "scope.self_hosting_patient_rights", "scope.self_hosting_privacy_notice", "scope.self_hosting_backups"}),
    (editor_on_a_certified_datacenter, "non_compliant", {
        "self.activity_not_covered", "registry.not_found", "backup.none_recorded"}),
    (compliant_chain, "compliant", {"registry.not_found"}),
    (contract_for_another_processing, "non_compliant", {
        "evidence.hosting_contract_missing", "registry.not_found", "backup.none_recorded"}),
    (expired_contract, "non_compliant", {
        "evidence.hosting_contract_missing", "completeness.operation_missing", "registry.not_found",
        "backup.none_recorded"}),
    # The subsidiary contracts with the host, not with the organisation: no contract of its own is due.
    (unproven_exemption, "non_compliant", {"coverage.exemption_unproven", "registry.not_found"}),
    (proven_exemption, "compliant", {"coverage.exempt_under_parent", "registry.not_found"}),
    (anonymised_statistics, "not_applicable", {"scope.anonymised"}),
    (anonymised_with_identity, "non_compliant", {
        "scope.anonymised_contradiction", "coverage.activity_not_covered", "evidence.hosting_contract_missing",
        "evidence.dpa_missing", "backup.none_recorded", "completeness.operation_missing"}),
    (hosting_mode_unknown, "incomplete", {"scope.hosting_mode_unknown"}),
    (establishment_care_without_dpia, "non_compliant", {"register.dpia_required_care", "registry.not_found"}),
    (establishment_portal_for_patients, "non_compliant", {"self.activity_not_covered"}),
    (v1_certificate_by_its_dates, "non_compliant", {
        "coverage.activity_not_covered", "validity.certificate_v1_obsolete", "backup.none_recorded"}),
    (blank_version_issued_before_v2, "non_compliant", {
        "coverage.activity_not_covered", "validity.certificate_v1_obsolete", "backup.none_recorded"}),
    (registry_copy_of_a_2018_certificate, "non_compliant", {
        "coverage.activity_not_covered", "validity.certificate_v1_obsolete", "backup.none_recorded"}),
    (us_access_dpf_not_recorded, "incomplete", {
        "sovereignty.remote_access_dpf_check", "registry.not_found", "backup.none_recorded"}),
    (us_access_dpf_recorded, "compliant", {
        "sovereignty.remote_access_adequacy", "registry.not_found", "backup.none_recorded"}),
    # The copy of the published certificate still covers 3-4, but the host's removal is an error;
    # and nobody is declared for the site and hardware under the data it stores.
    (confirmed_host_removed_from_the_list, "non_compliant", {
        "registry.host_removed", "completeness.site_and_hardware_missing", "backup.none_recorded"}),
    (editor_in_processor_role_over_a_certified_iaas, "non_compliant", {
        "completeness.operation_missing", "registry.not_found", "backup.none_recorded"}),
    # Which offer the service used belongs to is unknown until the link names its certificate; until
    # then no certificate is relied on, so none is checked against the list either.
    (two_offers_of_one_host_none_named, "incomplete", {"coverage.certificate_ambiguous"}),
    (two_offers_of_one_host_one_named, "compliant", {"registry.not_found"}),
]


@pytest.mark.parametrize("build, status, codes", SCENARIOS, ids=[s[0].__name__ for s in SCENARIOS])
def test_scenario_through_the_database(tenant, media, build, status, codes):
    _set_kind(tenant, "software_editor")
    with tenant.context():
        processing = build(tenant)
        result = evaluation.evaluate_processings([processing.pk], on=ON)[processing.pk]
        stored = ConformityResult.objects.get(processing=processing)
        assert (stored.status, stored.evaluated_on) == (result.status, ON)
        assert (stored.status, {finding["code"] for finding in stored.findings}) == (status, codes)
