"""Building a chain without leaving the editor: the typeahead, a supplier created inline (from the
ANS list, its match confirmed), "Add as supplier" on the registry search, uploads that keep their
choices."""

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from compliance import services
from compliance.demo_data import minimal_pdf
from compliance.models import ConformityResult, Evidence, RegistryMatchStatus, Supplier
from hds_platform.models import AuditEvent
from tests.compliance import builders
from tests.compliance.web.pages import evaluate, registry_host


@pytest.fixture
def owner_client(client, tenant):
    client.force_login(tenant.owner)
    return client


def text(response) -> str:
    return unescape(response.content.decode())


def editor(tenant, processing, path=""):
    return f"/o/{tenant.organisation.slug}/traitements/{processing.pk}/chaine/{path}"


def test_the_typeahead_offers_suppliers_then_hosts_of_the_ans_list_not_yet_suppliers(owner_client, tenant):
    matched = registry_host("Nuage Santé Hébergement", "HDS-NSH-2025")
    other = registry_host("Nuage Bleu Infogérance", "HDS-NBI-2024")
    with tenant.context():
        processing = builders.processing("Téléconsultation")
        mine = services.supplier_create_from_registry(actor=builders.ACTOR, host=matched)
    page = text(owner_client.get(editor(tenant, processing, "acteurs/"), {"acteur_recherche": " nuage  "},
                                 HTTP_HX_REQUEST="true"))
    offered = re.findall(r'<li data-(supplier|host)="(\d+)">', page)
    assert offered == [("supplier", str(mine.pk)), ("host", str(other.pk))]
    assert f'data-pick-actor="{mine.pk}">Choisir « Nuage Santé Hébergement »</button>' in page
    assert f'name="registry_host" value="{other.pk}"' in page
    assert "Ajouter « Nuage Bleu Infogérance » (liste ANS)" in page
    assert 'name="new_supplier_name" value="nuage"' in page
    assert text(owner_client.get(editor(tenant, processing, "acteurs/"), {"acteur_recherche": ""})).strip() == ""


def test_a_host_picked_from_the_list_becomes_a_confirmed_supplier_and_the_form_keeps_its_state(owner_client, tenant):
    host = registry_host("Nuage Bleu Infogérance", "HDS-NBI-2024")
    with tenant.context():
        processing = builders.processing("Téléconsultation")
    response = owner_client.post(editor(tenant, processing, "fournisseur/"), {
        "registry_host": host.pk, "activities": ["3", "4"], "storage_countries": "FR, DE", "actor": "self",
    }, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    with tenant.context():
        supplier = Supplier.objects.get()
        assert (supplier.name, supplier.registry_match_status, supplier.registry_host_id) == (
            "Nuage Bleu Infogérance", "confirmed", host.pk)
        assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))[-2:] == [
            "supplier.created", "supplier.registry_match_confirmed"]
    page = text(response)
    assert "Fournisseur « Nuage Bleu Infogérance » créé et choisi comme acteur." in page
    assert f'<option value="{supplier.pk}" selected>Nuage Bleu Infogérance</option>' in page
    assert re.search(r'<input type="checkbox" name="activities" value="3"[^>]*checked', page)
    assert not re.search(r'<input type="checkbox" name="activities" value="1"[^>]*checked', page)
    assert 'value="FR, DE"' in page
    # Picked again, the same host gives the same supplier, not a second one.
    owner_client.post(editor(tenant, processing, "fournisseur/"), {"registry_host": host.pk}, HTTP_HX_REQUEST="true")
    with tenant.context():
        assert Supplier.objects.count() == 1


def test_a_supplier_created_by_name_and_a_refusal_that_loses_nothing(owner_client, tenant):
    with tenant.context():
        processing = builders.processing("Téléconsultation")
        builders.supplier("Infogérance Locale")
    response = owner_client.post(editor(tenant, processing, "fournisseur/"),
                                 {"new_supplier_name": "Sauvegardes Express"}, HTTP_HX_REQUEST="true")
    with tenant.context():
        created = Supplier.objects.get(name="Sauvegardes Express")
        assert created.registry_match_status in {RegistryMatchStatus.NONE, RegistryMatchStatus.SUGGESTED}
    assert f'<option value="{created.pk}" selected>' in text(response)
    refused = owner_client.post(editor(tenant, processing, "fournisseur/"), {"new_supplier_name": "Infogérance Locale"},
                                HTTP_HX_REQUEST="true")
    assert refused.status_code == 200
    assert '<p class="alert" role="alert">' in text(refused)
    with tenant.context():
        assert Supplier.objects.count() == 2
    assert owner_client.post(editor(tenant, processing, "fournisseur/"), {"registry_host": "999999"}).status_code == 404


