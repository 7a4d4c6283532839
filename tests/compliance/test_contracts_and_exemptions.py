"""Hosting contracts checked for their R.1111-11 clauses, and exemptions named with their proof:
through the API, the services and the loader."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance import evaluation, services
from compliance.loader import load_inputs
from compliance.models import ChainLink, ConformityResult, Evidence, Processing
from hds_platform.models import AuditEvent
from tests.compliance import builders
from tests.compliance.builders import ACTOR
from tests.compliance.conftest import stored_files

ON = date(2026, 11, 28)
CLAUSES = builders.ALL_CLAUSES


@pytest.fixture
def chain(tenant, media):
    """An editor certified 5-6 over an IaaS certified 1-4 storing in France and Germany, with its DPA
    and the editor's own contract with its customers; the IaaS hosting contract is what each test
    adds."""
    with tenant.context():
        iaas = builders.supplier("Nuage Souverain")
        builders.certificate(iaas, activities=[1, 2, 3, 4], certificate_number="HDS-IAAS", source="registry")
        builders.evidence("dpa", supplier=iaas)
        builders.certificate(None, activities=[5, 6], certificate_number="HDS-OWN", source="registry")
        builders.own_hosting_contract(contract_locations=["FR", "DE"])
        processing = builders.processing("Téléconsultation", dpia_required=False)
        iaas_link = builders.link(processing, iaas, activities=[1, 2, 3, 4], storage_countries=["FR", "DE"])
        own_link = builders.link(processing, None, activities=[5, 6], stores_health_data=False, storage_countries=[])
    return SimpleNamespace(iaas=iaas, processing=processing, link=iaas_link, own_link=own_link)


def _base(tenant):
    return f"/api/v1/orgs/{tenant.organisation.slug}"


def _codes(tenant, processing) -> set[str]:
    with tenant.context():
        evaluation.evaluate_processings([processing.pk], on=ON)
        return {finding["code"] for finding in ConformityResult.objects.get(processing=processing).findings}


# Contracts -----------------------------------------------------------------------------------


def test_a_contract_uploaded_with_its_clauses_in_a_multipart_form(tenant, client_for, chain):
    client = client_for(user=tenant.members["editor"])
    response = client.post(f"{_base(tenant)}/evidence/", {
        "file": builders.pdf_upload("contrat.pdf"), "kind": "hosting_contract", "supplier": chain.iaas.pk,
        # Repeated keys, or one comma-separated value: both are read; the article's order is kept.
        "contract_clauses": [",".join(reversed(CLAUSES[:7])), *CLAUSES[7:]],
        "contract_locations": "fr, de",
    }, format="multipart")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["contract_clauses"], body["contract_locations"]) == (CLAUSES, ["FR", "DE"])
    event = AuditEvent.all_organisations.filter(action="evidence.uploaded").latest("id")
    assert (event.changes["contract_clauses"], event.changes["contract_locations"]) == (CLAUSES, ["FR", "DE"])
    assert _codes(tenant, chain.processing) == set()


def test_a_contract_uploaded_without_clauses_is_not_checked_yet_then_checked_through_a_patch(
        tenant, client_for, chain):
    client = client_for(user=tenant.members["editor"])
    response = client.post(f"{_base(tenant)}/evidence/", {
        "file": builders.pdf_upload("contrat.pdf"), "kind": "hosting_contract", "supplier": chain.iaas.pk,
    }, format="multipart")
    url = f"{_base(tenant)}/evidence/{response.json()['id']}/"
    assert (response.json()["contract_clauses"], response.json()["contract_locations"]) == (None, [])
    assert _codes(tenant, chain.processing) == {"evidence.contract_clauses_unchecked"}

    response = client.patch(url, {"contract_clauses": [c for c in CLAUSES if c != "subcontractors"],
                                  "contract_locations": ["FR"]}, format="json")

    assert response.status_code == 200, response.json()
    assert _codes(tenant, chain.processing) == {"evidence.contract_clauses_missing",
                                                "evidence.contract_location_mismatch"}
    with tenant.context():
        finding = {f["code"]: f for f in ConformityResult.objects.get(processing=chain.processing).findings}
    assert finding["evidence.contract_clauses_missing"]["message"] == (
        "Le contrat d'hébergement avec Nuage Souverain ne comporte pas toutes les clauses exigées par l'article "
        "R.1111-11 : manquent 7° conditions de recours à des sous-traitants.")
    assert finding["evidence.contract_location_mismatch"]["message_en"] == (
        "The hosting contract with Nuage Souverain does not name, among the hosting locations (FR), countries "
        "where the health data are stored: DE.")

    assert client.patch(url, {"contract_clauses": CLAUSES, "contract_locations": ["FR", "DE"]},
                        format="json").status_code == 200
    assert _codes(tenant, chain.processing) == set()
    assert client.patch(url, {"contract_clauses": None}, format="json").json()["contract_clauses"] is None
    assert _codes(tenant, chain.processing) == {"evidence.contract_clauses_unchecked"}


@pytest.mark.parametrize("data, field, code, multipart_too", [
    ({"kind": "hosting_contract", "contract_clauses": ["hosting_locations", "price", "sla"]},
     "contract_clauses", "unknown_contract_clause", True),
    # A form sends a single value as a one-item list: only JSON can send a bare string.
    ({"kind": "hosting_contract", "contract_clauses": "hosting_locations"}, "contract_clauses", "invalid", False),
    ({"kind": "hosting_contract", "contract_clauses": ["services", "services"]},
     "contract_clauses", "duplicate_contract_clause", True),
    ({"kind": "hosting_contract", "contract_locations": ["FR", "XX"]}, "contract_locations", "invalid_country", True),
    ({"kind": "dpa", "contract_clauses": ["services"]}, "contract_clauses", "contract_terms_wrong_kind", True),
    ({"kind": "dpa", "contract_locations": ["FR"]}, "contract_clauses", "contract_terms_wrong_kind", True),
])
def test_contract_terms_are_refused_with_stable_codes_and_change_nothing(tenant, client_for, chain, media, data,
                                                                         field, code, multipart_too):
    client = client_for(user=tenant.members["editor"])
    with tenant.context():
        contract = builders.evidence("hosting_contract", supplier=chain.iaas, contract_clauses=None)
    before = (Evidence.all_organisations.count(), AuditEvent.all_organisations.count(), stored_files(media))

    patched = client.patch(f"{_base(tenant)}/evidence/{contract.pk}/", data, format="json")
    assert (patched.status_code, patched.json()["errors"][field][0]["code"]) == (400, code)
    if multipart_too:
        uploaded = client.post(f"{_base(tenant)}/evidence/", {"file": builders.pdf_upload(), **data},
                               format="multipart")
        assert (uploaded.status_code, uploaded.json()["errors"][field][0]["code"]) == (400, code)
    assert (Evidence.all_organisations.count(), AuditEvent.all_organisations.count(), stored_files(media)) == before
    contract.refresh_from_db()
    assert (contract.kind, contract.contract_clauses, contract.contract_locations) == ("hosting_contract", None, [])


def test_a_new_version_of_a_contract_is_checked_again(tenant, chain):
    with tenant.context():
        contract = builders.evidence("hosting_contract", supplier=chain.iaas, contract_locations=["FR", "DE"])
        assert _codes(tenant, chain.processing) == set()
        new = services.evidence_supersede(evidence=contract, actor=ACTOR, file=builders.pdf_upload("v2.pdf"))
        assert (new.kind, new.supplier_id, new.contract_clauses, new.contract_locations) == (
            "hosting_contract", chain.iaas.pk, None, [])
    assert _codes(tenant, chain.processing) == {"evidence.contract_clauses_unchecked"}


def test_the_own_contract_tied_to_another_processing_does_not_count(tenant, chain):
    with tenant.context():
        builders.evidence("hosting_contract", supplier=chain.iaas, contract_locations=["FR", "DE"])
        own = Evidence.objects.get(kind="hosting_contract", supplier__isnull=True)
        other = builders.processing("Autre traitement")
        services.evidence_update(evidence=own, actor=ACTOR, processing=other)
    assert _codes(tenant, chain.processing) == {"evidence.own_hosting_contract_missing"}


def test_the_own_contract_is_compared_with_every_country_the_chain_stores_in(tenant, chain):
    with tenant.context():
        builders.evidence("hosting_contract", supplier=chain.iaas, contract_locations=["FR", "DE"])
        own = Evidence.objects.get(kind="hosting_contract", supplier__isnull=True)
        # The editor's standard contract names France only; its IaaS stores in Germany too.
        services.evidence_update(evidence=own, actor=ACTOR, contract_locations=["FR"])
        evaluation.evaluate_processings([chain.processing.pk], on=ON)
        findings = ConformityResult.objects.get(processing=chain.processing).findings
    assert [(f["code"], f["link"], f["supplier"], f["message"]) for f in findings] == [
        ("evidence.contract_location_mismatch", chain.own_link.pk, None,
         "Votre contrat d'hébergement avec les responsables de traitement que vous servez ne mentionne pas, parmi "
         "les lieux d'hébergement (FR), des pays où les données de santé sont stockées : DE.")]


# Exemptions ----------------------------------------------------------------------------------


def test_a_link_carries_an_exemption_reason_and_its_evidence_through_the_api(tenant, client_for, chain):
    client = client_for(user=tenant.members["editor"])
    with tenant.context():
        builders.evidence("hosting_contract", supplier=chain.iaas, contract_locations=["FR", "DE"])
        archive = builders.supplier("Archives Numériques Agréées")
        builders.evidence("dpa", supplier=archive)
        approval = builders.evidence("exemption_proof", supplier=archive, title="Agrément")
    url = f"{_base(tenant)}/processings/{chain.processing.pk}/chain/"

    response = client.post(url, {"actor": archive.pk, "activities": [6], "storage_countries": ["FR"],
                                 "exemption_reason": "archiving_approved"}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["exemption_reason"], response.json()["exempt_under_parent"]) == (
        "archiving_approved", False)
    # Unproven, the archive is a host like any other: no certificate, no hosting contract, and
    # nobody declared for the site and hardware under the data it stores.
    assert _codes(tenant, chain.processing) == {"coverage.exemption_archiving_unproven",
                                                "evidence.hosting_contract_missing",
                                                "completeness.site_and_hardware_missing"}

    link_url = f"{url}{response.json()['id']}/"
    response = client.patch(link_url, {"exemption_evidence": approval.pk}, format="json")
    assert response.json()["exemption_evidence"] == approval.pk
    assert _codes(tenant, chain.processing) == {"coverage.exempt_archiving_approved"}

    # Dropping the reason drops its evidence: a checkbox (or a reason) alone never exempts, nor lingers.
    response = client.patch(link_url, {"exemption_reason": ""}, format="json")
    assert (response.json()["exemption_reason"], response.json()["exemption_evidence"]) == (None, None)


def test_exempt_under_parent_stays_a_contract_of_the_api(tenant, client_for, chain):
    client = client_for(user=tenant.members["editor"])
    with tenant.context():
        subsidiary = builders.supplier("Filiale")
        proof = builders.evidence("exemption_proof", supplier=chain.iaas, title="Tableau de garanties")
    url = f"{_base(tenant)}/processings/{chain.processing.pk}/chain/"

    response = client.post(url, {"actor": subsidiary.pk, "parent": chain.link.pk, "activities": [3],
                                 "storage_countries": ["FR"], "exempt_under_parent": True,
                                 "exemption_evidence": proof.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["exempt_under_parent"], body["exemption_reason"], body["exemption_evidence"]) == (
        True, "covered_by_parent_audit", proof.pk)
    link_url = f"{url}{body['id']}/"

    conflict = client.patch(link_url, {"exempt_under_parent": True, "exemption_reason": "short_term_processing"},
                            format="json")
    assert (conflict.status_code, conflict.json()["code"]) == (400, "exemption_conflict")

    response = client.patch(link_url, {"exempt_under_parent": False}, format="json")
    assert (response.json()["exempt_under_parent"], response.json()["exemption_reason"],
            response.json()["exemption_evidence"]) == (False, None, None)
    response = client.patch(link_url, {"exemption_reason": "covered_by_parent_audit"}, format="json")
    assert (response.json()["exempt_under_parent"], response.json()["exemption_reason"]) == (
        True, "covered_by_parent_audit")


def test_unticking_exempt_under_parent_keeps_another_exemption(tenant, chain):
    with tenant.context():
        scanner = builders.supplier("Scan Santé")
        link = builders.link(chain.processing, scanner, activities=[5], exemption_reason="short_term_processing")
        link = services.chain_link_update(link=link, actor=ACTOR, exempt_under_parent=False)
        assert (link.exemption_reason, link.exempt_under_parent) == ("short_term_processing", False)
        other = builders.evidence("other")
        with pytest.raises(ValidationError) as excinfo:
            builders.link(chain.processing, scanner, exemption_evidence=other)
        assert {k: [e.code for e in v] for k, v in excinfo.value.error_dict.items()} == {
            "exemption_evidence": ["evidence_without_exemption"]}
        with pytest.raises(ValidationError) as excinfo:
            builders.link(chain.processing, scanner, exemption_reason="covered_by_parent_audit")
        assert {k: [e.code for e in v] for k, v in excinfo.value.error_dict.items()} == {
            "exempt_under_parent": ["exemption_without_parent"]}


def test_a_processing_carries_the_organisations_own_exemption(tenant, client_for, chain):
    client = client_for(user=tenant.members["editor"])
    with tenant.context():
        builders.evidence("hosting_contract", supplier=chain.iaas, contract_locations=["FR", "DE"])
        services.evidence_delete(evidence=Evidence.objects.get(kind="hosting_contract", supplier__isnull=True),
                                 actor=ACTOR)
        proof = builders.evidence("exemption_proof", title="Prestation de numérisation")
    url = f"{_base(tenant)}/processings/{chain.processing.pk}/"
    assert _codes(tenant, chain.processing) == {"evidence.own_hosting_contract_missing"}

    refused = client.patch(url, {"exemption_reason": "covered_by_parent_audit"}, format="json")
    assert (refused.status_code, refused.json()["errors"]["exemption_reason"][0]["code"]) == (400, "invalid_choice")
    response = client.patch(url, {"exemption_reason": "short_term_processing"}, format="json")
    assert (response.json()["exemption_reason"], response.json()["exemption_evidence"]) == (
        "short_term_processing", None)
    # The reason alone changes nothing.
    assert _codes(tenant, chain.processing) == {"evidence.own_hosting_contract_missing"}
    response = client.patch(url, {"exemption_evidence": proof.pk}, format="json")
    assert response.json()["exemption_evidence"] == proof.pk
    # Proven not to host, the organisation owes its customers no HDS hosting contract; its own
    # certificate still covers 5 and 6, so the exemption is not even needed there.
    assert _codes(tenant, chain.processing) == set()

    with tenant.context():
        new = services.evidence_supersede(evidence=proof, actor=ACTOR, file=builders.pdf_upload("v2.pdf"))
        assert Processing.objects.get(pk=chain.processing.pk).exemption_evidence_id == new.pk
        services.evidence_delete(evidence=new, actor=ACTOR)
        assert Processing.objects.get(pk=chain.processing.pk).exemption_evidence_id == proof.pk
    response = client.patch(url, {"exemption_reason": None}, format="json")
    assert (response.json()["exemption_reason"], response.json()["exemption_evidence"]) == (None, None)


def test_the_loader_reads_contract_terms_and_exemptions_in_the_same_queries(tenant, chain,
                                                                             django_assert_num_queries):
    with tenant.context():
        with CaptureQueriesContext(connection) as before:
            load_inputs([chain.processing.pk], ON)
        builders.evidence("hosting_contract", supplier=chain.iaas, contract_clauses=CLAUSES[:11],
                          contract_locations=["FR"])
        builders.evidence("hosting_contract", supplier=chain.iaas, processing=chain.processing,
                          contract_clauses=CLAUSES[11:], contract_locations=["DE"])
        builders.evidence("hosting_contract", supplier=chain.iaas, contract_clauses=[],
                          valid_until=date(2026, 1, 1))  # expired: read, not counted
        proof = builders.evidence("exemption_proof")
        services.processing_update(processing=chain.processing, actor=ACTOR,
                                   exemption_reason="short_term_processing", exemption_evidence=proof)
        # No confirmed registry host: the published certificates are not queried (5 of the 6).
        assert len(before) == 5
        with django_assert_num_queries(len(before)):
            data = load_inputs([chain.processing.pk], ON)[chain.processing.pk]
    iaas_link, own_link = data.links
    assert (iaas_link.contract_clauses, iaas_link.contract_locations) == (frozenset(CLAUSES), ("DE", "FR"))
    assert (own_link.has_hosting_contract, own_link.contract_clauses, own_link.contract_locations) == (
        True, frozenset(CLAUSES), ("DE", "FR"))
    assert (data.processing.exemption_reason, data.processing.exemption_evidence) == ("short_term_processing", True)


def test_the_migration_names_the_reason_of_links_exempt_under_parent(tenant, chain):
    import importlib

    migration = importlib.import_module("compliance.migrations.0005_contract_terms_and_exemptions")
    with tenant.context():
        child = builders.link(chain.processing, builders.supplier("Filiale"), parent=chain.link,
                              exempt_under_parent=True)
        ChainLink.objects.filter(pk=child.pk).update(exemption_reason="")  # as before the migration
    from django.apps import apps

    migration.exemption_reason_from_flag(apps, SimpleNamespace(connection=connection))
    with tenant.context():
        assert sorted(ChainLink.objects.values_list("exempt_under_parent", "exemption_reason")) == [
            (False, ""), (False, ""), (True, "covered_by_parent_audit")]
