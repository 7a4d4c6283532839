import dataclasses
import io
import json
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from registry.parsing import (
    HEADER_ALIASES,
    HostRow,
    RegistryFileError,
    RowError,
    normalise_header,
    normalise_referential_version,
    parse_activities,
    parse_date,
    parse_registry_file,
)
from registry.samples.generate_samples import build_samples

SAMPLES = Path(__file__).resolve().parents[2] / "registry" / "samples"

FRENCH_HEADER = (
    "Raison sociale;Activités;Organisme certificateur;N° de certificat;Référentiel;"
    "Date de délivrance;Date de fin de validité;Page de transparence;Périmètre"
)
OVH = HostRow(
    line=2,
    name="OVH SAS",
    certificate_number="HDS-LNE-2024-0042",
    certifier="LNE",
    activities=frozenset({1, 2, 3, 4, 5, 6}),
    referential_version="v2",
    issued_on=date(2024, 6, 14),
    expires_on=date(2027, 6, 13),
    transparency_url="https://www.ovh.fr/hds/transparence",
    scope="Datacenters de Roubaix",
)
CLINIQUE = HostRow(
    line=3,
    name="Hébergement Côte d’Opale SARL",
    certificate_number="AFNOR 2025/40317",
    certifier="AFNOR Certification",
    activities=frozenset({5, 6}),
    referential_version="v1",
    issued_on=date(2024, 1, 15),
    expires_on=date(2027, 1, 14),
    transparency_url="",
    scope="Infogérance « Œuvre Santé »",
)


def french_csv(*rows: str, delimiter: str = ";") -> str:
    lines = [FRENCH_HEADER, *rows]
    return "\r\n".join(line.replace(";", delimiter) for line in lines) + "\r\n"


TWO_HOSTS = french_csv(
    "OVH SAS;1 à 6;LNE;HDS-LNE-2024-0042;V2;14/06/2024;13/06/2027;"
    "https://www.ovh.fr/hds/transparence;Datacenters de Roubaix",
    "Hébergement Côte d’Opale SARL;5 et 6;AFNOR Certification;AFNOR 2025/40317;V1;15/01/2024;"
    "14/01/2027;;Infogérance « Œuvre Santé »",
)


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_with_column(header: str, value: str) -> bytes:
    return f"Raison sociale;Activités;{header}\nOVH SAS;1 à 6;{value}\n".encode()


# --- Formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_csv_any_delimiter(delimiter):
    result = parse_registry_file(TWO_HOSTS.replace(";", delimiter).encode(), "hosts.csv")

    assert result.format == "csv"
    assert result.rows == [OVH, CLINIQUE]
    assert result.errors == []


def test_csv_comma_delimited_with_quoted_commas():
    data = (
        "Raison sociale, Activités, Périmètre\n"
        '"Ikoula", "1, 2, 3, 4", "Datacenters de Reims, Eppes"\n'
    ).encode()

    result = parse_registry_file(data)

    assert [(row.name, row.activities, row.scope) for row in result.rows] == [
        ("Ikoula", frozenset({1, 2, 3, 4}), "Datacenters de Reims, Eppes")
    ]


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"], ids=["utf8", "utf8-bom", "cp1252", "utf16"]
)
def test_csv_encodings(encoding):
    result = parse_registry_file(TWO_HOSTS.encode(encoding))

    assert result.rows == [OVH, CLINIQUE]
    assert result.columns["name"] == "Raison sociale"


def test_csv_delimiter_is_the_one_whose_header_names_most_columns():
    data = (
        "Nom;Version\n"
        "Raison sociale,Activités,Organisme certificateur\n"
        'Ikoula,"1;2;3;4",LNE\n'
        'Coreye,"1;2;3;4;5;6",BSI\n'
    ).encode()

    result = parse_registry_file(data)

    assert result.columns == {
        "name": "Raison sociale", "activities": "Activités", "certifier": "Organisme certificateur"
    }
    assert [(row.line, row.name, row.activities, row.certifier) for row in result.rows] == [
        (3, "Ikoula", frozenset({1, 2, 3, 4}), "LNE"),
        (4, "Coreye", frozenset(range(1, 7)), "BSI"),
    ]


def test_csv_columns_as_found_and_unknown_columns_ignored():
    data = b"SIREN;Raison sociale;Commentaire;Activites\n552100554;Ikoula;RAS;5\n"

    result = parse_registry_file(data)

    assert result.columns == {"name": "Raison sociale", "activities": "Activites"}
    assert [(row.line, row.name, row.activities) for row in result.rows] == [
        (2, "Ikoula", frozenset({5}))
    ]


def test_csv_first_of_two_columns_for_one_field_wins():
    data = "Nom;Raison sociale;Activités\nIkoula;Ikoula SAS;5\n".encode()

    result = parse_registry_file(data)

    assert result.columns == {"name": "Nom", "activities": "Activités"}
    assert result.rows[0].name == "Ikoula"


def test_csv_blank_lines_skipped_and_physical_line_numbers_kept():
    data = (
        "Raison sociale;Activités\r\n"
        "\r\n"
        "Ikoula;5\r\n"
        ";;\r\n"
        "  ;  \r\n"
        '"Nexedi";"4\n5\n6"\r\n'
        "Coreye;1 à 6\r\n"
    ).encode()

    result = parse_registry_file(data)

    assert [(row.line, row.name, row.activities) for row in result.rows] == [
        (3, "Ikoula", frozenset({5})),
        (6, "Nexedi", frozenset({4, 5, 6})),
        (9, "Coreye", frozenset({1, 2, 3, 4, 5, 6})),
    ]


