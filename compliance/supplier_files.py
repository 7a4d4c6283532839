"""Reading a supplier list (CSV or XLSX) into rows of named values, before anything is matched.

The format is told from the content (an XLSX workbook is a ZIP archive), never from the name.
CSV text is decoded as UTF-8 (with or without a byte-order mark), else Windows-1252, the two
encodings spreadsheets save in; its delimiter (``;`` or ``,``, or a tab) is the one whose header
line names the most known columns. Headers may be French or English, with or without accents
(:data:`HEADER_ALIASES`); unknown columns are reported and ignored. A file that cannot be used as
a whole raises :class:`SupplierFileError` with a stable code; a cell is judged later, row by row.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field

import openpyxl
from django.conf import settings
from django.utils.translation import gettext as _

from hds_platform.errors import ServiceError
from registry.parsing import normalise_header

#: Normalised header (accents and punctuation folded) → field.
HEADER_ALIASES: dict[str, str] = {
    **dict.fromkeys(["name", "nom", "raison sociale", "denomination", "denomination sociale", "fournisseur",
                     "supplier", "nom du fournisseur", "supplier name", "company", "company name", "legal name"],
                    "name"),
    "siren": "siren",
    "siret": "siret",
    **dict.fromkeys(["siren siret", "siren ou siret", "siren or siret", "siret siren"], "siren_or_siret"),
    **dict.fromkeys(["tva", "numero de tva", "n tva", "no tva", "numero tva", "tva intracommunautaire",
                     "numero de tva intracommunautaire", "vat", "vat number", "vat id", "vat no"], "vat_number"),
    **dict.fromkeys(["pays", "country", "code pays", "country code"], "country"),
    **dict.fromkeys(["email", "e mail", "courriel", "mail", "contact", "contact email", "contact e mail",
                     "email du contact", "e mail du contact", "adresse e mail", "email address"], "contact_email"),
}
_DELIMITERS = ";,\t"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class SupplierFileError(ServiceError):
    """The file as a whole cannot be imported; nothing was read from it."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message, code=code, field="file")


@dataclass(frozen=True)
class SourceRow:
    line: int  # the row number a person sees in the spreadsheet or the text editor
    values: dict[str, str]


@dataclass
class SupplierFile:
    format: str
    encoding: str = ""
    delimiter: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # header as written → field
    ignored_columns: list[str] = field(default_factory=list)
    rows: list[SourceRow] = field(default_factory=list)


def read_supplier_file(data: bytes) -> SupplierFile:
    if not data.strip():
        raise SupplierFileError(_("Le fichier est vide."), code="import_file_empty")
    if len(data) > settings.SUPPLIER_IMPORT_MAX_BYTES:
        raise SupplierFileError(_("Le fichier dépasse la taille maximale de %(max)s octets.")
                                % {"max": settings.SUPPLIER_IMPORT_MAX_BYTES}, code="import_file_too_large")
    if data.startswith(b"PK\x03\x04"):
        result = SupplierFile("xlsx")
        table = _xlsx_table(data)
    elif data.startswith(_OLE2_MAGIC):
        raise SupplierFileError(_("Le format Excel 97-2003 (.xls) n'est pas pris en charge : enregistrez le fichier "
                                  "en .xlsx ou en CSV."), code="import_unknown_format")
    else:
        text, encoding = _decode(data)
        if "\x00" in text:
            raise SupplierFileError(_("Le fichier n'est ni un tableur .xlsx ni un fichier CSV."),
                                    code="import_unknown_format")
        delimiter = max(_DELIMITERS, key=lambda candidate: _known_columns(_csv_table(text, candidate)[:1]))
        result = SupplierFile("csv", encoding=encoding, delimiter=delimiter)
        table = _csv_table(text, delimiter)
    _read_table(result, table)
    return result


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise SupplierFileError(_("L'encodage du fichier n'est pas reconnu : enregistrez-le en UTF-8 ou en "
                                  "Windows-1252."), code="import_unreadable_encoding") from None


def _csv_table(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, line = [], 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        raise SupplierFileError(_("Le fichier CSV est mal formé (ligne %(line)s) : %(error)s")
                                % {"line": line, "error": error}, code="import_invalid_csv") from None
    return rows


def _xlsx_table(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise SupplierFileError(_("Le fichier n'est pas un tableur .xlsx lisible."),
                                code="import_unknown_format") from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell(value) for value in values]
            if any(cells):
                rows.append((number, cells))
                if len(rows) > settings.SUPPLIER_IMPORT_MAX_ROWS + 1:
                    break
        return rows
    finally:
        workbook.close()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _known_columns(table) -> int:
    if not table:
        return 0
    return sum(1 for cell in table[0][1] if normalise_header(cell) in HEADER_ALIASES)


def _read_table(result: SupplierFile, table: list[tuple[int, list[str]]]) -> None:
    if not table:
        raise SupplierFileError(_("Le fichier est vide."), code="import_file_empty")
    _line, header = table[0]
    positions: dict[int, str] = {}
    for position, cell in enumerate(header):
        name = HEADER_ALIASES.get(normalise_header(cell))
        if name is None or name in positions.values():
            if cell.strip():
                result.ignored_columns.append(cell.strip())
            continue
        positions[position] = name
        result.columns[cell.strip()] = name
    if "name" not in positions.values():
        raise SupplierFileError(_("La première ligne doit nommer les colonnes, dont celle du nom du fournisseur "
                                  "(« Nom » ou « Name »)."), code="import_name_column_missing")
    body = table[1:]
    if not body:
        raise SupplierFileError(_("Le fichier ne contient aucune ligne de fournisseur."), code="import_no_rows")
    if len(body) > settings.SUPPLIER_IMPORT_MAX_ROWS:
        raise SupplierFileError(_("Le fichier contient plus de %(max)s lignes : découpez-le en plusieurs fichiers.")
                                % {"max": settings.SUPPLIER_IMPORT_MAX_ROWS}, code="import_too_many_rows")
    for line, cells in body:
        values = {name: " ".join(cells[position].split()) if position < len(cells) else ""
                  for position, name in positions.items()}
        result.rows.append(SourceRow(line, values))
