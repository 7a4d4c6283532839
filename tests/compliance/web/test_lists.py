"""Search, filters and sort on the list pages; status cards open the filtered register; the date of
the ANS list in use."""

import re
from html import unescape

import pytest

from tests.compliance import builders
from tests.compliance.web.pages import covered_chain, evaluate, registry_host


@pytest.fixture
def owner_client(client, tenant):
    client.force_login(tenant.owner)
    return client


def text(response) -> str:
    return unescape(response.content.decode())


def names(page: str, path: str) -> list[str]:
    return re.findall(rf'<td><a href="/o/tilleuls/{path}/\d+/">([^<]+)</a>', page)


def test_processings_by_search_status_and_sort(owner_client, tenant, media):
    with tenant.context():
        covered_chain("Dossier patient")
        uncovered = builders.processing("Téléconsultation")
        builders.link(uncovered, builders.supplier("Visio Santé"), activities=(3, 4))
        builders.link(uncovered, builders.supplier("Visio Backup"), activities=(6,), is_backup=True)
        evaluate(uncovered)
        builders.processing("Agenda en ligne")
    url = "/o/tilleuls/traitements/"
    assert names(text(owner_client.get(url)), "traitements") == ["Agenda en ligne", "Dossier patient",
                                                                   "Téléconsultation"]
    assert names(text(owner_client.get(url, {"q": "dossier"})), "traitements") == ["Dossier patient"]
    assert names(text(owner_client.get(url, {"statut": "non_compliant"})), "traitements") == ["Téléconsultation"]
    assert names(text(owner_client.get(url, {"statut": "non_evalue"})), "traitements") == ["Agenda en ligne"]
    assert names(text(owner_client.get(url, {"tri": "-maillons"})), "traitements") == [
        "Téléconsultation", "Dossier patient", "Agenda en ligne"]
    page = text(owner_client.get(url, {"q": "rien"}))
    assert "Aucun traitement ne correspond à ces filtres." in page
    # The status cards of the dashboard open the register filtered.
    dashboard = text(owner_client.get("/o/tilleuls/"))
    assert 'class="stat status-non_compliant" href="/o/tilleuls/traitements/?statut=non_compliant"' in dashboard
    assert 'class="stat status-" href="/o/tilleuls/traitements/?statut=non_evalue"' in dashboard


def test_suppliers_by_search_and_certificates(owner_client, tenant, media):
    with tenant.context():
        covered_chain("Dossier patient", supplier_name="Nuage Souverain")
        builders.supplier("Sauvegardes Express", siren="732 829 320")
    url = "/o/tilleuls/fournisseurs/"
    assert names(text(owner_client.get(url, {"q": "732829"})), "fournisseurs") == ["Sauvegardes Express"]
    assert names(text(owner_client.get(url, {"certificats": "aucun"})), "fournisseurs") == ["Sauvegardes Express"]
    assert names(text(owner_client.get(url, {"certificats": "valides"})), "fournisseurs") == ["Nuage Souverain"]
    assert names(text(owner_client.get(url, {"tri": "-nom"})), "fournisseurs") == ["Sauvegardes Express",
                                                                                  "Nuage Souverain"]


def test_evidence_by_kind_supplier_and_search(owner_client, tenant, media):
    with tenant.context():
        nuage = builders.supplier("Nuage")
        builders.evidence("dpa", supplier=nuage, title="Accord Nuage")
        builders.evidence("hosting_contract", supplier=nuage, title="Contrat Nuage")
        builders.evidence("dpia", title="AIPD agenda")
    url = "/o/tilleuls/preuves/"

    def titles(**query):
        page = text(owner_client.get(url, query))
        return re.findall(r'<td><a href="/o/tilleuls/preuves/\d+/fichier/">([^<]+)</a>', page)

    assert titles(tri="titre") == ["AIPD agenda", "Accord Nuage", "Contrat Nuage"]
    assert titles(type="dpa") == ["Accord Nuage"]
    assert titles(fournisseur=nuage.pk, tri="-titre") == ["Contrat Nuage", "Accord Nuage"]
    assert titles(q="agenda") == ["AIPD agenda"]


def test_the_registry_page_names_the_list_in_use(owner_client, tenant):
    page = text(owner_client.get("/o/tilleuls/registre/"))
    assert "Aucune liste importée pour l'instant" in page
    registry_host("Nuage Santé Hébergement", "HDS-NSH-2025")
    page = text(owner_client.get("/o/tilleuls/registre/"))
    assert re.search(r"Liste en usage\xa0?: importée le \d\d/\d\d/\d{4} \(0 lignes\)\.|Liste en usage : importée le "
                     r"\d\d/\d\d/\d{4} \(0 lignes\)\.", page)