def test_csv_names_trimmed_and_inner_whitespace_collapsed():
    data = "Raison sociale;Activités;Organisme certificateur\n  Cloud   Temple \t ;1;  Bureau  Veritas \n"

    result = parse_registry_file(data.encode())

    assert (result.rows[0].name, result.rows[0].certifier) == ("Cloud Temple", "Bureau Veritas")


def test_csv_title_lines_before_header():
    data = (
        "Liste des hébergeurs certifiés HDS\r\n"
        "Mise à jour : 31/10/2026;;;\r\n"
        "\r\n"
        "Raison sociale;Activités;Date de fin de validité\r\n"
        "Scalingo;1 à 6;09/02/2028\r\n"
    ).encode("cp1252")

    result = parse_registry_file(data)

    assert [(row.line, row.name, row.expires_on) for row in result.rows] == [
        (5, "Scalingo", date(2028, 2, 9))
    ]
    assert result.errors == []


def test_csv_title_line_naming_a_single_known_column_is_not_the_header():
    data = "Version;31/10/2026\nRaison sociale;Activités\nIkoula;5\n".encode()

    result = parse_registry_file(data)

    assert result.columns == {"name": "Raison sociale", "activities": "Activités"}
    assert [(row.line, row.name) for row in result.rows] == [(3, "Ikoula")]


def test_csv_header_after_ten_non_empty_lines_is_not_searched():
    titles = "".join(f"Titre {number}\n" for number in range(10))
    data = (titles + "Raison sociale;Activités\nScalingo;1 à 6\n").encode()

    with pytest.raises(RegistryFileError) as raised:
        parse_registry_file(data)

    assert raised.value.code == "no_recognised_columns"


def test_xlsx_first_sheet_with_a_header_title_rows_and_cell_types():
    data = xlsx_bytes({
        "Notes": [["Extrait de la liste publiée par l'ANS"], ["Source : esante.gouv.fr"]],
        "Hébergeurs": [
            ["Liste des hébergeurs certifiés"],
            [],
            ["Hébergeur", "Activities", "Certificate number", "Issue date", "Date d'expiration",
             "Référentiel", "Commentaire"],
            ["Clever Cloud", "1 à 6", "BV-HDS-0456", datetime(2024, 12, 20), date(2027, 12, 19),
             "V2", "RAS"],
            [None, None, None, None, None, None, "note sans hébergeur"],
            ["Sauvegarde Santé Services", 6, 240311, "02/09/2024", "2027-09-01", 2, None],
            ["InfoGérance Médicale", 5.0, "LSTI-HDS-2025-214", None, None, "HDS v2", None],
        ],
    })

    result = parse_registry_file(data, "liste.xlsx")

    assert result.format == "xlsx"
    assert result.columns == {
        "name": "Hébergeur",
        "activities": "Activities",
        "certificate_number": "Certificate number",
        "issued_on": "Issue date",
        "expires_on": "Date d'expiration",
        "referential_version": "Référentiel",
    }
    assert [
        (row.line, row.name, row.activities, row.certificate_number, row.issued_on,
         row.expires_on, row.referential_version)
        for row in result.rows
    ] == [
        (4, "Clever Cloud", frozenset(range(1, 7)), "BV-HDS-0456", date(2024, 12, 20),
         date(2027, 12, 19), "v2"),
        (6, "Sauvegarde Santé Services", frozenset({6}), "240311", date(2024, 9, 2),
         date(2027, 9, 1), "v2"),
        (7, "InfoGérance Médicale", frozenset({5}), "LSTI-HDS-2025-214", None, None, "v2"),
    ]
    assert result.errors == []


def test_xlsx_with_understated_dimensions_is_read_in_full():
    data = xlsx_bytes({"Liste": [["Raison sociale", "Activités"], ["Ikoula", 5], ["Coreye", "1 à 6"]]})
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = {name: source.read(name) for name in source.namelist()}
    sheet = entries["xl/worksheets/sheet1.xml"]
    assert b'<dimension ref="A1:B3" />' in sheet
    entries["xl/worksheets/sheet1.xml"] = sheet.replace(b'<dimension ref="A1:B3" />', b'<dimension ref="A1:A1" />')

    result = parse_registry_file(zip_bytes(entries))

    assert [(row.line, row.name, row.activities) for row in result.rows] == [
        (2, "Ikoula", frozenset({5})),
        (3, "Coreye", frozenset(range(1, 7))),
    ]


def test_xlsx_blank_rows_do_not_count_in_the_header_search():
    rows = [["Liste des hébergeurs certifiés"], *([[]] * 10), ["Raison sociale", "Activités"],
            ["Ikoula", 5]]

    result = parse_registry_file(xlsx_bytes({"Liste": rows}))

    assert [(row.line, row.name) for row in result.rows] == [(13, "Ikoula")]


