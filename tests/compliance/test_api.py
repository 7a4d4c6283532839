"""The compliance API: exact bodies, tenant isolation (404), roles, scoped id inputs."""

from datetime import date

import pytest

from compliance.models import Certificate, ChainLink, ConformityResult, Evidence, Processing, Supplier
from hds_platform.models import AuditEvent
from tests.compliance import builders

CREATED = "2026-11-28T10:00:00+01:00"


@pytest.fixture
def world(tenant, media, frozen):
    """One object of each resource in ``tenant``."""
    with tenant.context():
        supplier = builders.supplier("Nuage Souverain", siren="732829320", country="FR",
                                     transparency_url="https://nuage.example/transparence")
        certificate = builders.certificate(supplier, activities=[1, 2, 3, 4], certificate_number="HDS-LNE-1")
        own = builders.certificate(None, activities=[5], certificate_number="HDS-OWN-1")
        processing = builders.processing("Dossier patient")
        link = builders.link(processing, supplier, activities=[1, 2, 3, 4],
                             remote_access=[{"country": "CH", "basis": "adequacy"}])
        own_link = builders.link(processing, None, activities=[5], parent=None)
        contract = builders.evidence("hosting_contract", supplier=supplier, title="Contrat 2026",
                                     file=builders.pdf_upload("contrat.pdf"), valid_until=date(2029, 1, 14))
    return {"supplier": supplier, "certificate": certificate, "own": own, "processing": processing,
            "link": link, "own_link": own_link, "evidence": contract}


def _base(tenant):
    return f"/api/v1/orgs/{tenant.organisation.slug}"


def test_supplier_body(tenant, client_for, world):
    supplier = world["supplier"]
    response = client_for(user=tenant.members["viewer"]).get(f"{_base(tenant)}/suppliers/{supplier.pk}/")
    assert response.status_code == 200
    assert response.json() == {
        "id": supplier.pk, "external_id": None, "name": "Nuage Souverain", "siren": "732829320", "siret": "",
        "vat_number": "", "country": "FR",
        "registry_match": {"status": "none", "host": None, "score": None, "method": "", "rejected_hosts": []},
        "subject_to_non_eu_law": False, "non_eu_laws": [], "non_eu_law_mitigations": "",
        "transparency_url": "https://nuage.example/transparence", "dpf_certified": False,
        "certificates_summary": {"valid": 1, "expiring_within_90_days": 0, "expired_or_invalid": 0,
                                 "next_expiry": "2027-12-01"},
        "created_at": CREATED, "updated_at": CREATED, "contact_email": "",
    }


def test_certificate_bodies(tenant, client_for, world):
    client = client_for(user=tenant.members["viewer"])
    certificate, own = world["certificate"], world["own"]
    expected = {
        "id": certificate.pk, "supplier": world["supplier"].pk, "kind": "hds", "activities": [1, 2, 3, 4],
        "certificate_number": "HDS-LNE-1", "certifier": "LNE", "referential_version": "v2",
        "issued_on": "2024-12-02", "expires_on": "2027-12-01", "status": "valid", "perimeter": "", "source": "document",
        "evidence": None, "created_at": CREATED, "updated_at": CREATED,
    }
    assert client.get(f"{_base(tenant)}/certificates/{certificate.pk}/").json() == expected
    nested = client.get(f"{_base(tenant)}/suppliers/{world['supplier'].pk}/certificates/").json()
    assert nested["results"] == [expected]
    listed = client.get(f"{_base(tenant)}/certificates/?own=true").json()
    assert [(row["id"], row["supplier"]) for row in listed["results"]] == [(own.pk, None)]


