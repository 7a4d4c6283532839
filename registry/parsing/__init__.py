"""Reading the official ANS list of HDS-certified hosts from a CSV, XLSX or JSON file.

No stable machine-readable export of the list exists, so the reader is tolerant about the
shape (delimiter, encoding, header wording, title lines, activity and date notations) and strict
about the content: a row it cannot read becomes a `RowError` with the reason, and a file it
cannot read as a whole raises `RegistryFileError` rather than returning an empty list.

Plain Python: no Django, no database.
"""

import codecs
import csv
import io
import json
import zipfile

import openpyxl

from registry.parsing.columns import (
    FIELD_BY_HEADER,
    HEADER_ALIASES,
    REQUIRED_FIELDS,
    check_fields,
    find_header,
    first_sheet_header,
)
from registry.parsing.results import HostRow, ParseResult, RegistryFileError, RowError
from registry.parsing.rows import collect, table_result
from registry.parsing.values import (
    ACTIVITIES,
    is_blank,
    normalise_header,
    normalise_referential_version,
    parse_activities,
    parse_date,
)

__all__ = [
    "ACTIVITIES",
    "HEADER_ALIASES",
    "REQUIRED_FIELDS",
    "HostRow",
    "ParseResult",
    "RegistryFileError",
    "RowError",
    "normalise_header",
    "normalise_referential_version",
    "parse_activities",
    "parse_date",
    "parse_registry_file",
]

_CSV_DELIMITERS = ";,\t|"
_JSON_LIST_KEYS = frozenset({"hosts", "hebergeurs", "hebergeurs certifies", "data", "items"})
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# --- Formats -----------------------------------------------------------------------------------


def parse_registry_file(data: bytes, filename: str = "") -> ParseResult:
    """Read a published list of certified hosts.

    The format comes from the content; `filename` only refines the error for a damaged .xlsx.
    Raises RegistryFileError when the file as a whole cannot be used.
    """
    if data.startswith(b"PK\x03\x04"):
        return _parse_xlsx(data, filename)
    if data.startswith(_OLE2_MAGIC):
        raise RegistryFileError(
            "unknown_format",
            "Le format Excel 97-2003 (.xls) n'est pas pris en charge : "
            "enregistrez le fichier en .xlsx ou en CSV.",
        )
    text = _decode(data)
    if not text.strip():
        raise RegistryFileError("empty_file", "Le fichier est vide.")
    if "\x00" in text:
        raise RegistryFileError(
            "unknown_format",
            "Le fichier n'est ni un tableur .xlsx, ni un fichier CSV, ni un fichier JSON.",
        )
    if text.lstrip()[:1] in ("[", "{"):
        return _parse_json(text)
    return _parse_csv(text)


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    elif data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RegistryFileError(
        "unreadable_encoding",
        "L'encodage du fichier n'est pas reconnu : enregistrez-le en UTF-8 ou en Windows-1252.",
    )


def _parse_csv(text: str) -> ParseResult:
    """Split with each usual delimiter and keep the one whose header names the most known columns.

    Judging by the header is more reliable on these files than csv.Sniffer, which is misled by
    commas inside activity cells ("1, 2, 3") and apostrophes in headers ("Nom de l'hébergeur").
    """
    tables = {delimiter: _csv_rows(text, delimiter) for delimiter in _CSV_DELIMITERS}
    headers = {delimiter: find_header(rows) for delimiter, rows in tables.items()}

    def known_columns(delimiter: str) -> int:
        return len(headers[delimiter][1]) if headers[delimiter] else 0

    delimiter = max(headers, key=known_columns)  # ties go to the earlier one, ";" first
    header = headers[delimiter]
    check_fields(set(header[1].values()) if header else set())
    return table_result("csv", tables[delimiter], header)


def _csv_rows(text: str, delimiter: str) -> list[tuple[int, list]]:
    """(first line number of the record, cells) for each record that has some content."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    rows = []
    line = 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            rows.append((line, cells))
        line = reader.line_num + 1
    return rows


def _parse_xlsx(data: bytes, filename: str) -> ParseResult:
    sheets = _xlsx_sheets(data, filename)
    rows, header = first_sheet_header(sheets)
    return table_result("xlsx", rows, header)


def _xlsx_sheets(data: bytes, filename: str) -> list[list[tuple[int, list]]]:
    """Every worksheet as (row number, values) for its non-empty rows."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            is_workbook = any(name.startswith("xl/workbook") for name in archive.namelist())
    except zipfile.BadZipFile:
        is_workbook = False
        if filename.lower().endswith(".xlsx"):
            raise RegistryFileError(
                "invalid_xlsx", "Le fichier .xlsx est endommagé et ne peut pas être lu."
            ) from None
    if not is_workbook:
        raise RegistryFileError(
            "unknown_format",
            "Le fichier est une archive ZIP mais pas un tableur .xlsx : "
            "envoyez la liste en .xlsx, en CSV ou en JSON.",
        )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = []
            for worksheet in workbook.worksheets:
                # Some producers write wrong dimensions; read every row that is really there.
                worksheet.reset_dimensions()
                sheets.append([
                    (line, list(cells))
                    for line, cells in enumerate(worksheet.iter_rows(values_only=True), start=1)
                    if not all(is_blank(cell) for cell in cells)
                ])
        finally:
            workbook.close()
    except Exception as exc:  # a damaged workbook surfaces as many kinds of errors in openpyxl
        raise RegistryFileError(
            "invalid_xlsx", "Le fichier .xlsx est endommagé et ne peut pas être lu."
        ) from exc
    return sheets


def _parse_json(text: str) -> ParseResult:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegistryFileError(
            "invalid_json",
            f"Le fichier JSON est mal formé (ligne {exc.lineno}, colonne {exc.colno}).",
        ) from None
    items = _json_items(document)
    if not items:
        raise RegistryFileError("empty_file", "Le fichier JSON ne contient aucun hébergeur.")

    field_by_key: dict[str, str] = {}
    columns: dict[str, str] = {}  # canonical field -> first key naming it
    for item in items:
        for key in item if isinstance(item, dict) else ():
            canonical = FIELD_BY_HEADER.get(normalise_header(key))
            if canonical is not None:
                field_by_key[key] = canonical
                columns.setdefault(canonical, key)
    check_fields(set(columns))

    result = ParseResult(format="json", columns=columns)
    records = []
    for line, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            result.errors.append(RowError(line, "élément ignoré : un objet JSON est attendu"))
            continue
        values: dict[str, object] = dict.fromkeys(columns)
        for key, value in item.items():
            canonical = field_by_key.get(key)
            if canonical is not None and is_blank(values[canonical]):
                values[canonical] = value
        records.append((line, values))
    return collect(result, records)


def _json_items(document) -> list:
    """The list of hosts: the document itself, or the list under a known (or the only) key."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key, value in document.items():
            if normalise_header(key) in _JSON_LIST_KEYS and isinstance(value, list):
                return value
        lists = [value for value in document.values() if isinstance(value, list)]
        if len(lists) == 1:
            return lists[0]
    raise RegistryFileError(
        "invalid_json",
        "Le fichier JSON doit contenir une liste d'hébergeurs, directement ou sous une clé "
        "« hosts », « hebergeurs », « data » ou « items ».",
    )