def test_xlsx_row_errors_use_sheet_row_numbers():
    data = xlsx_bytes({"Liste": [
        ["Raison sociale", "Activités", "Date de délivrance"],
        ["Ikoula", 7, datetime(2025, 1, 1)],
        ["Coreye", "1 à 6", 45000],
    ]})

    result = parse_registry_file(data)

    assert result.rows == []
    assert result.errors == [
        RowError(2, "colonne « Activités » : activité 7 inconnue dans « 7 » "
                    "(les activités HDS sont numérotées de 1 à 6)"),
        RowError(3, "colonne « Date de délivrance » : « 45000 » n'est pas une date reconnue "
                    "(formats acceptés : jj/mm/aaaa, jj-mm-aaaa, jj.mm.aaaa, aaaa-mm-jj)"),
    ]


JSON_HOSTS = [
    {"name": "Scaleway", "activities": [1, 2, 3, 4], "certifier": "AFNOR Certification",
     "certificate_number": "AFNOR 2025/40317", "issued_on": "2025-03-03",
     "expires_on": "2028-03-02", "referential_version": "V2", "unknown": {"nested": True}},
    {"Name": "Scalingo", "Activities": "1 à 6", "Transparency URL": None},
]
SCALEWAY_AND_SCALINGO = [
    ("Scaleway", frozenset({1, 2, 3, 4}), "AFNOR Certification", "AFNOR 2025/40317",
     date(2025, 3, 3), date(2028, 3, 2), "v2", ""),
    ("Scalingo", frozenset(range(1, 7)), "", "", None, None, "", ""),
]


def summary(rows):
    return [
        (row.name, row.activities, row.certifier, row.certificate_number, row.issued_on,
         row.expires_on, row.referential_version, row.transparency_url)
        for row in rows
    ]


def test_json_list():
    result = parse_registry_file(json.dumps(JSON_HOSTS).encode(), "hosts.json")

    assert result.format == "json"
    assert summary(result.rows) == SCALEWAY_AND_SCALINGO
    assert [row.line for row in result.rows] == [1, 2]
    assert result.columns == {
        "name": "name",
        "activities": "activities",
        "certifier": "certifier",
        "certificate_number": "certificate_number",
        "issued_on": "issued_on",
        "expires_on": "expires_on",
        "referential_version": "referential_version",
        "transparency_url": "Transparency URL",
    }


@pytest.mark.parametrize(
    "key", ["hosts", "hebergeurs", "Hébergeurs", "hebergeurs_certifies", "data", "items"]
)
def test_json_object_with_a_list_under_a_known_key(key):
    document = {"source": "ANS", "notes": ["extrait"], key: JSON_HOSTS}

    result = parse_registry_file(json.dumps(document).encode())

    assert result.format == "json"
    assert summary(result.rows) == SCALEWAY_AND_SCALINGO


def test_json_object_with_a_single_list_under_another_key():
    document = {"source": "ANS", "updated_on": "2026-10-31", "results": JSON_HOSTS}

    result = parse_registry_file(("\ufeff \n" + json.dumps(document)).encode())

    assert result.format == "json"
    assert summary(result.rows) == SCALEWAY_AND_SCALINGO


def test_json_keys_may_differ_between_items_and_the_first_filled_one_wins():
    document = [
        {"name": "Ikoula", "Raison sociale": "Ikoula SAS", "activities": 5},
        {"name": "", "Raison sociale": "Coreye", "Activités": "1 à 6"},
        {"Host": "Nexedi", "activities": "4-6", "certificate_number": 240311.0},
    ]

    result = parse_registry_file(json.dumps(document).encode())

    assert [(row.line, row.name, row.activities, row.certificate_number) for row in result.rows] == [
        (1, "Ikoula", frozenset({5}), ""),
        (2, "Coreye", frozenset(range(1, 7)), ""),
        (3, "Nexedi", frozenset({4, 5, 6}), "240311"),
    ]
    assert result.columns == {
        "name": "name", "activities": "activities", "certificate_number": "certificate_number"
    }


def test_json_items_that_are_not_objects_are_row_errors():
    document = [
        {"name": "Ikoula", "activities": 5},
        {"name": "", "activities": [9]},
        "Coreye",
        {"name": "Nexedi"},
    ]

    result = parse_registry_file(json.dumps(document).encode())

    assert [(row.line, row.name) for row in result.rows] == [(1, "Ikoula")]
    assert result.errors == [
        RowError(2, "colonne « name » : nom de l'hébergeur vide"),
        RowError(2, "colonne « activities » : activité 9 inconnue dans « 9 » "
                    "(les activités HDS sont numérotées de 1 à 6)"),
        RowError(3, "élément ignoré : un objet JSON est attendu"),
        RowError(4, "colonne « activities » : aucune activité indiquée"),
    ]


def test_json_nested_value_in_a_text_field_is_a_row_error():
    document = [{"name": "Ikoula", "activities": 5, "certifier": {"name": "LNE"}}]

    result = parse_registry_file(json.dumps(document).encode())

    assert result.errors == [RowError(
        1, "colonne « certifier » : une valeur simple est attendue, pas une liste ni un objet"
    )]


# --- Headers ---------------------------------------------------------------------------------