def test_processing_body(tenant, client_for, world):
    processing = world["processing"]
    response = client_for(user=tenant.members["viewer"]).get(f"{_base(tenant)}/processings/{processing.pk}/")
    assert response.json() == {
        "id": processing.pk, "external_id": None, "name": "Dossier patient", "purposes": ["Suivi des patients"],
        "legal_basis": "Art. 6(1)(e) mission d'intérêt public",
        "art9_condition": "Art. 9(2)(h) soins, sous secret professionnel",
        "data_subject_categories": ["Patients"], "data_categories": ["Identité", "Données de santé"],
        "recipients": ["Équipe de soins"], "transfers": [], "retention": "20 ans après le dernier passage",
        "security_measures": "Chiffrement, authentification forte, journalisation",
        "controller_contact": "dpo@example.org", "dpo_contact": "", "dpia_required": False, "dpia_done": False,
        "role": "controller", "controllers_served": [], "health_data": True, "identifiability": "identified",
        "hosting_mode": "outsourced", "hosts_for_patients": False, "exemption_reason": None, "exemption_evidence": None,
        "conformity_status": None, "hosting_status": None, "register_status": None, "created_at": CREATED,
        "updated_at": CREATED,
    }


def test_chain_body(tenant, client_for, world):
    link, own_link = world["link"], world["own_link"]
    response = client_for(user=tenant.members["viewer"]).get(
        f"{_base(tenant)}/processings/{world['processing'].pk}/chain/")
    assert response.json() == [
        {"id": link.pk, "external_id": None, "processing": world["processing"].pk, "actor": world["supplier"].pk,
         "actor_name": "Nuage Souverain", "parent": None, "activities": [1, 2, 3, 4], "stores_health_data": True,
         "storage_countries": ["FR"], "remote_access_countries": [{"country": "CH", "basis": "adequacy"}],
         "exempt_under_parent": False, "exemption_reason": None, "exemption_evidence": None, "is_backup": False,
         "certificates": [],
         "created_at": CREATED, "updated_at": CREATED},
        {"id": own_link.pk, "external_id": None, "processing": world["processing"].pk, "actor": "self",
         "actor_name": "Clinique des Tilleuls", "parent": None, "activities": [5], "stores_health_data": True,
         "storage_countries": ["FR"], "remote_access_countries": [], "exempt_under_parent": False,
         "exemption_reason": None, "exemption_evidence": None, "is_backup": False, "certificates": [],
         "created_at": CREATED,
         "updated_at": CREATED},
    ]


def test_a_link_names_the_certificates_it_relies_on(tenant, client_for, world):
    """Two offers of one host: the link picks one, the answer follows, the audit says so."""
    client = client_for(user=tenant.owner)
    base, processing, supplier = _base(tenant), world["processing"], world["supplier"]
    response = client.patch(f"{base}/certificates/{world['certificate'].pk}/", {"perimeter": "Cloud public"},
                            format="json")
    assert (response.status_code, response.json()["perimeter"]) == (200, "Cloud public")
    response = client.post(f"{base}/suppliers/{supplier.pk}/certificates/", {
        "activities": [1, 2, 3, 4, 5, 6], "certificate_number": "HDS-LNE-2", "certifier": "LNE",
        "referential_version": "v2", "issued_on": "2025-01-10", "expires_on": "2028-01-09",
        "perimeter": "Cloud de confiance santé"}, format="json")
    assert response.status_code == 201
    trusted = response.json()["id"]
    url = f"{base}/processings/{processing.pk}/conformity/"
    ambiguous = client.post(url).json()
    assert sorted(f["code"] for f in ambiguous["findings"] if f["link"] == world["link"].pk) == [
        "coverage.certificate_ambiguous", "evidence.dpa_missing", "register.transfer_not_listed",
        "sovereignty.remote_access_adequacy"]

    response = client.post(f"{base}/processings/{processing.pk}/chain/", {
        "actor": supplier.pk, "parent": world["link"].pk, "activities": [6], "is_backup": True,
        "storage_countries": ["FR"], "certificates": [trusted, world["certificate"].pk]}, format="json")
    assert response.status_code == 201
    assert response.json()["certificates"] == sorted([trusted, world["certificate"].pk])
    response = client.patch(f"{base}/processings/{processing.pk}/chain/{world['link'].pk}/",
                            {"certificates": [trusted]}, format="json")
    assert (response.status_code, response.json()["certificates"]) == (200, [trusted])
    picked = client.post(url).json()
    assert sorted(f["code"] for f in picked["findings"] if f["link"] == world["link"].pk) == [
        "evidence.certificate_document_missing", "evidence.dpa_missing", "register.transfer_not_listed",
        "registry.not_found", "sovereignty.remote_access_adequacy"]
    with tenant.context():
        event = AuditEvent.objects.filter(action="chain_link.updated").order_by("-id").first()
        assert event.changes == {"certificates": [[], [trusted]]}
        assert sorted(ChainLink.objects.get(pk=world["link"].pk).certificates.values_list("id", flat=True)) == [
            trusted]