def test_a_reader_cannot_create_a_supplier_from_the_editor(client, tenant):
    host = registry_host("Nuage Bleu Infogérance", "HDS-NBI-2024")
    with tenant.context():
        processing = builders.processing("Téléconsultation")
    client.force_login(tenant.members["viewer"])
    assert client.post(editor(tenant, processing, "fournisseur/"), {"registry_host": host.pk}).status_code == 403
    assert client.get(editor(tenant, processing, "acteurs/"), {"acteur_recherche": "nuage"}).status_code == 403
    with tenant.context():
        assert Supplier.objects.count() == 0


def test_add_as_supplier_from_the_registry_search(owner_client, tenant):
    host = registry_host("Nuage Bleu Infogérance", "HDS-NBI-2024")
    search = f"/o/{tenant.organisation.slug}/registre/"
    page = text(owner_client.get(search, {"q": "nuage"}))
    assert '<button type="submit" class="small">Ajouter comme fournisseur' in page
    response = owner_client.post(f"{search}ajouter/", {"host": host.pk})
    with tenant.context():
        supplier = Supplier.objects.get()
    assert response["Location"] == f"/o/{tenant.organisation.slug}/fournisseurs/{supplier.pk}/"
    assert supplier.registry_match_status == "confirmed"
    page = text(owner_client.get(search, {"q": "nuage"}))
    assert (f'<a class="button small" href="/o/tilleuls/fournisseurs/{supplier.pk}/">'
            "Déjà parmi vos fournisseurs</a>") in page


def test_removing_a_link_asks_first(owner_client, tenant):
    with tenant.context():
        processing = builders.processing("Téléconsultation")
        builders.link(processing, builders.supplier("Nuage"), activities=(1, 2))
    page = text(owner_client.get(editor(tenant, processing)))
    assert 'hx-confirm="Retirer « Nuage » de la chaîne ?"' in page


def test_an_upload_keeps_the_supplier_and_kind_chosen(owner_client, tenant, media):
    with tenant.context():
        supplier = builders.supplier("Nuage")
    response = owner_client.post(f"/o/{tenant.organisation.slug}/preuves/", {
        "file": SimpleUploadedFile("dpa.pdf", minimal_pdf("dpa"), content_type="application/pdf"),
        "kind": "dpa", "supplier": supplier.pk, "title": "Accord",
    })
    assert response.status_code == 302
    assert response["Location"] == f"/o/{tenant.organisation.slug}/preuves/?fournisseur={supplier.pk}&type=dpa"
    page = text(owner_client.get(response["Location"]))
    assert f'<option value="{supplier.pk}" selected>Nuage</option>' in page
    assert '<option value="dpa" selected>' in page


def test_the_diagram_boxes_link_to_their_link_editor_and_supplier(owner_client, tenant):
    with tenant.context():
        processing = builders.processing("Téléconsultation")
        supplier = builders.supplier("Nuage Souverain des Hôpitaux du Grand Est")
        link = builders.link(processing, supplier, activities=(1, 2))
    page = text(owner_client.get(f"/o/{tenant.organisation.slug}/traitements/{processing.pk}/"))
    box = page.split(f'data-link="{link.pk}"')[1].split("</g>")[0]
    assert (f'<a class="box-link" href="/o/tilleuls/traitements/{processing.pk}/chaine/{link.pk}/" '
            'aria-label="Modifier le maillon de Nuage Souverain des Hôpitaux du Grand Est (En attente d\'évaluation)">'
            ) in box
    assert (f'<a class="name-link" href="/o/tilleuls/fournisseurs/{supplier.pk}/">'
            "<title>Fiche du fournisseur Nuage Souverain des Hôpitaux du Grand Est</title>") in box
    # The label is shortened to fit; the full name is in the tooltip and read out.
    assert ">Nuage Souverain des Hôp…</text>" in box
    assert "<title>Nuage Souverain des Hôpitaux du Grand Est —" in box