# Every alias the importer promises, with a value and what it reads as.
FIELD_VALUES = {
    "name": ("Cloud Temple", "Cloud Temple"),
    "certificate_number": ("HDS-LNE-2024-0042", "HDS-LNE-2024-0042"),
    "certifier": ("Bureau Veritas Certification", "Bureau Veritas Certification"),
    "activities": ("1-4 et 6", frozenset({1, 2, 3, 4, 6})),
    "issued_on": ("20/12/2024", date(2024, 12, 20)),
    "expires_on": ("19/12/2027", date(2027, 12, 19)),
    "referential_version": ("HDS v2", "v2"),
    "transparency_url": ("https://example.fr/hds", "https://example.fr/hds"),
    "scope": ("Datacenters de Paris", "Datacenters de Paris"),
}
ALIASES = [
    ("Raison sociale", "name"),
    ("Nom de l'hébergeur", "name"),
    ("Host name", "name"),
    ("Hébergeur", "name"),
    ("Nom", "name"),
    ("Société", "name"),
    ("Name", "name"),
    ("Host", "name"),
    ("Company", "name"),
    ("N° de certificat", "certificate_number"),
    ("Numéro de certificat", "certificate_number"),
    ("Numero certificat", "certificate_number"),
    ("N° certificat", "certificate_number"),
    ("Nº de certificat", "certificate_number"),
    ("Certificat", "certificate_number"),
    ("Certificate number", "certificate_number"),
    ("Certificate no", "certificate_number"),
    ("Organisme certificateur", "certifier"),
    ("Certificateur", "certifier"),
    ("Organisme de certification", "certifier"),
    ("Certifying body", "certifier"),
    ("Certification body", "certifier"),
    ("Certifier", "certifier"),
    ("Activités", "activities"),
    ("Activité", "activities"),
    ("Activités certifiées", "activities"),
    ("Périmètre d'activités", "activities"),
    ("Activities", "activities"),
    ("Date de délivrance", "issued_on"),
    ("Date de certification", "issued_on"),
    ("Date d'émission", "issued_on"),
    ("Délivré le", "issued_on"),
    ("Issued on", "issued_on"),
    ("Issue date", "issued_on"),
    ("Valid from", "issued_on"),
    ("Date de fin de validité", "expires_on"),
    ("Date d'expiration", "expires_on"),
    ("Fin de validité", "expires_on"),
    ("Valable jusqu'au", "expires_on"),
    ("Expires on", "expires_on"),
    ("Expiry date", "expires_on"),
    ("Valid until", "expires_on"),
    ("Référentiel", "referential_version"),
    ("Version du référentiel", "referential_version"),
    ("Version", "referential_version"),
    ("Referential", "referential_version"),
    ("Referential version", "referential_version"),
    ("Page de transparence", "transparency_url"),
    ("URL de transparence", "transparency_url"),
    ("Transparency page", "transparency_url"),
    ("Transparency URL", "transparency_url"),
    ("Périmètre", "scope"),
    ("Périmètre de certification", "scope"),
    ("Scope", "scope"),
    # Case, accents and punctuation do not matter.
    ("RAISON SOCIALE", "name"),
    ("nom de l’hebergeur", "name"),
    ("N°  certificat", "certificate_number"),
    ("activites", "activities"),
    ("Date_de_delivrance", "issued_on"),
    ("valable jusqu'au :", "expires_on"),
    ("transparency-url", "transparency_url"),
]


@pytest.mark.parametrize(("header", "field_name"), ALIASES)
def test_header_alias(header, field_name):
    headers = {"name": "Raison sociale", "activities": "Activités", field_name: header}
    cells = {key: FIELD_VALUES[key][0] for key in headers}
    data = ";".join(headers.values()) + "\n" + ";".join(cells.values()) + "\n"

    result = parse_registry_file(data.encode())

    assert result.columns == headers
    assert result.errors == []
    assert getattr(result.rows[0], field_name) == FIELD_VALUES[field_name][1]


def test_every_declared_alias_is_tested_and_none_is_ambiguous():
    declared = [(alias, field_name) for field_name, aliases in HEADER_ALIASES.items()
                for alias in aliases]
    normalised = [normalise_header(alias) for alias, _ in declared]

    assert set(declared) <= set(ALIASES)
    assert len(normalised) == len(set(normalised)) == 54


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Raison sociale", "raison sociale"),
        ("  Nom de l'hébergeur ", "nom de l hebergeur"),
        ("N° de certificat", "n de certificat"),
        ("Date de fin de validité", "date de fin de validite"),
        ("VALABLE JUSQU’AU :", "valable jusqu au"),
        ("Date_de__délivrance", "date de delivrance"),
        ("Œuvre", "oeuvre"),
    ],
)
def test_normalise_header(text, expected):
    assert normalise_header(text) == expected


# --- Activities ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1, 2, 3", {1, 2, 3}),
        ("1;2;3", {1, 2, 3}),
        ("1 à 6", {1, 2, 3, 4, 5, 6}),
        ("1-4 et 6", {1, 2, 3, 4, 6}),
        ("1 – 4", {1, 2, 3, 4}),
        ("1—4", {1, 2, 3, 4}),
        ("Activités 1 2 5", {1, 2, 5}),
        ("1,2,3,4,5,6", {1, 2, 3, 4, 5, 6}),
        ("Activité 5", {5}),
        ("1 a 6", {1, 2, 3, 4, 5, 6}),
        ("1 to 6", {1, 2, 3, 4, 5, 6}),
        ("1 et 2", {1, 2}),
        ("1/2/3", {1, 2, 3}),
        ("Toutes (1 à 6)", {1, 2, 3, 4, 5, 6}),
        ("de 3 à 6", {3, 4, 5, 6}),
        ("1 à 4 et 6", {1, 2, 3, 4, 6}),
        (" 5 ", {5}),
        ("6,5", {5, 6}),
        ("2 2", {2}),
        ([1, 2], {1, 2}),
        (["1-4", 6], {1, 2, 3, 4, 6}),
        (5, {5}),
        (5.0, {5}),
    ],
)
def test_parse_activities(text, expected):
    assert parse_activities(text) == frozenset(expected)


