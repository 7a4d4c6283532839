"""The compliance pages: what they show, their forms, HTMX fragments and the chain diagram."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from compliance.demo_data import minimal_pdf
from compliance.models import (
    Certificate,
    ChainLink,
    ConformityResult,
    Evidence,
    Processing,
    RegistryMatchStatus,
    Supplier,
)
from hds_platform.models import AuditEvent
from tests.compliance import builders
from tests.compliance.web.pages import covered_chain, evaluate, registry_host

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"


def page_url(tenant, path=""):
    return f"/o/{tenant.organisation.slug}/{path}"


def html(response) -> str:
    """The page with entities decoded, so that assertions read like the text a person sees."""
    return unescape(response.content.decode())


def stat(page: str, status: str) -> int:
    return int(re.search(rf'class="stat status-{status}"[^>]*>\s*<strong>(\d+)</strong>', page).group(1))


def box_state(page: str, link_id: int) -> str:
    return re.search(rf'<g class="box state-(\w+)" data-link="{link_id}"', page).group(1)


@pytest.fixture
def owner_client(client, tenant):
    client.force_login(tenant.owner)
    return client


# Dashboard and register -----------------------------------------------------------------------


def test_dashboard_counts_statuses_and_lists_what_needs_action(owner_client, tenant, media):
    today = timezone.localdate()
    with tenant.context():
        covered_chain("Dossier patient")
        uncovered = builders.processing("Téléconsultation")
        builders.link(uncovered, builders.supplier("Visio Santé"), activities=(3, 4))
        builders.processing("Agenda en ligne")  # never evaluated
        evaluate(uncovered)
        expiring = builders.certificate(None, activities=(5,), expires_on=today + timedelta(days=20))
    page = html(owner_client.get(page_url(tenant)))
    statuses = ("non_compliant", "incomplete", "compliant", "not_applicable", "")
    assert [stat(page, status) for status in statuses] == [1, 0, 1, 0, 1]
    answers = page.split('<table class="answers">')[1].split("</table>")[0]
    assert [(label, re.findall(r'<td class="num">(\d+)</td>', cells)) for label, cells in re.findall(
        r'<th scope="row">([^<]+)</th>(.*?)</tr>', answers, re.S)] == [
        ("Chaîne d'hébergement (HDS)", ["1", "0", "1", "0", "1"]),
        ("Registre (RGPD)", ["0", "0", "2", "0", "1"]),
    ]
    assert "3 traitements au registre." in page
    action = page.split('id="action-title"')[1].split("</section>")[0]
    assert re.findall(r"<td><a href=\"[^\"]+\">([^<]+)</a></td>", action) == ["Téléconsultation"]
    # Activities 3 and 4 uncovered, no hosting contract, no DPA, nobody for activity 5: five errors.
    assert re.search(r'Téléconsultation</a></td>\s*<td>.*?Non conforme.*?</td>\s*<td class="num">(\d+)</td>', action,
                     re.S).group(1) == "5"
    uncertified = page.split('id="uncertified-title"')[1].split("</section>")[0]
    assert re.findall(r'/fournisseurs/\d+/">([^<]+)</a>', uncertified) == ["Visio Santé"]
    assert "Aucun certificat" in uncertified
    expiring_part = page.split('id="expiring-title"')[1].split("</section>")[0]
    assert str(expiring) in expiring_part
    assert (today + timedelta(days=20)).strftime("%d/%m/%Y") in expiring_part


def test_dashboard_names_the_expiry_horizon_in_the_language_of_the_page(owner_client, tenant):
    expiring_part = html(owner_client.get(page_url(tenant))).split('id="expiring-title"')[1].split("</section>")[0]
    assert "Certificats valides expirés ou expirant dans les 90 jours." in expiring_part
    assert "Aucun certificat n'expire dans les 90 jours." in expiring_part
    owner_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    expiring_part = html(owner_client.get(page_url(tenant))).split('id="expiring-title"')[1].split("</section>")[0]
    assert "Valid certificates expired or expiring within 90 days." in expiring_part
    assert "No certificate expires within 90 days." in expiring_part


def test_processing_list_shows_each_status_and_link_count(owner_client, tenant, media):
    with tenant.context():
        _processing, _supplier, _link = covered_chain("Dossier patient")
        builders.processing("Agenda en ligne")
    page = html(owner_client.get(page_url(tenant, "traitements/")))
    rows = re.findall(r"<tr>\s*<td><a href=\"[^\"]+/traitements/(\d+)/\">([^<]+)</a>.*?</tr>", page, re.S)
    assert [name for _pk, name in rows] == ["Agenda en ligne", "Dossier patient"]
    dossier = page.split("Dossier patient</a>")[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in dossier and "Conforme" in dossier
    assert '<small class="muted answers-line">HDS\xa0: Conforme · RGPD\xa0: Conforme</small>' in dossier
    agenda = page.split("Agenda en ligne</a>")[1].split("</tr>")[0]
    assert '<td class="num">0</td>' in agenda and "Non évalué" in agenda


# The chain diagram ----------------------------------------------------------------------------


def test_processing_page_draws_the_chain_red_where_a_link_is_not_covered(owner_client, tenant, media):
    with tenant.context():
        processing, _supplier, host_link = covered_chain()
        backup = builders.supplier("Sauvegardes Express")
        backup_link = builders.link(processing, backup, activities=(6,), parent=host_link)
        evaluate(processing)
    page = html(owner_client.get(page_url(tenant, f"traitements/{processing.pk}/")))
    assert 'role="group" aria-labelledby="chain-svg-title" aria-describedby="chain-svg-desc"' in page
    assert "<title id=\"chain-svg-title\">Chaîne d'hébergement de « Dossier patient »</title>" in page
    assert box_state(page, host_link.pk) == "warning"  # claimed certificate absent from the ANS list
    assert box_state(page, backup_link.pk) == "error"
    assert page.count('<path class="edge state-error"') == 1
    # The tooltip of the red box lists its finding; the same finding is written out below.
    tooltip = page.split(f'data-link="{backup_link.pk}" data-state="error">')[1].split("</title>")[0]
    assert "Sauvegardes Express réalise l'activité 6 (sauvegarde des données de santé) sans certificat" in tooltip
    group = page.split(f'<div class="finding-group" data-link="{backup_link.pk}">')[1].split("</div>")[0]
    assert 'data-code="coverage.activity_not_covered"' in group
    assert "<span class=\"badge severity\">Erreur</span>" in group
    # Activities 1-6 as badges, the performed one highlighted.
    box = page.split(f'data-link="{backup_link.pk}" data-state="error">')[1].split("</g>")[0]
    assert re.findall(r'<rect class="badge-box( on)?"', box) == ["", "", "", "", "", " on"]
    assert "Non conforme" in page.split('id="chain-title"')[1].split("</div>")[0]


def test_processing_page_speaks_english_from_the_stored_english_messages(owner_client, tenant, media):
    with tenant.context():
        processing = builders.processing("Dossier patient")
        builders.link(processing, builders.supplier("Visio Santé"), activities=(3,))
        evaluate(processing)
    owner_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = html(owner_client.get(page_url(tenant, f"traitements/{processing.pk}/")))
    assert '<html lang="en">' in page
    assert "Visio Santé performs activity 3 (virtual infrastructure) without a valid HDS certificate" in page
    assert "sans certificat HDS valide" not in page


def test_a_chain_changed_since_its_evaluation_is_shown_pending(owner_client, tenant, media):
    with tenant.context():
        processing, _supplier, _link = covered_chain()
        late = builders.link(processing, None, activities=(5,))  # added after the evaluation, not evaluated
    page = html(owner_client.get(page_url(tenant, f"traitements/{processing.pk}/")))
    assert box_state(page, late.pk) == "pending"
    assert "La chaîne ou la fiche a changé depuis la dernière évaluation" in page


def test_reevaluate_button_stores_a_fresh_result(owner_client, tenant, media):
    with tenant.context():
        processing, _supplier, _link = covered_chain()
        late = builders.link(processing, None, activities=(5,))
    response = owner_client.post(page_url(tenant, f"traitements/{processing.pk}/evaluer/"))
    assert response.status_code == 302
    page = html(owner_client.get(response["Location"]))
    assert box_state(page, late.pk) == "error"
    with tenant.context():
        assert ConformityResult.objects.get(processing=processing).status == "non_compliant"


# Processing forms -----------------------------------------------------------------------------


REGISTER_FORM = {
    "name": "Imagerie médicale", "role": "controller", "purposes": "Diagnostic\nSuivi des examens",
    "legal_basis": "Art. 6(1)(e)", "health_data": "on", "art9_condition": "Art. 9(2)(h)",
    "identifiability": "identified", "hosting_mode": "outsourced", "data_subject_categories": "Patients",
    "data_categories": "Images\nComptes rendus", "recipients": "Radiologues", "transfers": "US: CCT 2021/914",
    "retention": "20 ans", "security_measures": "Chiffrement", "controller_contact": "dpo@example.org",
    "dpo_contact": "", "controllers_served": "", "dpia_required": "yes", "dpia_done": "on",
}


def test_creating_a_processing_stores_the_art30_fields_and_opens_its_chain(owner_client, tenant):
    response = owner_client.post(page_url(tenant, "traitements/nouveau/"), REGISTER_FORM)
    with tenant.context():
        processing = Processing.objects.get()
        assert response["Location"] == page_url(tenant, f"traitements/{processing.pk}/chaine/")
        assert (processing.purposes, processing.data_categories, processing.transfers) == (
            ["Diagnostic", "Suivi des examens"], ["Images", "Comptes rendus"],
            [{"country": "US", "safeguard": "CCT 2021/914"}])
        assert (processing.health_data, processing.dpia_required, processing.dpia_done, processing.hosting_mode) == (
            True, True, True, "outsourced")
        assert AuditEvent.objects.order_by("-seq").first().action == "processing.created"


def test_the_processing_form_records_hosting_for_patients(owner_client, tenant):
    owner_client.post(page_url(tenant, "traitements/nouveau/"), {**REGISTER_FORM, "hosts_for_patients": "on"})
    with tenant.context():
        processing = Processing.objects.get()
    assert processing.hosts_for_patients is True
    form = html(owner_client.get(page_url(tenant, f"traitements/{processing.pk}/modifier/")))
    assert "Hébergement pour le compte des patients eux-mêmes" in form
    assert re.search(r'<input type="checkbox" name="hosts_for_patients" [^>]*checked', form)


def test_activity_labels_are_the_engine_words_in_each_language(owner_client, tenant):
    with tenant.context():
        processing = builders.processing()
    url = page_url(tenant, f"traitements/{processing.pk}/chaine/")
    assert "1 — Mise à disposition et maintien en condition opérationnelle des sites physiques" in html(
        owner_client.get(url))
    owner_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "1 — Provision and operational maintenance of the physical sites" in html(owner_client.get(url))


@pytest.mark.parametrize("change, field, message", [
    ({"name": ""}, "name", "Ce champ est obligatoire."),
    ({"transfers": "ZZ: rien"}, "transfers", "« ZZ » n'est pas un code pays ISO 3166 (deux lettres, ex. FR)."),
    ({"identifiability": "flou"}, "identifiability", "Sélectionnez un choix valide."),
])
def test_processing_form_errors_are_shown_on_their_field(owner_client, tenant, change, field, message):
    response = owner_client.post(page_url(tenant, "traitements/nouveau/"), {**REGISTER_FORM, **change})
    assert response.status_code == 400
    page = html(response)
    assert re.search(rf'<ul class="errorlist" id="id_{field}_error"><li>{re.escape(message)}', page)
    assert 'aria-invalid="true" aria-describedby="' in page
    with tenant.context():
        assert Processing.objects.count() == 0


def test_a_duplicate_processing_name_is_refused_by_the_service(owner_client, tenant):
    with tenant.context():
        builders.processing("Imagerie médicale")
    response = owner_client.post(page_url(tenant, "traitements/nouveau/"), REGISTER_FORM)
    assert response.status_code == 400
    assert "Un traitement porte déjà ce nom." in html(response)
    with tenant.context():
        assert Processing.objects.count() == 1


def test_editing_a_processing_shows_its_values_and_saves_changes(owner_client, tenant):
    with tenant.context():
        processing = builders.processing("Dossier patient", transfers=[{"country": "US", "safeguard": "CCT"}])
    url = page_url(tenant, f"traitements/{processing.pk}/modifier/")
    page = html(owner_client.get(url))
    assert '<option value="no" selected>' in page  # dpia_required False
    assert '">\nUS: CCT</textarea>' in page
    response = owner_client.post(url, {**REGISTER_FORM, "name": "Dossier patient", "dpia_required": ""})
    assert response["Location"] == page_url(tenant, f"traitements/{processing.pk}/")
    with tenant.context():
        processing.refresh_from_db()
        assert (processing.dpia_required, processing.recipients) == (None, ["Radiologues"])


def test_deleting_a_processing(owner_client, tenant, media):
    with tenant.context():
        processing, _supplier, _link = covered_chain()
    response = owner_client.post(page_url(tenant, f"traitements/{processing.pk}/supprimer/"))
    assert response["Location"] == page_url(tenant, "traitements/")
    with tenant.context():
        assert (Processing.objects.count(), ChainLink.objects.count()) == (0, 0)


# Chain editor ---------------------------------------------------------------------------------


def link_form(supplier, **extra):
    return {"actor": str(supplier.pk) if supplier else "self", "parent": "", "activities": ["1", "2"],
            "stores_health_data": "on", "storage_countries": "fr, de", "remote_access": "", **extra}


def test_adding_a_link_without_javascript_redirects_back_to_the_editor(owner_client, tenant):
    with tenant.context():
        processing = builders.processing()
        supplier = builders.supplier()
    url = page_url(tenant, f"traitements/{processing.pk}/chaine/")
    response = owner_client.post(url, link_form(supplier, remote_access="US: safeguards"))
    assert response["Location"] == url
    with tenant.context():
        link = ChainLink.objects.get()
        assert (link.supplier, link.activities, link.storage_countries, link.remote_access) == (
            supplier, frozenset({1, 2}), ["FR", "DE"], [{"country": "US", "basis": "safeguards"}])
    assert "Maillon ajouté." in html(owner_client.get(url))


def test_adding_and_removing_links_with_htmx_returns_the_editor_fragment(
        owner_client, tenant, django_capture_on_commit_callbacks):
    with tenant.context():
        processing = builders.processing()
        supplier = builders.supplier()
    url = page_url(tenant, f"traitements/{processing.pk}/chaine/")
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url, link_form(None, activities=["5"]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "chain-changed"
    fragment = html(response)
    assert fragment.lstrip().startswith('<section id="chain-editor"')
    assert "<html" not in fragment
    assert '<p class="notice" role="status">Maillon ajouté.</p>' in fragment
    assert re.search(r'<select name="actor"[^>]* autofocus', fragment)
    with tenant.context():
        own = ChainLink.objects.get()
        assert own.supplier is None
        # The re-evaluation ran after the commit, before the diagram reloads.
        assert ConformityResult.objects.get(processing=processing).status == "non_compliant"
    diagram = html(owner_client.get(page_url(tenant, f"traitements/{processing.pk}/diagramme/"),
                                    HTTP_HX_REQUEST="true"))
    assert diagram.lstrip().startswith('<section id="chain-diagram"')
    assert box_state(diagram, own.pk) == "error"

    response = owner_client.post(url, link_form(supplier, parent=str(own.pk)), HTTP_HX_REQUEST="true")
    with tenant.context():
        child = ChainLink.objects.get(supplier=supplier)
        assert child.parent == own
    response = owner_client.post(page_url(tenant, f"traitements/{processing.pk}/chaine/{own.pk}/retirer/"),
                                 HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert '<p class="alert" role="alert">Ce maillon a des sous-traitants' in html(response)
    response = owner_client.post(page_url(tenant, f"traitements/{processing.pk}/chaine/{child.pk}/retirer/"),
                                 HTTP_HX_REQUEST="true")
    assert response["HX-Trigger"] == "chain-changed"
    assert f'data-link="{child.pk}"' not in html(response)
    with tenant.context():
        assert list(ChainLink.objects.all()) == [own]


def test_a_refused_link_shows_the_form_errors(owner_client, tenant):
    with tenant.context():
        processing = builders.processing()
    url = page_url(tenant, f"traitements/{processing.pk}/chaine/")
    response = owner_client.post(url, link_form(None, storage_countries="FR, XX"), HTTP_HX_REQUEST="true")
    assert "« XX » n'est pas un code pays ISO 3166" in html(response)
    response = owner_client.post(url, link_form(None, exemption_reason="covered_by_parent_audit"))
    assert response.status_code == 400
    assert "Une exemption sous le parent suppose un maillon parent." in html(response)
    with tenant.context():
        assert ChainLink.objects.count() == 0


def test_editing_a_link(owner_client, tenant):
    with tenant.context():
        processing = builders.processing()
        link = builders.link(processing, None, activities=(5,))
    url = page_url(tenant, f"traitements/{processing.pk}/chaine/{link.pk}/")
    page = html(owner_client.get(url))
    assert f'name="link-{link.pk}-activities" value="5" id="id_link-{link.pk}-activities_4" checked>' in page
    assert f'name="link-{link.pk}-activities" value="6" id="id_link-{link.pk}-activities_5">' in page
    response = owner_client.post(url, {f"link-{link.pk}-{k}": v for k, v in link_form(None, activities=["5", "6"],
                                                                                         is_backup="on").items()})
    assert response["Location"] == page_url(tenant, f"traitements/{processing.pk}/chaine/")
    with tenant.context():
        link.refresh_from_db()
        assert (link.activities, link.is_backup, link.storage_countries) == (frozenset({5, 6}), True, ["FR", "DE"])


def test_a_link_names_the_certificate_it_relies_on_and_a_wrong_one_is_refused(owner_client, tenant):
    with tenant.context():
        processing = builders.processing()
        supplier = builders.supplier()
        public = builders.certificate(supplier, activities=(1, 2), certificate_number="HDS-PUBLIC",
                                      perimeter="Cloud public")
        own = builders.certificate(None, activities=(5,), certificate_number="HDS-OWN")
    url = page_url(tenant, f"traitements/{processing.pk}/chaine/")
    page = html(owner_client.get(url))
    assert f'value="{public.pk}"' in page and "Nuage Souverain — HDS-PUBLIC (1, 2) — Cloud public" in page
    response = owner_client.post(url, link_form(supplier, certificates=[str(own.pk)]))
    assert response.status_code == 400
    assert "Le certificat HDS-OWN n'est pas un certificat de l'acteur de ce maillon." in html(response)
    response = owner_client.post(url, link_form(supplier, certificates=[str(public.pk)]))
    assert response["Location"] == url
    with tenant.context():
        link = ChainLink.objects.get()
        assert list(link.certificates.values_list("certificate_number", flat=True)) == ["HDS-PUBLIC"]
    edit = html(owner_client.get(page_url(tenant, f"traitements/{processing.pk}/chaine/{link.pk}/")))
    assert f'name="link-{link.pk}-certificates" value="{public.pk}"' in edit
    assert re.search(rf'name="link-{link.pk}-certificates" value="{public.pk}"[^>]*checked', edit)


# Suppliers and the registry match -------------------------------------------------------------


def test_creating_a_supplier_suggests_its_registry_host(owner_client, tenant):
    host = registry_host("Nuage Santé Hébergement", "HDS-NSH-2025")
    response = owner_client.post(page_url(tenant, "fournisseurs/nouveau/"), {
        "name": "Nuage Santé Hébergement SAS", "siren": "732 829 320", "country": "FR"})
    with tenant.context():
        supplier = Supplier.objects.get()
    assert response["Location"] == page_url(tenant, f"fournisseurs/{supplier.pk}/")
    assert (supplier.registry_match_status, supplier.registry_host_id) == (RegistryMatchStatus.SUGGESTED, host.pk)
    page = html(owner_client.get(response["Location"]))
    assert "Hébergeur suggéré :" in page and "<strong>Nuage Santé Hébergement</strong>" in page
    assert "HDS-NSH-2025" in page
    assert "Confirmer la correspondance" in page


@pytest.mark.parametrize("change, field, message", [
    ({"siren": "123456789"}, "siren", "123456789 n'est pas un SIREN valide (9 chiffres, clé de Luhn)."),
    ({"country": "XX"}, "country", "Sélectionnez un choix valide. XX n’en fait pas partie."),
    ({"transparency_url": "pas une url"}, "transparency_url", "Saisissez une URL valide."),
])
def test_supplier_form_errors(owner_client, tenant, change, field, message):
    response = owner_client.post(page_url(tenant, "fournisseurs/nouveau/"),
                                 {"name": "Cloud", "country": "FR", **change})
    assert response.status_code == 400
    assert re.search(rf'id="id_{field}_error"><li>{re.escape(message)}', html(response))
    with tenant.context():
        assert Supplier.objects.count() == 0


def test_the_supplier_form_records_the_dpf_certification(owner_client, tenant):
    form = html(owner_client.get(page_url(tenant, "fournisseurs/nouveau/")))
    assert "Certifié au Data Privacy Framework UE–États-Unis" in form
    owner_client.post(page_url(tenant, "fournisseurs/nouveau/"),
                      {"name": "Cloud Transatlantique", "country": "US", "dpf_certified": "on"})
    with tenant.context():
        supplier = Supplier.objects.get()
    assert supplier.dpf_certified is True
    edit = html(owner_client.get(page_url(tenant, f"fournisseurs/{supplier.pk}/modifier/")))
    assert re.search(r'<input type="checkbox" name="dpf_certified" [^>]*checked', edit)


def test_confirming_and_rejecting_the_match(owner_client, tenant, django_capture_on_commit_callbacks):
    host = registry_host("Nuage Santé Hébergement", "HDS-NSH-2025")
    with tenant.context():
        supplier = builders.supplier("Nuage Santé Hébergement")
    confirm = page_url(tenant, f"fournisseurs/{supplier.pk}/correspondance/confirmer/")
    response = owner_client.post(confirm, HTTP_HX_REQUEST="true")
    fragment = html(response)
    assert fragment.lstrip().startswith('<section id="registry-match" class="card match match-confirmed"')
    assert "Correspondance confirmée avec « Nuage Santé Hébergement » de la liste ANS." in fragment
    with tenant.context():
        supplier.refresh_from_db()
        assert supplier.registry_match_status == RegistryMatchStatus.CONFIRMED
        copied = Certificate.objects.get(supplier=supplier)
        assert (copied.source, copied.certificate_number) == ("registry", "HDS-NSH-2025")
    # Without JavaScript: a plain POST and a redirect.
    response = owner_client.post(page_url(tenant, f"fournisseurs/{supplier.pk}/correspondance/rejeter/"))
    assert response["Location"] == page_url(tenant, f"fournisseurs/{supplier.pk}/")
    with tenant.context():
        supplier.refresh_from_db()
        assert (supplier.registry_match_status, supplier.registry_rejected_hosts) == ("rejected", [host.pk])
        assert Certificate.objects.filter(supplier=supplier).count() == 0
    page = html(owner_client.get(response["Location"]))
    assert "Correspondance rejetée : cet hébergeur ne sera plus suggéré." in page
    # Confirming again with nothing suggested is refused with the service's message.
    response = owner_client.post(confirm)
    assert "Aucun hébergeur n'est suggéré pour ce fournisseur" in html(owner_client.get(response["Location"]))


def test_choosing_a_host_from_the_registry_search(owner_client, tenant):
    registry_host("Autre Hébergeur", "HDS-AUT-1")
    chosen = registry_host("Cloud Temple", "HDS-CT-9", activities=(1, 2, 3))
    with tenant.context():
        supplier = builders.supplier("CT Infogérance")
    page = html(owner_client.get(page_url(tenant, f"registre/?fournisseur={supplier.pk}&q=temple")))
    assert f'name="host" value="{chosen.pk}"' in page
    assert "Associer à « CT Infogérance »" in page
    owner_client.post(page_url(tenant, f"fournisseurs/{supplier.pk}/correspondance/confirmer/"), {"host": chosen.pk})
    with tenant.context():
        supplier.refresh_from_db()
        assert (supplier.registry_match_status, supplier.registry_host, supplier.registry_match_method) == (
            "confirmed", chosen, "manual")


def test_a_supplier_in_a_chain_cannot_be_deleted(owner_client, tenant, media):
    with tenant.context():
        _processing, supplier, _link = covered_chain()
    response = owner_client.post(page_url(tenant, f"fournisseurs/{supplier.pk}/supprimer/"))
    assert response["Location"] == page_url(tenant, f"fournisseurs/{supplier.pk}/")
    assert "Ce fournisseur figure dans une chaîne d'hébergement" in html(owner_client.get(response["Location"]))
    with tenant.context():
        assert Supplier.objects.filter(pk=supplier.pk).exists()


def test_supplier_page_lists_certificates_evidence_and_dependent_processings(owner_client, tenant, media):
    with tenant.context():
        _processing, supplier, _link = covered_chain()
        other = builders.processing("Téléconsultation")
        builders.link(other, supplier, activities=(3, 4))
    page = html(owner_client.get(page_url(tenant, f"fournisseurs/{supplier.pk}/")))
    deps = page.split('id="deps-title"')[1].split("</section>")[0]
    assert re.findall(r"/traitements/\d+/\">([^<]+)</a>", deps) == ["Dossier patient", "Téléconsultation"]
    assert f"HDS-{supplier.pk}-[1, 2, 3, 4, 5]" in page
    assert "Activités 1, 2, 3, 4, 5</span>" in page
    evidence_part = page.split('id="evidence-title"')[1].split("</section>")[0]
    assert evidence_part.count("/preuves/") == 4  # 3 documents + the upload link


def test_supplier_list_shows_match_and_certificate_status(owner_client, tenant, media):
    today = timezone.localdate()
    with tenant.context():
        valid = builders.supplier("A Valide")
        builders.certificate(valid, expires_on=today + timedelta(days=400))
        soon = builders.supplier("B Bientôt")
        builders.certificate(soon, expires_on=today + timedelta(days=30))
        expired = builders.supplier("C Expiré")
        builders.certificate(expired, expires_on=today - timedelta(days=1), issued_on=today - timedelta(days=900))
        builders.supplier("D Rien")
    page = html(owner_client.get(page_url(tenant, "fournisseurs/")))
    rows = {name: row for name, row in re.findall(r'/">([^<]+)</a></td>(.*?)</tr>', page, re.S)}
    assert "Valide" in rows["A Valide"]
    assert "expire le " + (today + timedelta(days=30)).strftime("%d/%m/%Y") in rows["B Bientôt"]
    assert "Expiré ou suspendu" in rows["C Expiré"]
    assert "Aucun certificat" in rows["D Rien"]
    assert all("Aucune correspondance" in row for row in rows.values())


# Certificates and evidence --------------------------------------------------------------------


def test_adding_a_certificate_with_its_document(owner_client, tenant, media):
    with tenant.context():
        supplier = builders.supplier()
    response = owner_client.post(page_url(tenant, "certificats/nouveau/"), {
        "holder": str(supplier.pk), "kind": "hds", "activities": ["1", "2"], "certificate_number": "HDS-42",
        "certifier": "AFNOR", "referential_version": "v2", "issued_on": "2025-01-10", "expires_on": "2028-01-09",
        "status": "valid", "document": SimpleUploadedFile("certificat.pdf", minimal_pdf("HDS-42")),
        "perimeter": "Colocation : datacenter de Lyon",
    })
    assert response["Location"] == page_url(tenant, f"fournisseurs/{supplier.pk}/")
    with tenant.context():
        certificate = Certificate.objects.get()
        evidence = Evidence.objects.get()
        assert (certificate.source, certificate.evidence, certificate.activities, certificate.perimeter) == (
            "document", evidence, frozenset({1, 2}), "Colocation : datacenter de Lyon")
        assert (evidence.kind, evidence.supplier, evidence.title, evidence.valid_until) == (
            "hds_certificate", supplier, "Certificat HDS-42", date(2028, 1, 9))


@pytest.mark.parametrize(("typed", "stored"), [("V1 (2018)", "v1"), ("référentiel 2018", "v1"), ("2.0", "v2"),
                                              ("v2.1", "v2.1")])
def test_the_certificate_form_stores_the_referential_normalised(owner_client, tenant, media, typed, stored):
    owner_client.post(page_url(tenant, "certificats/nouveau/"), {
        "holder": "self", "kind": "hds", "activities": ["5"], "certificate_number": "HDS-OWN", "certifier": "LNE",
        "referential_version": typed, "issued_on": "2025-01-10", "expires_on": "2028-01-09", "status": "valid",
        "document": SimpleUploadedFile("certificat.pdf", minimal_pdf("HDS-OWN")),
    })
    with tenant.context():
        assert Certificate.objects.get().referential_version == stored


def test_the_organisation_own_certificate_and_a_refused_one(owner_client, tenant, media):
    url = page_url(tenant, "certificats/nouveau/")
    base = {"holder": "self", "kind": "hds", "activities": ["5"], "certificate_number": "HDS-OWN",
            "certifier": "LNE", "referential_version": "v2", "status": "valid"}
    response = owner_client.post(url, {**base, "issued_on": "2026-01-10", "expires_on": "2025-01-09",
                                       "document": SimpleUploadedFile("c.pdf", minimal_pdf("x"))})
    assert response.status_code == 400
    assert re.search(r'id="id_expires_on_error"><li>La fin de validité précède la date d.émission.', html(response))
    with tenant.context():
        assert (Certificate.objects.count(), Evidence.objects.count()) == (0, 0)
    assert [p for p in media.rglob("*") if p.is_file()] == []  # the document of the refused certificate is gone
    response = owner_client.post(url, {**base, "expires_on": "2028-01-09"})
    assert response["Location"] == page_url(tenant, "certificats/")
    with tenant.context():
        certificate = Certificate.objects.get()
        assert (certificate.supplier, certificate.source, certificate.evidence) == (None, "manual", None)
    page = html(owner_client.get(response["Location"]))
    assert "HDS-OWN" in page.split('id="own-title"')[1].split("</section>")[0]


def test_uploading_evidence_and_downloading_it(owner_client, tenant, media):
    with tenant.context():
        supplier = builders.supplier()
    response = owner_client.post(page_url(tenant, "preuves/"), {
        "file": SimpleUploadedFile("contrat.pdf", minimal_pdf("Contrat")), "kind": "hosting_contract",
        "title": "", "supplier": str(supplier.pk), "processing": "", "valid_until": "2027-03-31"})
    assert response["Location"] == page_url(tenant, f"preuves/?fournisseur={supplier.pk}&type=hosting_contract")
    with tenant.context():
        evidence = Evidence.objects.get()
    assert (evidence.title, evidence.supplier_id, evidence.content_type) == ("contrat.pdf", supplier.pk,
                                                                             "application/pdf")
    page = html(owner_client.get(page_url(tenant, "preuves/")))
    assert "Pièce « contrat.pdf » déposée." in page
    timeline = page.split('id="timeline-title"')[1].split("</section>")[0]
    assert "Mars 2027" in timeline and "31/03/2027" in timeline
    download = owner_client.get(page_url(tenant, f"preuves/{evidence.pk}/fichier/"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == minimal_pdf("Contrat")
    assert download["Content-Disposition"] == 'attachment; filename="contrat.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_refused_upload_shows_the_service_code_and_message(owner_client, tenant, media):
    response = owner_client.post(page_url(tenant, "preuves/"), {
        "file": SimpleUploadedFile("contrat.pdf", EXE), "kind": "hosting_contract"})
    assert response.status_code == 400
    assert re.search(r'id="id_file_error"><li>Type de fichier refusé : seuls PDF, PNG, JPEG, DOCX et XLSX sont '
                     r'acceptés \(type reconnu : [^)]+\)\. <code>evidence_type_not_allowed</code>', html(response))
    response = owner_client.post(page_url(tenant, "preuves/"), {
        "file": SimpleUploadedFile("contrat.png", minimal_pdf("x")), "kind": "other"})
    assert "<code>evidence_extension_mismatch</code>" in html(response)
    response = owner_client.post(page_url(tenant, "preuves/"), {"kind": ""})
    assert re.search(r'id="id_file_error"><li>Ce champ est obligatoire\.', html(response))
    with tenant.context():
        assert Evidence.objects.count() == 0
    assert [p for p in media.rglob("*") if p.is_file()] == []


def test_evidence_upload_form_is_prefilled_from_a_supplier_page(owner_client, tenant):
    with tenant.context():
        supplier = builders.supplier()
    page = html(owner_client.get(page_url(tenant, f"preuves/?fournisseur={supplier.pk}&type=dpa")))
    assert f'<option value="{supplier.pk}" selected>' in page
    assert '<option value="dpa" selected>' in page
    assert 'class="dropzone" data-dropzone' in page


# Registry search ------------------------------------------------------------------------------


def test_registry_search_by_name_number_and_activity(owner_client, tenant):
    registry_host("OVH SAS", "HDS-OVH-2024", activities=(1, 2, 3, 4, 5, 6))
    registry_host("Scaleway", "HDS-SCW-7", activities=(1, 2, 3, 4))
    registry_host("Ancien Hébergeur", "HDS-OLD-1", listed=False)

    def names(query):
        page = html(owner_client.get(page_url(tenant, f"registre/?{query}")))
        return re.findall(r'<li data-host="\d+">\s*<strong>([^<]+)</strong>', page)

    assert names("q=ovh") == ["OVH SAS"]
    assert names("q=hds-scw") == ["Scaleway"]
    assert names("activite=5") == ["OVH SAS", "Ancien Hébergeur"]
    assert names("q=hds") == ["OVH SAS", "Scaleway", "Ancien Hébergeur"]
    assert names("q=introuvable") == []
    assert "Saisissez un nom" in html(owner_client.get(page_url(tenant, "registre/")))
    fragment = html(owner_client.get(page_url(tenant, "registre/?q=ovh"), HTTP_HX_REQUEST="true"))
    assert fragment.lstrip().startswith('<section id="registry-results"')
    assert "<html" not in fragment


def test_country_names_follow_the_language_of_the_page(owner_client, tenant):
    page = html(owner_client.get(page_url(tenant, "fournisseurs/nouveau/")))
    assert '<option value="DE">Allemagne (DE)</option>' in page
    assert '<option value="FR" selected>France (FR)</option>' in page
    owner_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = html(owner_client.get(page_url(tenant, "fournisseurs/nouveau/")))
    assert '<option value="DE">Germany (DE)</option>' in page


# Contracts and exemptions ----------------------------------------------------------------------


def test_uploading_a_hosting_contract_with_its_checklist(owner_client, tenant, media):
    with tenant.context():
        supplier = builders.supplier()
    response = owner_client.post(page_url(tenant, "preuves/"), {
        "file": SimpleUploadedFile("contrat.pdf", minimal_pdf("Contrat")), "kind": "hosting_contract",
        "supplier": str(supplier.pk), "contract_clauses": ["hosting_locations", "certificate_scope_dates"],
        "contract_locations": "fr, de"})
    assert response["Location"] == page_url(tenant, f"preuves/?fournisseur={supplier.pk}&type=hosting_contract")
    response = owner_client.post(page_url(tenant, "preuves/"), {
        "file": SimpleUploadedFile("autre.pdf", minimal_pdf("Autre")), "kind": "hosting_contract",
        "supplier": str(supplier.pk)})
    assert response["Location"] == page_url(tenant, f"preuves/?fournisseur={supplier.pk}&type=hosting_contract")
    with tenant.context():
        checked, unchecked = Evidence.objects.order_by("id")
    assert (checked.contract_clauses, checked.contract_locations) == (
        ["certificate_scope_dates", "hosting_locations"], ["FR", "DE"])
    assert (unchecked.contract_clauses, unchecked.contract_locations) == (None, [])
    page = html(owner_client.get(page_url(tenant, "preuves/")))
    assert "2 clauses sur 14" in page and "clauses non vérifiées" in page
    # A checklist on a DPA is refused, on the checklist.
    response = owner_client.post(page_url(tenant, "preuves/"), {
        "file": SimpleUploadedFile("dpa.pdf", minimal_pdf("DPA")), "kind": "dpa", "contract_checked": "on"})
    assert response.status_code == 400
    assert ('id="id_contract_clauses_error"><li>Seul un contrat d\'hébergement a des clauses et des lieux '
            'd\'hébergement.</li>') in html(response)


def test_checking_the_clauses_of_a_contract_on_file(owner_client, tenant, media):
    with tenant.context():
        supplier = builders.supplier()
        contract = builders.evidence("hosting_contract", supplier=supplier, contract_clauses=None)
    url = page_url(tenant, f"preuves/{contract.pk}/clauses/")
    page = html(owner_client.get(url))
    assert "14° Réversibilité : formats lisibles" in page
    # Checked, and none of the clauses found: that is an answer too, not "not checked".
    response = owner_client.post(url, {"contract_checked": "on", "contract_locations": ""})
    assert response["Location"] == page_url(tenant, "preuves/")
    contract.refresh_from_db()
    assert (contract.contract_clauses, contract.contract_locations) == ([], [])
    response = owner_client.post(url, {"contract_clauses": ["services"], "contract_locations": "FR, XX"})
    assert response.status_code == 400
    assert "« XX » n'est pas un code pays ISO 3166" in html(response)
    response = owner_client.post(url, {"contract_clauses": ["services", "subcontractors"], "contract_locations": "FR"})
    contract.refresh_from_db()
    assert (contract.contract_clauses, contract.contract_locations) == (["services", "subcontractors"], ["FR"])
    response = owner_client.post(url, {"contract_locations": "FR"})
    contract.refresh_from_db()
    assert contract.contract_clauses is None
    with tenant.context():
        dpa = builders.evidence("dpa", supplier=supplier)
    assert owner_client.get(page_url(tenant, f"preuves/{dpa.pk}/clauses/")).status_code == 404


def test_a_link_and_a_processing_carry_an_exemption_with_its_proof(owner_client, tenant, media):
    with tenant.context():
        processing = builders.processing()
        archive = builders.supplier("Archives Agréées")
        approval = builders.evidence("exemption_proof", supplier=archive, title="Agrément SIAF")
    url = page_url(tenant, f"traitements/{processing.pk}/chaine/")
    response = owner_client.post(url, link_form(archive, exemption_reason="archiving_approved",
                                                exemption_evidence=str(approval.pk)))
    assert response["Location"] == url
    with tenant.context():
        link = ChainLink.objects.get()
    assert (link.exemption_reason, link.exempt_under_parent, link.exemption_evidence_id) == (
        "archiving_approved", False, approval.pk)
    assert "exemption : Service d'archivage électronique agréé" in html(owner_client.get(url))

    edit = page_url(tenant, f"traitements/{processing.pk}/modifier/")
    form = {"name": processing.name, "role": "processor", "identifiability": "identified", "health_data": "on",
            "hosting_mode": "outsourced", "exemption_reason": "short_term_processing",
            "exemption_evidence": str(approval.pk)}
    assert owner_client.post(edit, form)["Location"] == page_url(tenant, f"traitements/{processing.pk}/")
    processing.refresh_from_db()
    assert (processing.exemption_reason, processing.exemption_evidence_id) == ("short_term_processing", approval.pk)
    page = html(owner_client.get(edit))
    assert '<option value="short_term_processing" selected>' in page
    assert f'<option value="{approval.pk}" selected>' in page