def test_a_link_names_only_hds_certificates_of_its_own_actor(tenant, client_for, world):
    client = client_for(user=tenant.owner)
    base, processing = _base(tenant), world["processing"]
    with tenant.context():
        iso = builders.certificate(world["supplier"], activities=[], kind="iso27001", certificate_number="ISO-1")
    url = f"{base}/processings/{processing.pk}/chain/{world['link'].pk}/"
    own_url = f"{base}/processings/{processing.pk}/chain/{world['own_link'].pk}/"
    response = client.patch(url, {"certificates": [world["own"].pk]}, format="json")
    assert (response.status_code, response.json()["code"], list(response.json()["errors"])) == (
        400, "certificate_other_actor", ["certificates"])
    response = client.patch(own_url, {"certificates": [world["certificate"].pk]}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "certificate_other_actor")
    response = client.patch(url, {"certificates": [iso.pk]}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "certificate_not_hds")
    response = client.patch(url, {"certificates": [987654]}, format="json")
    assert (response.status_code, response.json()["errors"]["certificates"][0]["code"]) == (400, "does_not_exist")
    assert client.patch(own_url, {"certificates": [world["own"].pk]}, format="json").json()["certificates"] == [
        world["own"].pk]
    with tenant.context():
        assert list(ChainLink.objects.get(pk=world["link"].pk).certificates.all()) == []


def test_changing_a_links_actor_drops_the_certificates_of_the_former_one(tenant, client_for, world):
    client = client_for(user=tenant.owner)
    base, processing = _base(tenant), world["processing"]
    url = f"{base}/processings/{processing.pk}/chain/{world['link'].pk}/"
    assert client.patch(url, {"certificates": [world["certificate"].pk]}, format="json").status_code == 200
    with tenant.context():
        other = builders.supplier("Autre Nuage")
    response = client.patch(url, {"actor": other.pk}, format="json")
    assert (response.status_code, response.json()["certificates"]) == (200, [])
    with tenant.context():
        event = AuditEvent.objects.filter(action="chain_link.updated").order_by("-id").first()
        assert event.changes == {"supplier": [world["supplier"].pk, other.pk],
                                 "certificates": [[world["certificate"].pk], []]}


def test_evidence_body(tenant, client_for, world):
    evidence = world["evidence"]
    response = client_for(user=tenant.members["viewer"]).get(f"{_base(tenant)}/evidence/{evidence.pk}/")
    assert response.json() == {
        "id": evidence.pk, "external_id": None, "kind": "hosting_contract", "title": "Contrat 2026",
        "file": f"http://testserver{_base(tenant)}/evidence/{evidence.pk}/download/",
        "original_name": "contrat.pdf", "sha256": evidence.sha256, "size": evidence.size,
        "content_type": "application/pdf", "issued_on": None, "valid_until": "2029-01-14",
        "supplier": world["supplier"].pk, "processing": None, "certificate": None,
        "contract_clauses": builders.ALL_CLAUSES, "contract_locations": ["FR"], "version": 1,
        "supersedes": None, "superseded_by": None, "is_current": True, "uploaded_by": None,
        "uploaded_at": CREATED, "updated_at": CREATED,
    }
    assert len(evidence.sha256) == 64