UNREADABLE = "n'est pas une liste d'activités lisible (exemples acceptés : « 1, 2, 3 », « 1 à 6 », « 1-4 et 6 »)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "aucune activité indiquée"),
        ("   ", "aucune activité indiquée"),
        ([], "aucune activité indiquée"),
        ("0", "activité 0 inconnue dans « 0 » (les activités HDS sont numérotées de 1 à 6)"),
        ("1 à 7", "activité 7 inconnue dans « 1 à 7 » (les activités HDS sont numérotées de 1 à 6)"),
        (12, "activité 12 inconnue dans « 12 » (les activités HDS sont numérotées de 1 à 6)"),
        ("6 à 1", "intervalle inversé « 6 à 1 » dans « 6 à 1 »"),
        ("4-2", "intervalle inversé « 4 à 2 » dans « 4-2 »"),
        ("hébergement", f"« hébergement » {UNREADABLE}"),
        ("Toutes", f"« Toutes » {UNREADABLE}"),
        ("1 à", f"« 1 à » {UNREADABLE}"),
        ("- 3", f"« - 3 » {UNREADABLE}"),
        ("1 à - 3", f"« 1 à - 3 » {UNREADABLE}"),
        ("1 à, 3", f"« 1 à, 3 » {UNREADABLE}"),
        ("1-2-3", f"« 1-2-3 » {UNREADABLE}"),
        ("1.5", f"« 1.5 » {UNREADABLE}"),
        (5.5, f"« 5.5 » {UNREADABLE}"),
        (True, f"« True » {UNREADABLE}"),
    ],
)
def test_parse_activities_rejects(text, message):
    with pytest.raises(ValueError) as raised:
        parse_activities(text)

    assert str(raised.value) == message


# --- Dates and referential -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20/12/2024", date(2024, 12, 20)),
        ("20-12-2024", date(2024, 12, 20)),
        ("20.12.2024", date(2024, 12, 20)),
        ("2024-12-20", date(2024, 12, 20)),
        ("1/2/2025", date(2025, 2, 1)),
        (" 29/02/2024 ", date(2024, 2, 29)),
        (date(2024, 12, 20), date(2024, 12, 20)),
        (datetime(2024, 12, 20, 0, 0), date(2024, 12, 20)),
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


UNRECOGNISED_DATE = (
    "n'est pas une date reconnue (formats acceptés : jj/mm/aaaa, jj-mm-aaaa, jj.mm.aaaa, aaaa-mm-jj)"
)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("20/12/24", f"« 20/12/24 » {UNRECOGNISED_DATE}"),
        ("20/12-2024", f"« 20/12-2024 » {UNRECOGNISED_DATE}"),
        ("2024/12/20", f"« 2024/12/20 » {UNRECOGNISED_DATE}"),
        ("20 décembre 2024", f"« 20 décembre 2024 » {UNRECOGNISED_DATE}"),
        ("2024-12-20T10:00:00", f"« 2024-12-20T10:00:00 » {UNRECOGNISED_DATE}"),
        (45000, f"« 45000 » {UNRECOGNISED_DATE}"),
        ("31/02/2024", "« 31/02/2024 » n'est pas une date valide (jour ou mois inexistant)"),
        ("2025-13-01", "« 2025-13-01 » n'est pas une date valide (jour ou mois inexistant)"),
    ],
)
def test_parse_date_rejects(value, message):
    with pytest.raises(ValueError) as raised:
        parse_date(value)

    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("V2", "v2"),
        ("v2", "v2"),
        ("HDS v2", "v2"),
        ("HDS V 2", "v2"),
        ("2.0", "v2"),
        ("v2.0", "v2"),
        ("2024", "v2"),
        ("Référentiel 2024", "v2"),
        ("V1", "v1"),
        ("v1.0", "v1"),
        ("2018", "v1"),
        ("HDS 2018", "v1"),
        ("V2.1", "V2.1"),
        ("ISO 27001", "ISO 27001"),
        ("  V2.1   bêta ", "V2.1 bêta"),
        ("", ""),
        ("   ", ""),
        # Every spelling found in the wild (HDS.md, "The v1 → v2 transition as dates").
        ("1", "v1"),
        ("1.0", "v1"),
        ("v1-2018", "v1"),
        ("V1 (2018)", "v1"),
        ("référentiel 2018", "v1"),
        ("Référentiel HDS v1 (2018)", "v1"),
        ("HDS V. 1", "v1"),
        ("2", "v2"),
        ("V2 (2024)", "v2"),
        ("v2-2024", "v2"),
        # Kept as data: a minor version, a year contradicting the number, anything else.
        ("v2.1", "v2.1"),
        ("v1.1", "v1.1"),
        ("V1 (2024)", "V1 (2024)"),
        ("3", "3"),
        ("HDS", "HDS"),
    ],
)
def test_normalise_referential_version(text, expected):
    assert normalise_referential_version(text) == expected


