"""Supplier import: CSV (either separator, UTF-8 with or without BOM, Windows-1252) and XLSX, French
or English headers; a dry run that reports each row; an all-or-nothing apply."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from compliance import services
from compliance.models import RegistryMatchStatus, Supplier
from hds_platform.audit import Actor
from hds_platform.models import AuditEvent
from tests.factories import CertifiedHostFactory

URL = "/api/v1/orgs/tilleuls/suppliers/import/"
FRENCH = "Nom;SIREN/SIRET;N° TVA;Pays;E-mail du contact\r\n"


def _post(client, content: bytes, name="fournisseurs.csv", dry_run=True):
    return client.post(URL, {"file": SimpleUploadedFile(name, content), "dry_run": "true" if dry_run else "false"},
                       format="multipart")


def _statuses(body) -> list[tuple[int, str, str]]:
    return [(row["line"], row["status"], row["name"]) for row in body["rows"]]


@pytest.fixture
def existing(tenant):
    with tenant.context():
        return services.supplier_create(actor=Actor.system("test"), name="Azur Hébergement", siren="552100554",
                                        country="FR")


@pytest.fixture
def owner(tenant, client_for):
    return client_for(user=tenant.owner)


def _french_rows() -> str:
    return (FRENCH
            + "Azur Hébergement;552100554;FR96552100554;FR;conformite@azur.example\r\n"
            + "Sauvegarde Océane;73282932000074;;France;dpo@oceane.example\r\n"
            + "Nuage Léger;;;DE;\r\n")


@pytest.mark.parametrize("encoding,separator", [("utf-8", ";"), ("utf-8-sig", ";"), ("cp1252", ";"), ("utf-8", ",")],
                         ids=["utf8-semicolon", "utf8-bom", "cp1252", "utf8-comma"])
def test_csv_dry_run_reports_each_row_and_writes_nothing(tenant, owner, existing, encoding, separator):
    text = _french_rows().replace(";", separator)
    CertifiedHostFactory(name="Sauvegarde Océane")
    before = AuditEvent.all_organisations.count()
    response = _post(owner, text.encode(encoding))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["dry_run"], body["applied"], body["format"], body["delimiter"], body["encoding"]) == (
        True, False, "csv", separator, encoding)
    assert body["columns"] == {"Nom": "name", "SIREN/SIRET": "siren_or_siret", "N° TVA": "vat_number",
                               "Pays": "country", "E-mail du contact": "contact_email"}
    assert body["summary"] == {"created": 2, "updated": 1, "unchanged": 0, "error": 0}
    assert _statuses(body) == [(2, "updated", "Azur Hébergement"), (3, "created", "Sauvegarde Océane"),
                               (4, "created", "Nuage Léger")]
    assert body["rows"][0]["supplier"] == existing.pk
    assert body["rows"][0]["changes"] == {"vat_number": ["", "FR96552100554"],
                                          "contact_email": ["", "conformite@azur.example"]}
    assert body["rows"][1]["values"] == {"name": "Sauvegarde Océane", "siren": "732829320",
                                         "siret": "73282932000074", "country": "FR",
                                         "contact_email": "dpo@oceane.example"}
    assert body["rows"][1]["registry_match"]["status"] == "suggested"
    assert body["rows"][1]["registry_match"]["host_name"] == "Sauvegarde Océane"
    assert body["rows"][2]["registry_match"] is None
    with tenant.context():
        assert Supplier.objects.count() == 1
    assert AuditEvent.all_organisations.count() == before


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_english_headers_is_applied_and_audited(tenant, owner, existing):
    content = _xlsx([["Name", "SIREN", "VAT number", "Country", "Contact email", "Notes"],
                     ["Azur Hébergement", 552100554, "", "FR", "", "ignored"],
                     ["Cloud Nordique", "", "", "Sweden", "ops@nordique.example", ""]])
    response = _post(owner, content, name="suppliers.xlsx", dry_run=False)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["format"], body["applied"], body["ignored_columns"]) == ("xlsx", True, ["Notes"])
    assert _statuses(body) == [(2, "unchanged", "Azur Hébergement"), (3, "created", "Cloud Nordique")]
    with tenant.context():
        created = Supplier.objects.get(name="Cloud Nordique")
        assert (created.country, created.contact_email) == ("SE", "ops@nordique.example")
        assert body["rows"][1]["supplier"] == created.pk
        actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
        assert actions[-2:] == ["supplier.created", "supplier.imported"]
        imported = AuditEvent.objects.get(action="supplier.imported")
        assert imported.changes["summary"] == {"created": 1, "updated": 0, "unchanged": 1, "error": 0}
        assert imported.changes["sha256"] == body["sha256"]


def test_one_error_row_applies_nothing_and_reports_every_row(tenant, owner, existing):
    text = (FRENCH + "Nouveau Cloud;;;FR;\r\n"
            + "Mauvais SIREN;123456789;;FR;\r\n"
            + ";;;FR;\r\n"
            + "nouveau  cloud;;;FR;\r\n"
            + "Pays Inconnu;;;Atlantide;\r\n")
    before = AuditEvent.all_organisations.count()
    response = _post(owner, text.encode(), dry_run=False)
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["report"]["applied"]) == ("import_has_errors", False)
    assert body["report"]["summary"] == {"created": 1, "updated": 0, "unchanged": 0, "error": 4}
    rows = body["report"]["rows"]
    assert [(row["line"], row["status"], [error["code"] for error in row["errors"]]) for row in rows] == [
        (2, "created", []), (3, "error", ["invalid_siren"]), (4, "error", ["name_required"]),
        (5, "error", ["duplicate_in_file"]), (6, "error", ["invalid_country"])]
    assert rows[2]["errors"][0] == {"code": "name_required", "message": "Le nom du fournisseur est vide.",
                                    "field": "name"}
    with tenant.context():
        assert list(Supplier.objects.values_list("name", flat=True)) == ["Azur Hébergement"]
    assert AuditEvent.all_organisations.count() == before


def test_siren_matches_before_the_name(tenant, owner, existing):
    text = FRENCH + "Azur Cloud (nouveau nom);552100554;;;\r\n"
    body = _post(owner, text.encode(), dry_run=False).json()
    assert _statuses(body) == [(2, "updated", "Azur Cloud (nouveau nom)")]
    assert body["rows"][0]["changes"] == {"name": ["Azur Hébergement", "Azur Cloud (nouveau nom)"]}
    with tenant.context():
        assert Supplier.objects.get().name == "Azur Cloud (nouveau nom)"


def test_a_confirmed_match_is_shown_as_it_is(tenant, owner):
    host = CertifiedHostFactory(name="Hébergeur Confirmé")
    with tenant.context():
        supplier = services.supplier_create(actor=Actor.system("test"), name="Hébergeur Confirmé")
        services.supplier_registry_match_confirm(supplier=supplier, actor=Actor.system("test"), host=host)
        assert Supplier.objects.get().registry_match_status == RegistryMatchStatus.CONFIRMED
    body = _post(owner, (FRENCH + "Hébergeur Confirmé;;;;\r\n").encode()).json()
    assert body["rows"][0]["registry_match"] == {"status": "confirmed", "host": host.pk,
                                                 "host_name": "Hébergeur Confirmé", "method": "name_exact",
                                                 "score": 100}


@pytest.mark.parametrize("content,code", [
    (b"", "import_file_empty"),
    (b"   \r\n", "import_file_empty"),
    (b"Pays;Ville\r\nFR;Paris\r\n", "import_name_column_missing"),
    (b"Nom;Pays\r\n", "import_no_rows"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "import_unknown_format"),
    (b"PK\x03\x04not a workbook", "import_unknown_format"),
], ids=["no-bytes", "blank", "no-name-column", "header-only", "xls", "zip"])
def test_files_that_cannot_be_read_are_refused_with_their_code(tenant, owner, content, code):
    response = _post(owner, content)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_row_and_size_limits(tenant, owner, settings):
    settings.SUPPLIER_IMPORT_MAX_ROWS = 2
    many = FRENCH + "".join(f"Fournisseur {n};;;FR;\r\n" for n in range(3))
    response = _post(owner, many.encode())
    assert (response.status_code, response.json()["code"]) == (400, "import_too_many_rows")
    assert response.json()["message"] == "Le fichier contient plus de 2 lignes : découpez-le en plusieurs fichiers."
    settings.SUPPLIER_IMPORT_MAX_BYTES = 1024
    big = _post(owner, (FRENCH + "x" * 2000 + ";;;FR;\r\n").encode())
    assert (big.status_code, big.json()["code"]) == (413, "request_too_large")


def test_a_viewer_cannot_import(tenant, client_for):
    viewer = client_for(user=tenant.members["viewer"])
    response = _post(viewer, (FRENCH + "Nouveau;;;FR;\r\n").encode())
    assert response.status_code == 403
    with tenant.context():
        assert Supplier.objects.count() == 0


def test_the_page_previews_then_applies_the_same_file(tenant, client):
    client.force_login(tenant.owner)
    url = "/o/tilleuls/fournisseurs/importer/"
    assert client.get(url).status_code == 200
    preview = client.post(url, {"file": SimpleUploadedFile("f.csv", (FRENCH + "Nouveau Cloud;;;FR;\r\n").encode())})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Nouveau Cloud" in page and "3. Appliquer l'import" in page
    with tenant.context():
        assert Supplier.objects.count() == 0
    stale = client.post(url, {"apply": "1", "sha256": "0" * 64})
    assert stale.status_code == 302
    with tenant.context():
        assert Supplier.objects.count() == 0
    applied = client.post(url, {"apply": "1", "sha256": preview.context["report"]["sha256"]})
    assert (applied.status_code, applied["Location"]) == (302, "/o/tilleuls/fournisseurs/")
    with tenant.context():
        assert list(Supplier.objects.values_list("name", flat=True)) == ["Nouveau Cloud"]
    again = client.post(url, {"apply": "1", "sha256": preview.context["report"]["sha256"]})
    assert again.status_code == 302
    with tenant.context():
        assert Supplier.objects.count() == 1
