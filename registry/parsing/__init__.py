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
import itertools
import json
import zipfile
from collections.abc import Iterable

import openpyxl

from registry.parsing.results import HostRow, ParseResult, RegistryFileError, RowError
from registry.parsing.values import (
    ACTIVITIES,
    cell_text,
    is_blank,
    name_text,
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

# Canonical field -> header spellings seen in the wild. Matching goes through
# `normalise_header`, so case, accents and punctuation do not matter.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "Raison sociale",
        "Nom de l'hébergeur",
        "Hébergeur",
        "Nom",
        "Société",
        "Name",
        "Host",
        "Host name",
        "Company",
    ),
    "certificate_number": (
        "N° de certificat",
        "Nº de certificat",
        "N° certificat",
        "Numéro de certificat",
        "Numero certificat",
        "Certificat",
        "Certificate number",
        "Certificate no",
    ),
    "certifier": (
        "Organisme certificateur",
        "Certificateur",
        "Organisme de certification",
        "Certifying body",
        "Certification body",
        "Certifier",
    ),
    "activities": (
        "Activités",
        "Activité",
        "Activités certifiées",
        "Périmètre d'activités",
        "Activities",
    ),
    "issued_on": (
        "Date de délivrance",
        "Date de certification",
        "Date d'émission",
        "Délivré le",
        "Issued on",
        "Issue date",
        "Valid from",
    ),
    "expires_on": (
        "Date de fin de validité",
        "Date d'expiration",
        "Fin de validité",
        "Valable jusqu'au",
        "Expires on",
        "Expiry date",
        "Valid until",
    ),
    "referential_version": (
        "Référentiel",
        "Version du référentiel",
        "Version",
        "Referential",
        "Referential version",
    ),
    "transparency_url": (
        "Page de transparence",
        "URL de transparence",
        "Transparency page",
        "Transparency URL",
    ),
    "scope": ("Périmètre", "Périmètre de certification", "Scope"),
}

REQUIRED_FIELDS = ("name", "activities")

# How a required field is named in French messages.
_FIELD_LABELS = {"name": "nom de l'hébergeur", "activities": "activités"}

# A header row is the first row, among the first few, naming at least this many known columns.
_HEADER_SEARCH_ROWS = 10
_HEADER_MIN_FIELDS = 2

_CSV_DELIMITERS = ";,\t|"
_JSON_LIST_KEYS = frozenset({"hosts", "hebergeurs", "hebergeurs certifies", "data", "items"})
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


_FIELD_BY_HEADER = {
    normalise_header(alias): canonical
    for canonical, aliases in HEADER_ALIASES.items()
    for alias in aliases
}


# --- Rows --------------------------------------------------------------------------------------


def _read_row(
    line: int, values: dict[str, object], columns: dict[str, str]
) -> tuple[HostRow | None, list[RowError]]:
    """Turn one row's cells (canonical field -> raw value) into a HostRow, or its RowErrors."""
    errors: list[RowError] = []

    def read(field_name: str, reader):
        try:
            return reader(values.get(field_name))
        except ValueError as exc:
            errors.append(RowError(line, f"colonne « {columns[field_name]} » : {exc}"))
            return None

    name = read("name", name_text)
    certificate_number = read("certificate_number", cell_text)
    certifier = read("certifier", lambda value: " ".join(cell_text(value).split()))
    activities = read("activities", parse_activities)
    referential_version = read(
        "referential_version", lambda value: normalise_referential_version(cell_text(value))
    )
    issued_on = read("issued_on", parse_date)
    expires_on = read("expires_on", parse_date)
    transparency_url = read("transparency_url", cell_text)
    scope = read("scope", cell_text)
    if issued_on and expires_on and expires_on < issued_on:
        errors.append(RowError(
            line,
            f"colonnes « {columns['issued_on']} » et « {columns['expires_on']} » : "
            f"la fin de validité ({expires_on:%d/%m/%Y}) précède la délivrance "
            f"({issued_on:%d/%m/%Y})",
        ))
    if errors:
        return None, errors
    return HostRow(
        line=line,
        name=name,
        certificate_number=certificate_number,
        certifier=certifier,
        activities=activities,
        referential_version=referential_version,
        issued_on=issued_on,
        expires_on=expires_on,
        transparency_url=transparency_url,
        scope=scope,
    ), []