# --- Whole-file errors -----------------------------------------------------------------------


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "code", "message"),
    [
        (b"", "", "empty_file", "Le fichier est vide."),
        (b" \r\n\t\n", "liste.csv", "empty_file", "Le fichier est vide."),
        (b"\xef\xbb\xbf\r\n", "liste.csv", "empty_file", "Le fichier est vide."),
        ("Raison sociale;Activités\r\n;\r\n".encode(), "liste.csv", "empty_file",
         "Le fichier ne contient aucune ligne d'hébergeur après l'en-tête."),
        (b"[]", "liste.json", "empty_file", "Le fichier JSON ne contient aucun hébergeur."),
        (b'{"hosts": []}', "liste.json", "empty_file", "Le fichier JSON ne contient aucun hébergeur."),
        (zip_bytes({"content.xml": b"<office/>"}), "liste.ods", "unknown_format",
         "Le fichier est une archive ZIP mais pas un tableur .xlsx : "
         "envoyez la liste en .xlsx, en CSV ou en JSON."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "liste.xls", "unknown_format",
         "Le format Excel 97-2003 (.xls) n'est pas pris en charge : "
         "enregistrez le fichier en .xlsx ou en CSV."),
        (b"%PDF-1.7\n\x00\x01\x02", "liste.pdf", "unknown_format",
         "Le fichier n'est ni un tableur .xlsx, ni un fichier CSV, ni un fichier JSON."),
        (b"Identifiant;Adresse;Ville\n1;2 rue X;Paris\n", "liste.csv", "no_recognised_columns",
         "Aucune colonne reconnue dans le fichier. Colonnes attendues, par exemple : "
         "« Raison sociale », « N° de certificat », « Organisme certificateur », « Activités », "
         "« Date de délivrance », « Date de fin de validité », « Référentiel », "
         "« Page de transparence », « Périmètre »."),
        (b'[{"id": 1, "city": "Paris"}]', "liste.json", "no_recognised_columns",
         "Aucune colonne reconnue dans le fichier. Colonnes attendues, par exemple : "
         "« Raison sociale », « N° de certificat », « Organisme certificateur », « Activités », "
         "« Date de délivrance », « Date de fin de validité », « Référentiel », "
         "« Page de transparence », « Périmètre »."),
        (b"Raison sociale;Organisme certificateur\nIkoula;LNE\n", "liste.csv",
         "missing_required_column",
         "Colonne obligatoire absente : activités (par exemple « Activités »)."),
        ("Activités;N° de certificat\n5;HDS 712345\n".encode(), "liste.csv",
         "missing_required_column",
         "Colonne obligatoire absente : nom de l'hébergeur (par exemple « Raison sociale »)."),
        (b"Raison sociale\nIkoula\n", "liste.csv", "missing_required_column",
         "Colonne obligatoire absente : activités (par exemple « Activités »)."),
        ("Certificat;Référentiel\nHDS 712345;V2\n".encode(), "liste.csv",
         "missing_required_column",
         "Colonnes obligatoires absentes : nom de l'hébergeur (par exemple « Raison sociale ») ; "
         "activités (par exemple « Activités »)."),
        (b'[{"name": "Ikoula", "scope": "Reims"}]', "liste.json", "missing_required_column",
         "Colonne obligatoire absente : activités (par exemple « Activités »)."),
        (b"Raison sociale;Activit\x81s\nIkoula;5\n", "liste.csv", "unreadable_encoding",
         "L'encodage du fichier n'est pas reconnu : enregistrez-le en UTF-8 ou en Windows-1252."),
        (b"\xef\xbb\xbfRaison sociale;Activit\xe9s\n", "liste.csv", "unreadable_encoding",
         "L'encodage du fichier n'est pas reconnu : enregistrez-le en UTF-8 ou en Windows-1252."),
        (b'[{"name": "Ikoula",\n "activities": }]', "liste.json", "invalid_json",
         "Le fichier JSON est mal formé (ligne 2, colonne 16)."),
        (b'{"source": "ANS", "count": 0}', "liste.json", "invalid_json",
         "Le fichier JSON doit contenir une liste d'hébergeurs, directement ou sous une clé "
         "« hosts », « hebergeurs », « data » ou « items »."),
        (b'{"hosts": "none", "other": 1}', "liste.json", "invalid_json",
         "Le fichier JSON doit contenir une liste d'hébergeurs, directement ou sous une clé "
         "« hosts », « hebergeurs », « data » ou « items »."),
        (zip_bytes({"xl/workbook.xml": b"not xml", "[Content_Types].xml": b"<"}), "liste.xlsx",
         "invalid_xlsx", "Le fichier .xlsx est endommagé et ne peut pas être lu."),
    ],
)
def test_whole_file_errors(data, filename, code, message):
    with pytest.raises(RegistryFileError) as raised:
        parse_registry_file(data, filename)

    assert (raised.value.code, raised.value.message, str(raised.value)) == (code, message, message)


def test_truncated_xlsx_named_xlsx_is_invalid_xlsx():
    data = xlsx_bytes({"Liste": [["Raison sociale", "Activités"], ["Ikoula", 5]]})[:300]

    with pytest.raises(RegistryFileError) as raised:
        parse_registry_file(data, "liste.XLSX")

    assert raised.value.code == "invalid_xlsx"


def test_truncated_zip_without_xlsx_name_is_unknown_format():
    data = zip_bytes({"xl/workbook.xml": b"<workbook/>"})[:20]

    with pytest.raises(RegistryFileError) as raised:
        parse_registry_file(data, "liste.bin")

    assert raised.value.code == "unknown_format"