def test_conformity_get_evaluates_once_then_reads_and_post_reevaluates(tenant, client_for, world, frozen):
    processing, link, own_link = world["processing"], world["link"], world["own_link"]
    client = client_for(user=tenant.members["editor"])
    url = f"{_base(tenant)}/processings/{processing.pk}/conformity/"
    body = client.get(url).json()
    assert body["status"] == "non_compliant"
    assert (body["processing"], body["evaluated_at"], body["evaluated_on"]) == (processing.pk, CREATED, "2026-11-28")
    assert [(f["code"], f["severity"], f["link"], f["supplier"], f["activity"]) for f in body["findings"]] == [
        ("evidence.dpa_missing", "error", link.pk, world["supplier"].pk, None),
        # The editor hosts for its customers: its own contract with them is due too.
        ("evidence.own_hosting_contract_missing", "error", own_link.pk, None, None),
        ("evidence.certificate_document_missing", "warning", link.pk, world["supplier"].pk, None),
        ("register.transfer_not_listed", "warning", link.pk, world["supplier"].pk, None),
        ("registry.not_found", "warning", link.pk, world["supplier"].pk, None),
        ("evidence.certificate_document_missing", "warning", own_link.pk, None, None),
        ("backup.none_recorded", "info", None, None, None),
        ("sovereignty.remote_access_adequacy", "info", link.pk, world["supplier"].pk, None),
    ]
    assert body["findings"][0] == {
        "code": "evidence.dpa_missing", "severity": "error",
        "message": "Aucun contrat de sous-traitance de données personnelles avec Nuage Souverain n'est au dossier.",
        "activity": None, "link": link.pk, "supplier": world["supplier"].pk, "legal_reference": "RGPD art. 28(3)",
    }
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["findings"][0]["message"] == "No data processing agreement with Nuage Souverain is on file."
    frozen.shift(25 * 60)  # within the session's idle timeout
    assert client.get(url).json()["evaluated_at"] == CREATED  # stored, not re-evaluated
    reevaluated = client.post(url).json()
    assert reevaluated["evaluated_at"] == "2026-11-28T10:25:00+01:00"
    with tenant.context():
        assert ConformityResult.objects.count() == 1
    viewer = client_for(user=tenant.members["viewer"])
    assert viewer.post(url).status_code == 403


def test_conformity_body(tenant, client_for, world):
    """Every field of the conformity answer, exactly; the processing shows the same three statuses."""
    processing, link = world["processing"], world["link"]
    client = client_for(user=tenant.members["viewer"])
    body = client.get(f"{_base(tenant)}/processings/{processing.pk}/conformity/").json()
    with tenant.context():
        digest = ConformityResult.objects.get().inputs_digest
    assert {key: value for key, value in body.items() if key != "findings"} == {
        "processing": processing.pk,
        "status": "non_compliant",
        "hosting_status": "non_compliant",  # no DPA with the host
        "register_status": "incomplete",  # remote access from Switzerland not listed as a transfer
        "evaluated_at": CREATED,
        "evaluated_on": "2026-11-28",
        # The certificates relied on end on 1 December 2027: they enter the 90-day horizon on 2 September.
        "valid_until": "2027-09-02",
        "inputs_digest": digest,
    }
    assert [f["code"] for f in body["findings"]][:1] == ["evidence.dpa_missing"]
    assert body["findings"][0]["link"] == link.pk
    listed = client.get(f"{_base(tenant)}/processings/{processing.pk}/").json()
    assert (listed["conformity_status"], listed["hosting_status"], listed["register_status"]) == (
        "non_compliant", "non_compliant", "incomplete")


