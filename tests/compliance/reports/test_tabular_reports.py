"""The register and supplier exports read back with real readers: csv (BOM, separator, inert
formulas) and openpyxl (sheets, typed dates, frozen header)."""

import csv
import io
from datetime import date, datetime

from openpyxl import load_workbook

from compliance.reports.tabular import inert
from tests.compliance.reports.conftest import FORMULA_NAME, HOSTILE_IMG, HOSTILE_LINK, PROCESSOR_NAME


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for French spreadsheets
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_inert_prefixes_every_formula_trigger():
    assert [inert(v) for v in ("=1+1", "+33 1", "-2", "@SUM(A1)", "\tx", "\rx", "Nuage", "", 5, None)] == [
        "'=1+1", "'+33 1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "Nuage", "", 5, None]


def test_register_csv_one_table_with_a_role_column(reported, generate):
    report, data = generate("register", "csv")

    rows = _csv_rows(data)
    assert report.content_type == "text/csv; charset=utf-8"
    assert report.file_name.startswith("registre-art30-tilleuls-") and report.file_name.endswith(".csv")
    header, *entries = rows
    assert header[:4] == ["Rôle", "Traitement", "Responsables servis (art. 30(2)(a))",
                          "Responsable et contact (art. 30(1)(a))"]
    assert len(header) == 24
    assert [(e[0], e[1]) for e in entries] == [("Sous-traitant", "'" + PROCESSOR_NAME),
                                               ("Responsable de traitement", "Dossier patient")]
    processor, controller = (dict(zip(header, e, strict=True)) for e in entries)
    assert processor["Responsables servis (art. 30(2)(a))"] == "'" + FORMULA_NAME
    assert processor["Base légale (art. 6)"] == ""  # not an Art. 30(2) field
    assert controller["Base légale (art. 6)"] == "Art. 6(1)(e) mission d'intérêt public"
    assert controller["Acteurs de la chaîne (activités HDS)"] == f"Nuage Souverain (1, 2, 3, 4); {HOSTILE_IMG} (5)"
    assert processor["Acteurs de la chaîne (activités HDS)"] == f"Nuage Souverain (1, 2, 3, 4); {HOSTILE_LINK} (6)"
    assert controller["Conformité"] == "Non conforme"
    assert controller["AIPD requise"] == "Non"
    assert date.fromisoformat(controller["Créé le"])


def test_register_xlsx_one_sheet_per_role_typed_and_frozen(reported, generate):
    _report, data = generate("register", "xlsx")

    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Responsable de traitement", "Sous-traitant"]
    controller, processor = workbook["Responsable de traitement"], workbook["Sous-traitant"]
    assert controller.freeze_panes == processor.freeze_panes == "A2"
    assert (controller.max_row, processor.max_row) == (2, 2)
    header = [cell.value for cell in controller[1]]
    assert len(header) == 22 and "Responsables servis (art. 30(2)(a))" not in header
    row = dict(zip(header, (cell for cell in controller[2]), strict=True))
    assert row["Traitement"].value == "Dossier patient"
    assert isinstance(row["Créé le"].value, datetime) and row["Créé le"].number_format == "yyyy-mm-dd"
    assert isinstance(row["Modifié le"].value, datetime) and row["Modifié le"].number_format == "yyyy-mm-dd hh:mm"
    processor_header = [cell.value for cell in processor[1]]
    assert len(processor_header) == 15
    values = dict(zip(processor_header, (cell for cell in processor[2]), strict=True))
    assert values["Traitement"].value == "'" + PROCESSOR_NAME and values["Traitement"].data_type == "s"
    assert values["Responsables servis (art. 30(2)(a))"].value == "'" + FORMULA_NAME


def test_suppliers_csv_and_xlsx(reported, generate):
    _report, data = generate("suppliers", "csv")
    header, *rows = _csv_rows(data)
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert list(by_name) == [HOSTILE_IMG, HOSTILE_LINK, "Nuage Souverain"]
    sovereign = by_name["Nuage Souverain"]
    assert (sovereign["SIREN"], sovereign["Pays"], sovereign["Activités réalisées"], sovereign["Traitements"]) == (
        "552100554", "FR", "1, 2, 3, 4", "2")
    assert sovereign["Certificats"] == "HDS HDS-NS-2024-7 [1, 2, 3, 4] → 2027-12-01 (Valide)"
    assert (sovereign["Certificats valides"], sovereign["Prochaine expiration"]) == ("1", "2027-12-01")
    assert sovereign["Correspondance liste ANS"] == "Aucune correspondance"
    assert by_name[HOSTILE_IMG]["Certificats valides"] == "0" and by_name[HOSTILE_IMG]["Prochaine expiration"] == ""

    _report, data = generate("suppliers", "xlsx")
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Fournisseurs", "Certificats"]
    certificates = workbook["Certificats"]
    assert certificates.freeze_panes == "A2"
    header = [cell.value for cell in certificates[1]]
    rows = [dict(zip(header, (cell.value for cell in row), strict=True)) for row in certificates.iter_rows(min_row=2)]
    assert [(r["Fournisseur"], r["Numéro"], r["Valable jusqu'au"]) for r in rows] == [
        (HOSTILE_LINK, "HDS-BK-6", datetime(2028, 3, 31)), ("Nuage Souverain", "HDS-NS-2024-7", datetime(2027, 12, 1))]
    assert all(isinstance(r["Jours restants"], int) for r in rows)