def test_a_three_level_chain_from_the_editor_then_its_fix_it_uploads_make_it_green(owner_client, tenant, media):
    """The browser journey (tests/browser_tests/test_chain_building.py) through the same requests."""
    hosts = [registry_host("Nuage Santé Hébergement", "HDS-NSH-2025", activities=(1, 2, 3, 4)),
             registry_host("Infogérance Santé", "HDS-IS-2025", activities=(5,)),
             registry_host("Sauvegarde Santé", "HDS-SS-2025", activities=(6,))]
    with tenant.context():
        processing = builders.processing("Téléconsultation")
    parents = [""]
    for host, activities, backup in zip(hosts, ((1, 2, 3, 4), (5,), (6,)), (False, False, True), strict=True):
        owner_client.post(editor(tenant, processing, "fournisseur/"), {"registry_host": host.pk},
                          HTTP_HX_REQUEST="true")
        with tenant.context():
            supplier = Supplier.objects.get(registry_host=host)
        response = owner_client.post(editor(tenant, processing), {
            "actor": supplier.pk, "parent": parents[-1], "activities": activities, "stores_health_data": "on",
            "storage_countries": "FR", "is_backup": "on" if backup else ""}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and "Maillon ajouté." in text(response)
        with tenant.context():
            parents.append(str(processing.links.get(supplier=supplier).pk))
    with tenant.context():
        evaluate(processing)
    page = text(owner_client.get(f"/o/tilleuls/traitements/{processing.pk}/"))
    fixes = re.findall(r'<a class="button small fix" href="([^"]+)">([^<]+)</a>', page)
    assert sorted(label for _url, label in fixes) == [
        "Déposer l'accord de sous-traitance de Nuage Santé Hébergement",
        "Déposer le contrat d'hébergement de Nuage Santé Hébergement"]
    for url, _label in fixes:
        form = text(owner_client.get(url))
        kind = re.search(r'<option value="(\w+)" selected>', form.split('name="kind"')[1]).group(1)
        supplier = re.search(r'<option value="(\d+)" selected>', form.split('name="supplier"')[1]).group(1)
        fields = {"file": SimpleUploadedFile(f"{kind}.pdf", minimal_pdf(kind), content_type="application/pdf"),
                  "kind": kind, "supplier": supplier, "processing": str(processing.pk)}
        if kind == "hosting_contract":  # its clauses checked as it is filed
            fields.update(contract_clauses=builders.ALL_CLAUSES, contract_locations="FR")
        response = owner_client.post(url.split("#")[0], fields)
        assert response.status_code == 302, re.findall(r'class="errorlist[^>]*>(.*?)</ul>', text(response), re.S)
    with tenant.context():
        evaluate(processing)
        result = ConformityResult.objects.get(processing=processing)
        assert (result.status, [f["code"] for f in result.findings if f["severity"] != "info"]) == ("compliant", [])


def test_confirming_a_match_refreshes_the_certificates_card_without_a_reload(owner_client, tenant):
    registry_host("Nuage Santé Hébergement", "HDS-NSH-2025")
    with tenant.context():
        supplier = builders.supplier("Nuage Santé Hébergement")
        assert supplier.registry_match_status == "suggested"
    url = f"/o/tilleuls/fournisseurs/{supplier.pk}/"
    assert "HDS-NSH-2025" not in text(owner_client.get(url)).split('id="supplier-certificates"')[1]
    response = text(owner_client.post(f"{url}correspondance/confirmer/", HTTP_HX_REQUEST="true"))
    card = response.split('<section id="supplier-certificates" class="card" aria-labelledby="certs-title" '
                          'hx-swap-oob="true">')[1]
    assert "<td>HDS HDS-NSH-2025 <span class=\"muted\">(v2)</span></td>" in card
    assert "<td>Liste ANS</td>" in card


def test_a_certificate_from_the_ans_list_gets_its_document_then_a_new_version(owner_client, tenant, media):
    host = registry_host("Nuage Santé Hébergement", "HDS-NSH-2025")
    with tenant.context():
        supplier = services.supplier_create_from_registry(actor=builders.ACTOR, host=host)
        certificate = supplier.certificates.get()
        assert (certificate.source, certificate.evidence_id) == ("registry", None)
    page = text(owner_client.get(f"/o/tilleuls/fournisseurs/{supplier.pk}/"))
    assert f'<a href="/o/tilleuls/certificats/{certificate.pk}/document/">Ajouter le document' in page
    url = f"/o/tilleuls/certificats/{certificate.pk}/document/"
    for name in ("v1.pdf", "v2.pdf"):
        response = owner_client.post(url, {"document": SimpleUploadedFile(name, minimal_pdf(name),
                                                                          content_type="application/pdf")})
        assert response["Location"] == f"/o/tilleuls/fournisseurs/{supplier.pk}/"
    with tenant.context():
        certificate.refresh_from_db()
        current = certificate.evidence
        assert (current.original_name, current.kind, current.version, current.supplier_id) == (
            "v2.pdf", "hds_certificate", 2, supplier.pk)
        assert Evidence.objects.get(original_name="v1.pdf").superseded_by_id == current.pk
    assert "Nouvelle version" in text(owner_client.get(f"/o/tilleuls/fournisseurs/{supplier.pk}/"))
    refused = owner_client.post(url, {"document": SimpleUploadedFile("x.exe", b"MZ\x90\x00" + b"\x00" * 60)})
    assert refused.status_code == 400
    with tenant.context():
        assert Evidence.objects.count() == 2