def test_summary_body(tenant, client_for, world):
    client = client_for(user=tenant.members["viewer"])
    client.get(f"{_base(tenant)}/processings/{world['processing'].pk}/conformity/")
    with tenant.context():
        builders.processing("Pas encore évalué", complete=False)
        builders.certificate(world["supplier"], activities=[6], certificate_number="BK-1",
                             expires_on=date(2027, 1, 20))
    assert client.get(f"{_base(tenant)}/conformity/").json() == {
        "processings": 2, "evaluated": 1,
        "by_status": {"not_applicable": 0, "compliant": 0, "non_compliant": 1, "incomplete": 0, "not_evaluated": 1},
        "by_hosting_status": {"not_applicable": 0, "compliant": 0, "non_compliant": 1, "incomplete": 0,
                              "not_evaluated": 1},
        "by_register_status": {"not_applicable": 0, "compliant": 0, "non_compliant": 0, "incomplete": 1,
                               "not_evaluated": 1},
        "top_findings": [
            {"code": "evidence.certificate_document_missing", "severity": "warning", "count": 2, "processings": 1},
            {"code": "backup.none_recorded", "severity": "info", "count": 1, "processings": 1},
            {"code": "evidence.dpa_missing", "severity": "error", "count": 1, "processings": 1},
            {"code": "evidence.own_hosting_contract_missing", "severity": "error", "count": 1, "processings": 1},
            {"code": "register.transfer_not_listed", "severity": "warning", "count": 1, "processings": 1},
            {"code": "registry.not_found", "severity": "warning", "count": 1, "processings": 1},
            {"code": "sovereignty.remote_access_adequacy", "severity": "info", "count": 1, "processings": 1},
        ],
        "expiring_certificates": {
            "within_30_days": 0, "within_60_days": 1, "within_90_days": 1,
            "certificates": [{"id": Certificate.all_organisations.get(certificate_number="BK-1").pk,
                              "supplier": world["supplier"].pk, "supplier_name": "Nuage Souverain", "kind": "hds",
                              "certificate_number": "BK-1", "expires_on": "2027-01-20", "days_left": 53}],
        },
    }


def _state():
    return (Supplier.all_organisations.count(), Certificate.all_organisations.count(),
            Processing.all_organisations.count(), ChainLink.all_organisations.count(),
            Evidence.all_organisations.count(), AuditEvent.all_organisations.count())


def _routes(world, base):
    supplier, processing = world["supplier"].pk, world["processing"].pk
    return [
        f"{base}/suppliers/{supplier}/",
        f"{base}/suppliers/{supplier}/certificates/",
        f"{base}/certificates/{world['certificate'].pk}/",
        f"{base}/processings/{processing}/",
        f"{base}/processings/{processing}/chain/",
        f"{base}/processings/{processing}/chain/{world['link'].pk}/",
        f"{base}/processings/{processing}/conformity/",
        f"{base}/processings/{processing}/conformity/history/",
        f"{base}/evidence/{world['evidence'].pk}/",
        f"{base}/evidence/{world['evidence'].pk}/download/",
    ]


@pytest.mark.parametrize("as_token", [False, True], ids=["outsider-member", "outsider-token"])
def test_another_organisation_ids_answer_404_and_change_nothing(tenant, other_tenant, client_for, world, as_token):
    client = client_for(token=other_tenant.token()) if as_token else client_for(user=other_tenant.owner)
    before = _state()
    own_base = _base(other_tenant)
    for url in _routes(world, own_base) + _routes(world, _base(tenant)):
        assert client.get(url).status_code == 404, url
        assert client.patch(url, {"name": "x"}, format="json").status_code in (404, 405), url
        assert client.delete(url).status_code in (404, 405), url
    for url in (f"{own_base}/suppliers/{world['supplier'].pk}/registry-match/reject/",
                f"{own_base}/processings/{world['processing'].pk}/conformity/",
                f"{own_base}/evidence/{world['evidence'].pk}/supersede/",
                f"{own_base}/suppliers/{world['supplier'].pk}/certificates/",
                f"{own_base}/processings/{world['processing'].pk}/chain/"):
        assert client.post(url, {}, format="json").status_code == 404, url
    assert _state() == before