def test_format_comes_from_content_not_filename():
    assert parse_registry_file(TWO_HOSTS.encode(), "liste.json").format == "csv"
    assert parse_registry_file(json.dumps(JSON_HOSTS).encode(), "liste.csv").format == "json"
    xlsx = xlsx_bytes({"Liste": [["Raison sociale", "Activités"], ["Ikoula", 5]]})
    assert parse_registry_file(xlsx, "liste.csv").format == "xlsx"


# --- Row errors ------------------------------------------------------------------------------


def test_row_errors_with_lines_and_reasons_and_good_rows_kept():
    data = french_csv(
        "OVH SAS;1 à 6;LNE;HDS-LNE-2024-0042;V2;14/06/2024;13/06/2027;"
        "https://www.ovh.fr/hds/transparence;Datacenters de Roubaix",
        "  ;1 à 6;LNE;;;;;;",
        "Ikoula;1 à 8;;;;;;;",
        "Coreye;Hébergement;;;;32/01/2025;;;",
        "Nexedi;4 à 6;;;;01/02/2025;31/01/2025;;",
        ";;;;;;;;",
        "Jaguar Network;;;;;2025-02-30;01.02.2028;;",
    ).encode("cp1252")

    result = parse_registry_file(data)

    assert result.rows == [OVH]
    assert result.errors == [
        RowError(3, "colonne « Raison sociale » : nom de l'hébergeur vide"),
        RowError(4, "colonne « Activités » : activité 8 inconnue dans « 1 à 8 » "
                    "(les activités HDS sont numérotées de 1 à 6)"),
        RowError(5, f"colonne « Activités » : « Hébergement » {UNREADABLE}"),
        RowError(5, "colonne « Date de délivrance » : « 32/01/2025 » n'est pas une date valide "
                    "(jour ou mois inexistant)"),
        RowError(6, "colonnes « Date de délivrance » et « Date de fin de validité » : "
                    "la fin de validité (31/01/2025) précède la délivrance (01/02/2025)"),
        RowError(8, "colonne « Activités » : aucune activité indiquée"),
        RowError(8, "colonne « Date de délivrance » : « 2025-02-30 » n'est pas une date valide "
                    "(jour ou mois inexistant)"),
    ]


def test_file_of_bad_rows_only_is_not_a_file_error():
    result = parse_registry_file("Raison sociale;Activités\nIkoula;7\n".encode())

    assert result.rows == []
    assert result.errors == [RowError(2, "colonne « Activités » : activité 7 inconnue dans « 7 » "
                                         "(les activités HDS sont numérotées de 1 à 6)")]


# --- Samples ---------------------------------------------------------------------------------

TODAY = date(2026, 11, 28)


def parse_sample(filename):
    return parse_registry_file((SAMPLES / filename).read_bytes(), filename)


@pytest.mark.parametrize(
    ("filename", "file_format", "row_count", "first_line"),
    [
        ("ans_hosts_2026-10.csv", "csv", 300, 2),
        ("ans_hosts_2026-11.csv", "csv", 301, 2),
        ("ans_hosts_sample.json", "json", 30, 1),
        ("ans_hosts_sample.xlsx", "xlsx", 30, 4),
    ],
)
def test_samples_parse_without_errors(filename, file_format, row_count, first_line):
    result = parse_sample(filename)

    assert (result.format, len(result.rows), result.errors) == (file_format, row_count, [])
    assert [row.line for row in result.rows] == list(range(first_line, first_line + row_count))
    assert len(set(result.columns)) == 9


def test_sample_csv_is_windows_1252():
    data = (SAMPLES / "ans_hosts_2026-10.csv").read_bytes()

    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert data.decode("cp1252").startswith(
        "Raison sociale;Activités;Organisme certificateur;N° de certificat;Référentiel;"
        "Date de délivrance;Date de fin de validité;Page de transparence;Périmètre\r\n"
    )


def test_samples_are_what_the_generator_writes():
    built = build_samples()

    assert sorted(built) == sorted(path.name for path in SAMPLES.glob("ans_hosts_*"))
    for filename, content in built.items():
        assert (SAMPLES / filename).read_bytes() == content, filename


FIXED_HOSTS = [
    ("OVH SAS", {1, 2, 3, 4, 5, 6}, "LNE", "HDS-LNE-2024-0042", date(2024, 6, 14), date(2027, 6, 13)),
    ("Scaleway", {1, 2, 3, 4}, "AFNOR Certification", "AFNOR 2025/40317", date(2025, 3, 3),
     date(2028, 3, 2)),
    ("Clever Cloud", {1, 2, 3, 4, 5, 6}, "Bureau Veritas Certification", "BV-HDS-0456",
     date(2024, 12, 20), date(2027, 12, 19)),
    ("Scalingo", {1, 2, 3, 4, 5, 6}, "LNE", "HDS-LNE-2025-0088", date(2025, 2, 10), date(2028, 2, 9)),
    ("Datacenter Lumière SAS", {1, 2}, "SGS", "FR25/80412", date(2025, 4, 22), date(2028, 4, 21)),
    ("Sauvegarde Santé Services", {6}, "DEKRA", "DEKRA.HDS.24.0311", date(2024, 9, 2),
     date(2027, 9, 1)),
    ("InfoGérance Médicale", {5, 6}, "LSTI", "LSTI-HDS-2025-214", date(2025, 7, 7), date(2028, 7, 6)),
]