def _collect(result: ParseResult, records: Iterable[tuple[int, dict[str, object]]]) -> ParseResult:
    """Read every non-blank record into `result`; a file without any is refused."""
    for line, values in records:
        if all(is_blank(value) for value in values.values()):
            continue
        row, errors = _read_row(line, values, result.columns)
        if row is not None:
            result.rows.append(row)
        result.errors.extend(errors)
    if not result.rows and not result.errors:
        raise RegistryFileError(
            "empty_file", "Le fichier ne contient aucune ligne d'hébergeur après l'en-tête."
        )
    result.errors.sort(key=lambda error: error.line)
    return result


# --- Header ------------------------------------------------------------------------------------

Header = tuple[int, dict[int, str]]  # (line of the header row, column index -> canonical field)


def _header_fields(cells: Iterable[object]) -> dict[int, str]:
    """Column index -> canonical field for the known headers of a row (first one wins)."""
    found: dict[int, str] = {}
    for index, cell in enumerate(cells):
        canonical = _FIELD_BY_HEADER.get(normalise_header(cell))
        if canonical is not None and canonical not in found.values():
            found[index] = canonical
    return found


def _find_header(rows: Iterable[tuple[int, list]]) -> Header | None:
    """The header among the first non-empty rows.

    The first row naming at least two known columns wins; failing that, the first row naming one
    (it then fails the required-columns check with a precise message).
    """
    weak = None
    for line, cells in itertools.islice(rows, _HEADER_SEARCH_ROWS):
        fields = _header_fields(cells)
        if len(fields) >= _HEADER_MIN_FIELDS:
            return line, fields
        if fields and weak is None:
            weak = line, fields
    return weak


def _first_sheet_header(sheets: list[list[tuple[int, list]]]):
    """(rows, header) of the first sheet naming enough columns, else of the first naming any."""
    best = None
    for rows in sheets:
        header = _find_header(rows)
        if header is None:
            continue
        if len(header[1]) >= _HEADER_MIN_FIELDS:
            best = rows, header
            break
        if best is None:
            best = rows, header
    _check_fields(set(best[1][1].values()) if best else set())
    return best


def _check_fields(fields: set[str]) -> None:
    if not fields:
        known = ", ".join(f"« {aliases[0]} »" for aliases in HEADER_ALIASES.values())
        raise RegistryFileError(
            "no_recognised_columns",
            f"Aucune colonne reconnue dans le fichier. Colonnes attendues, par exemple : {known}.",
        )
    missing = [name for name in REQUIRED_FIELDS if name not in fields]
    if missing:
        details = " ; ".join(
            f"{_FIELD_LABELS[name]} (par exemple « {HEADER_ALIASES[name][0]} »)" for name in missing
        )
        plural = "s" if len(missing) > 1 else ""
        raise RegistryFileError(
            "missing_required_column",
            f"Colonne{plural} obligatoire{plural} absente{plural} : {details}.",
        )


def _table_result(format_name: str, rows: list[tuple[int, list]], header: Header) -> ParseResult:
    """Read the records below the header of a CSV or XLSX table."""
    header_line, fields = header
    header_cells = next(cells for line, cells in rows if line == header_line)
    columns = {canonical: str(header_cells[index]).strip() for index, canonical in fields.items()}
    records = (
        (line, {
            canonical: cells[index] if index < len(cells) else None
            for index, canonical in fields.items()
        })
        for line, cells in rows
        if line > header_line
    )
    return _collect(ParseResult(format=format_name, columns=columns), records)


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
    headers = {delimiter: _find_header(rows) for delimiter, rows in tables.items()}

    def known_columns(delimiter: str) -> int:
        return len(headers[delimiter][1]) if headers[delimiter] else 0

    delimiter = max(headers, key=known_columns)  # ties go to the earlier one, ";" first
    header = headers[delimiter]
    _check_fields(set(header[1].values()) if header else set())
    return _table_result("csv", tables[delimiter], header)


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
    rows, header = _first_sheet_header(sheets)
    return _table_result("xlsx", rows, header)


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
            canonical = _FIELD_BY_HEADER.get(normalise_header(key))
            if canonical is not None:
                field_by_key[key] = canonical
                columns.setdefault(canonical, key)
    _check_fields(set(columns))

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
    return _collect(result, records)


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