def test_foreign_ids_in_inputs_do_not_exist(tenant, other_tenant, client_for, world):
    client = client_for(user=other_tenant.owner)
    base = _base(other_tenant)
    with other_tenant.context():
        processing = builders.processing("Chez le voisin")
    before = _state()
    responses = [
        client.post(f"{base}/certificates/", {"supplier": world["supplier"].pk, "activities": [1],
                                              "expires_on": "2028-01-01"}, format="json"),
        client.post(f"{base}/processings/{processing.pk}/chain/", {"actor": world["supplier"].pk}, format="json"),
        client.post(f"{base}/processings/{processing.pk}/chain/", {"actor": "self", "parent": world["link"].pk},
                    format="json"),
        client.post(f"{base}/evidence/", {"file": builders.pdf_upload(), "kind": "dpa",
                                          "supplier": world["supplier"].pk}, format="multipart"),
    ]
    codes = [(r.status_code, r.json()["code"], sorted(r.json()["errors"])) for r in responses]
    assert codes == [(400, "invalid", ["supplier"]), (400, "invalid", ["actor"]), (400, "invalid", ["parent"]),
                     (400, "invalid", ["supplier"])]
    assert responses[1].json()["errors"]["actor"][0]["code"] == "does_not_exist"
    assert _state() == before


WRITES = [
    ("post", "/suppliers/", {"name": "Nouveau"}, 201),
    ("post", "/processings/", {"name": "Nouveau traitement"}, 201),
    ("post", "/certificates/", {"supplier": None, "activities": [5], "expires_on": "2028-01-01"}, 201),
]


@pytest.mark.parametrize("role, allowed", [("owner", True), ("admin", True), ("editor", True), ("viewer", False),
                                           ("auditor", False)])
def test_role_matrix_for_writes(tenant, client_for, world, role, allowed):
    client = client_for(user=tenant.members[role])
    base = _base(tenant)
    before = _state()
    results = [getattr(client, method)(base + path, data, format="json").status_code
               for method, path, data, _created in WRITES]
    results.append(client.patch(f"{base}/suppliers/{world['supplier'].pk}/", {"country": "DE"},
                                format="json").status_code)
    results.append(client.post(f"{base}/processings/{world['processing'].pk}/chain/",
                               {"actor": "self", "activities": [6]}, format="json").status_code)
    results.append(client.post(f"{base}/evidence/", {"file": builders.pdf_upload(), "kind": "dpa"},
                               format="multipart").status_code)
    results.append(client.delete(f"{base}/certificates/{world['own'].pk}/").status_code)
    if allowed:
        assert results == [201, 201, 201, 200, 201, 201, 204]
    else:
        assert results == [403] * 7
        assert _state() == before
    assert client.get(f"{base}/suppliers/").status_code == 200


def test_read_token_cannot_write_but_reads(tenant, client_for, world):
    client = client_for(token=tenant.token(scope="read"))
    base = _base(tenant)
    assert client.post(f"{base}/suppliers/", {"name": "X"}, format="json").status_code == 403
    assert client.get(f"{base}/processings/{world['processing'].pk}/conformity/").status_code == 200
    download = client.get(f"{base}/evidence/{world['evidence'].pk}/download/")
    assert download.status_code == 200