@pytest.mark.parametrize(
    "filename",
    ["ans_hosts_2026-10.csv", "ans_hosts_2026-11.csv", "ans_hosts_sample.json", "ans_hosts_sample.xlsx"],
)
def test_samples_hold_the_fixed_hosts(filename):
    by_name = {row.name: row for row in parse_sample(filename).rows}

    rows = [by_name[name] for name, *_ in FIXED_HOSTS]

    assert [
        (row.name, set(row.activities), row.certifier, row.certificate_number, row.issued_on,
         row.expires_on)
        for row in rows
    ] == FIXED_HOSTS


def test_sample_october_list_contents():
    rows = parse_sample("ans_hosts_2026-10.csv").rows
    activity_sets = {row.activities for row in rows}

    assert len({row.name for row in rows}) == 300
    assert len({row.certificate_number for row in rows}) == 300
    assert {frozenset(s) for s in [{1, 2}, {1, 2, 3, 4}, {1, 2, 3, 4, 5, 6}, {3, 4, 5, 6}, {5},
                                   {6}, {5, 6}, {3, 4, 5}, {4, 5, 6}, {1, 2, 3},
                                   {2, 3, 4, 5, 6}, {1, 2, 3, 4, 6}]} == activity_sets
    assert {row.certifier for row in rows} == {
        "AFNOR Certification", "Bureau Veritas Certification", "LSTI", "BSI", "LNE", "SGS", "DEKRA"
    }
    assert sum(row.referential_version == "v1" for row in rows) == 42
    assert sum(row.referential_version == "v2" for row in rows) == 258
    assert all(row.expires_on > date(2026, 5, 16) for row in rows if row.referential_version == "v1")
    assert sorted(row.name for row in rows if not row.transparency_url) == [
        "Artois Numérique", "Sologne Informatique", "Velay Systèmes"
    ]
    assert sorted(row.name for row in rows if TODAY <= row.expires_on <= date(2026, 12, 28)) == [
        "Ardennes Cloud Santé", "Bretagne e-Santé", "Panacée Systèmes SA", "Poitou Solutions",
        "Savoie Data Centers",
    ]
    assert sum(TODAY <= row.expires_on <= date(2027, 2, 26) for row in rows) == 17
    assert all(
        row.expires_on == row.issued_on.replace(year=row.issued_on.year + 3) - timedelta(days=1)
        for row in rows
    )


def test_sample_changes_from_october_to_november():
    october = {row.name: row for row in parse_sample("ans_hosts_2026-10.csv").rows}
    november = {row.name: row for row in parse_sample("ans_hosts_2026-11.csv").rows}

    def changed_fields(name):
        before, after = dataclasses.asdict(october[name]), dataclasses.asdict(november[name])
        return {key for key in before if key != "line" and before[key] != after[key]}

    renewed_same_number = ["Armor Data Services", "Cévennes Infogérance", "Galien Systèmes SAS",
                           "Hippocrate Cloud", "Iroise Hébergement", "Médoc Numérique SARL"]
    renewed_new_number = ["Opale Datacenter", "Pasteur IT", "Quercy Informatique",
                          "Vercors Solutions"]
    assert set(october) - set(november) == {"Estérel Hébergement Santé"}
    assert set(november) - set(october) == {"Ventoux Cloud Santé", "Hygie Sauvegarde"}
    assert {name: changed_fields(name) for name in set(october) & set(november)
            if changed_fields(name)} == {
        **{name: {"issued_on", "expires_on", "referential_version"}
           for name in renewed_same_number},
        **{name: {"certificate_number", "issued_on", "expires_on", "referential_version"}
           for name in renewed_new_number},
        "Béarn Infogérance": {"activities"},
        "Camargue Data": {"certifier", "certificate_number", "issued_on", "expires_on"},
        "Loire Hosting": {"activities"},
    }
    for name in renewed_same_number + renewed_new_number:
        assert october[name].expires_on < TODAY < november[name].expires_on
        assert (october[name].referential_version, november[name].referential_version) == ("v1", "v2")
    assert (october["Béarn Infogérance"].activities, november["Béarn Infogérance"].activities) == (
        frozenset({5}), frozenset({5, 6}))
    assert (october["Loire Hosting"].activities, november["Loire Hosting"].activities) == (
        frozenset({1, 2, 3, 4}), frozenset({1, 2}))
    assert (october["Camargue Data"].certifier, november["Camargue Data"].certifier) == (
        "AFNOR Certification", "Bureau Veritas Certification")
    assert [(november[name].activities, november[name].certifier) for name in
            ["Ventoux Cloud Santé", "Hygie Sauvegarde"]] == [
        (frozenset(range(1, 7)), "LNE"), (frozenset({6}), "DEKRA")]


def test_sample_json_and_xlsx_hold_the_same_hosts_as_october():
    october = {row.name: dataclasses.replace(row, line=0) for row in
               parse_sample("ans_hosts_2026-10.csv").rows}
    json_rows = [dataclasses.replace(row, line=0) for row in parse_sample("ans_hosts_sample.json").rows]
    xlsx_rows = [dataclasses.replace(row, line=0) for row in parse_sample("ans_hosts_sample.xlsx").rows]

    assert json_rows == xlsx_rows == [october[row.name] for row in json_rows]
