"""Each finding reads as a plain title with the action that resolves it."""

import re
from html import unescape

import pytest
from django.utils import translation

from compliance.conformity import CATALOGUE
from compliance.conformity.legal import legal_reference
from compliance.conformity.titles import TITLES, finding_title
from compliance.web import fixit
from tests.compliance import builders
from tests.compliance.web.pages import evaluate


def test_every_catalogue_code_has_a_title_in_both_languages():
    assert set(TITLES) == set(CATALOGUE)
    for code, (french, english) in TITLES.items():
        assert french and english and french != english, code
    assert finding_title("evidence.dpa_missing", "en") == "Data processing agreement missing"
    assert finding_title("gone.code") == "gone.code"


def test_every_catalogue_code_has_an_action_or_says_none():
    assert set(fixit.ACTIONS) == set(CATALOGUE)
    informs = {code for code, action in fixit.ACTIONS.items() if action is None}
    assert {CATALOGUE[code].severity for code in informs} == {"info"}
    # A finding that makes a result incomplete or non-compliant always says what to do.
    assert all(fixit.ACTIONS[code] is not None for code, spec in CATALOGUE.items()
               if spec.incomplete or spec.severity == "error")


def fix(code, **finding):
    with translation.override("fr"):
        return fixit.fix_link({"code": code, **finding}, org="tilleuls", processing_id=7, holder_name="Nuage")


def test_actions_lead_to_the_prefilled_page(db):
    assert fix("evidence.hosting_contract_missing", supplier=3, link=9) == fixit.FixLink(
        "Déposer le contrat d'hébergement de Nuage",
        "/o/tilleuls/preuves/?fournisseur=3&type=hosting_contract&traitement=7#upload-title")
    assert fix("evidence.own_hosting_contract_missing", supplier="self").url == (
        "/o/tilleuls/preuves/?type=hosting_contract&traitement=7#upload-title")
    assert fix("registry.match_suggested", supplier=3) == fixit.FixLink(
        "Vérifier la correspondance ANS de Nuage", "/o/tilleuls/fournisseurs/3/#registry-match")
    assert fix("registry.match_suggested", supplier="self") is None
    assert fix("self.activity_not_covered", supplier="self", activity=5) == fixit.FixLink(
        "Ajouter le certificat HDS de Nuage", "/o/tilleuls/certificats/nouveau/")
    assert fix("coverage.activity_not_covered", supplier=3).url == "/o/tilleuls/certificats/nouveau/?fournisseur=3"
    assert fix("register.retention_missing") == fixit.FixLink(
        "Compléter la fiche du traitement", "/o/tilleuls/traitements/7/modifier/#id_retention")
    assert fix("sovereignty.storage_location_unknown", link=9).url == "/o/tilleuls/traitements/7/chaine/9/"
    assert fix("sovereignty.storage_location_unknown").url == "/o/tilleuls/traitements/7/chaine/"
    assert fix("scope.anonymised") is None


@pytest.fixture
def owner_client(client, tenant):
    client.force_login(tenant.owner)
    return client


def test_the_processing_page_shows_titles_and_fix_buttons_and_the_dashboard_titles(owner_client, tenant, media):
    with tenant.context():
        supplier = builders.supplier("Visio Santé")
        processing = builders.processing("Téléconsultation")
        builders.link(processing, supplier, activities=(3, 4))
        evaluate(processing)
    page = unescape(owner_client.get(f"/o/{tenant.organisation.slug}/traitements/{processing.pk}/").content.decode())
    item = re.search(r'<li class="severity-error" data-code="evidence.hosting_contract_missing">(.*?)</li>',
                     page, re.S).group(1)
    assert '<strong class="finding-title">Contrat d\'hébergement manquant</strong>' in item
    assert (f'<a class="button small fix" href="/o/{tenant.organisation.slug}/preuves/?fournisseur={supplier.pk}'
            f'&type=hosting_contract&traitement={processing.pk}#upload-title">'
            "Déposer le contrat d'hébergement de Visio Santé</a>") in item.replace("&amp;", "&")
    dashboard = unescape(owner_client.get(f"/o/{tenant.organisation.slug}/").content.decode())
    assert re.search(r'<tr data-code="evidence.hosting_contract_missing"><td>Contrat d\'hébergement manquant</td>',
                     dashboard)
    assert "<code>evidence.hosting_contract_missing</code>" not in dashboard


def test_a_reader_sees_the_titles_but_no_fix_button(client, tenant, media):
    with tenant.context():
        processing = builders.processing("Téléconsultation")
        builders.link(processing, builders.supplier("Visio Santé"), activities=(3, 4))
        evaluate(processing)
    client.force_login(tenant.members["viewer"])
    page = client.get(f"/o/{tenant.organisation.slug}/traitements/{processing.pk}/").content.decode()
    assert "Contrat d&#x27;hébergement manquant" in page
    assert 'class="button small fix"' not in page


def test_legal_references_read_in_english_without_a_french_word():
    french = re.compile(r"[éèàêô]|\b(et|du|de|avril|juin|exigence|référentiel|considérant|RGPD)\b")
    for spec in CATALOGUE.values():
        assert legal_reference(spec.legal_reference, "fr") == spec.legal_reference
        assert not french.search(legal_reference(spec.legal_reference, "en")), spec.legal_reference
    assert legal_reference("CSP art. R.1111-8-8 II ; référentiel HDS v2, exigence EXI 12", "en") == (
        "CSP art. R.1111-8-8 II; HDS referential v2, requirement EXI 12")