def test_validation_errors_carry_codes(tenant, client_for, world):
    client = client_for(user=tenant.owner)
    base = _base(tenant)
    response = client.post(f"{base}/suppliers/", {"name": "Mauvais", "siren": "123456789"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"siren": [{"code": "invalid_siren", "message": response.json()["errors"][
        "siren"][0]["message"]}]}
    response = client.post(f"{base}/suppliers/", {"name": "Nuage Souverain"}, format="json")
    assert (response.status_code, response.json()) == (400, {
        "code": "duplicate_name", "message": "Un fournisseur porte déjà ce nom.",
        "errors": {"non_field_errors": [{"code": "duplicate_name", "message": "Un fournisseur porte déjà ce nom."}]}})
    response = client.post(f"{base}/processings/{world['processing'].pk}/chain/",
                           {"actor": "self", "activities": [0, 7]}, format="json")
    assert response.json()["errors"]["activities"][0]["code"] == "invalid_activity"
    response = client.patch(f"{base}/processings/{world['processing'].pk}/chain/{world['link'].pk}/",
                            {"parent": world["link"].pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "chain_cycle")
    response = client.post(f"{base}/certificates/", {"activities": [5], "expires_on": "2028-01-01",
                                                     "source": "registry"}, format="json")
    assert response.json()["errors"]["source"][0]["code"] == "registry_source_reserved"
    response = client.delete(f"{base}/suppliers/{world['supplier'].pk}/")
    assert (response.status_code, response.json()["code"]) == (409, "supplier_in_use")


def test_remote_access_countries_accept_plain_iso_codes_and_answer_objects(tenant, client_for, world):
    client = client_for(user=tenant.owner)
    url = f"{_base(tenant)}/processings/{world['processing'].pk}/chain/"
    plain = client.post(url, {"actor": world["supplier"].pk, "activities": [6],
                              "remote_access_countries": ["IN", "ch"]}, format="json")
    mixed = client.patch(f"{url}{world['link'].pk}/", {"remote_access_countries": [
        "JP", {"country": "us", "basis": "safeguards"}, {"country": "GB"}]}, format="json")

    assert (plain.status_code, plain.json()["remote_access_countries"]) == (201, [
        {"country": "IN", "basis": None}, {"country": "CH", "basis": None}])
    assert (mixed.status_code, mixed.json()["remote_access_countries"]) == (200, [
        {"country": "JP", "basis": None}, {"country": "US", "basis": "safeguards"}, {"country": "GB", "basis": None}])
    with tenant.context():
        assert ChainLink.objects.get(pk=world["link"].pk).remote_access == [
            {"country": "JP", "basis": ""}, {"country": "US", "basis": "safeguards"}, {"country": "GB", "basis": ""}]


@pytest.mark.parametrize(("entries", "errors"), [
    (["ZZ"], {"0": [{"code": "invalid_country", "message": "« ZZ » n'est pas un code pays ISO 3166 alpha-2."}]}),
    ([{"country": "XX", "basis": "adequacy"}],
     {"0": [{"code": "invalid_country", "message": "« XX » n'est pas un code pays ISO 3166 alpha-2."}]}),
    ([42], {"0": [{"code": "invalid", "message": 'Attendu : un code pays ISO ou {"country": …, "basis": …}.'}]}),
    (["IN", {"country": "in", "basis": "safeguards"}],
     [{"code": "duplicate_country", "message": "Un pays figure deux fois dans la liste : IN."}]),
])
def test_remote_access_countries_refuse_unknown_countries_with_stable_codes(tenant, client_for, world, entries,
                                                                            errors):
    client = client_for(user=tenant.owner)
    before = _state()
    response = client.post(f"{_base(tenant)}/processings/{world['processing'].pk}/chain/",
                           {"actor": "self", "activities": [5], "remote_access_countries": entries}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"remote_access_countries": errors}
    assert _state() == before


def test_remote_access_from_an_adequate_country_sent_as_a_plain_code_is_information(tenant, client_for, world):
    client = client_for(user=tenant.owner)
    base = _base(tenant)
    client.patch(f"{base}/processings/{world['processing'].pk}/", {"transfers": [{"country": "CH"}]}, format="json")
    client.patch(f"{base}/processings/{world['processing'].pk}/chain/{world['link'].pk}/",
                 {"remote_access_countries": ["CH"]}, format="json")

    findings = client.post(f"{base}/processings/{world['processing'].pk}/conformity/").json()["findings"]

    adequacy = [f for f in findings if f["code"].startswith("sovereignty.")]
    assert adequacy == [{
        "code": "sovereignty.remote_access_adequacy", "severity": "info",
        "message": "Nuage Souverain accède aux données depuis un pays tiers couvert par une décision d'adéquation "
                   "de la Commission européenne, qui suffit sans autre garantie (CH : décision 2000/518/CE du "
                   "26 juillet 2000).",
        "activity": None, "link": world["link"].pk, "supplier": world["supplier"].pk,
        "legal_reference": "RGPD art. 45 ; référentiel HDS v2, exigence EXI 29",
    }]


def test_dpf_certification_is_recorded_on_the_supplier_and_settles_us_access(tenant, client_for, world):
    client = client_for(user=tenant.owner)
    base = _base(tenant)
    supplier_url = f"{base}/suppliers/{world['supplier'].pk}/"
    conformity_url = f"{base}/processings/{world['processing'].pk}/conformity/"
    client.patch(f"{base}/processings/{world['processing'].pk}/", {"transfers": [{"country": "US"}]}, format="json")
    client.patch(f"{base}/processings/{world['processing'].pk}/chain/{world['link'].pk}/",
                 {"remote_access_countries": ["US"]}, format="json")
    before = {f["code"] for f in client.post(conformity_url).json()["findings"]}

    response = client.patch(supplier_url, {"dpf_certified": True}, format="json")
    after = {f["code"] for f in client.post(conformity_url).json()["findings"]}

    assert "sovereignty.remote_access_dpf_check" in before and "sovereignty.remote_access_adequacy" not in before
    assert (response.status_code, response.json()["dpf_certified"]) == (200, True)
    assert "sovereignty.remote_access_adequacy" in after and "sovereignty.remote_access_dpf_check" not in after
    with tenant.context():
        event = AuditEvent.objects.filter(action="supplier.updated").latest("id")
    assert event.changes == {"dpf_certified": [False, True]}


@pytest.mark.parametrize(("typed", "stored"), [
    ("2018", "v1"), ("V1 (2018)", "v1"), ("v1-2018", "v1"), ("référentiel 2018", "v1"), ("1.0", "v1"),
    ("2024", "v2"), ("V2", "v2"), ("2.0", "v2"), ("v2.0", "v2"), ("v2.1", "v2.1"), ("", ""),
])
def test_certificate_referential_is_normalised_on_write(tenant, client_for, world, typed, stored):
    client = client_for(user=tenant.owner)
    created = client.post(f"{_base(tenant)}/certificates/", {
        "supplier": world["supplier"].pk, "activities": [6], "certificate_number": "BK-2", "issued_on": "2024-12-20",
        "expires_on": "2027-12-19", "referential_version": typed}, format="json")
    updated = client.patch(f"{_base(tenant)}/certificates/{world['certificate'].pk}/",
                           {"referential_version": typed}, format="json")

    assert (created.status_code, created.json()["referential_version"]) == (201, stored)
    assert (updated.status_code, updated.json()["referential_version"]) == (200, stored)


def test_filters_and_ordering(tenant, client_for, world):
    client = client_for(user=tenant.owner)
    base = _base(tenant)
    with tenant.context():
        builders.supplier("Allemand", country="DE")
        other = builders.processing("Autre", hosting_mode="self_hosted")
    names = [row["name"] for row in client.get(f"{base}/suppliers/?ordering=-name").json()["results"]]
    assert names == ["Nuage Souverain", "Allemand"]
    assert [r["name"] for r in client.get(f"{base}/suppliers/?country=DE").json()["results"]] == ["Allemand"]
    assert [r["id"] for r in client.get(f"{base}/certificates/?activity=5").json()["results"]] == [world["own"].pk]
    assert [r["id"] for r in client.get(
        f"{base}/processings/?supplier={world['supplier'].pk}").json()["results"]] == [world["processing"].pk]
    assert [r["id"] for r in client.get(f"{base}/processings/?hosting_mode=self_hosted").json()["results"]] == [
        other.pk]
    assert [r["id"] for r in client.get(f"{base}/evidence/?kind=hosting_contract&current=true").json()[
        "results"]] == [world["evidence"].pk]
    assert client.get(f"{base}/evidence/?kind=dpa").json()["results"] == []
    assert [r["id"] for r in client.get(f"{base}/evidence/?expires_within_days=800").json()["results"]] == [
        world["evidence"].pk]
    assert client.get(f"{base}/evidence/?expires_within_days=30").json()["results"] == []
