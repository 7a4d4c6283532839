"""XLSX: every worksheet read with openpyxl, the first one with a header kept, damaged workbooks refused."""

import io
import zipfile

import openpyxl

from registry.parsing.columns import first_sheet_header
from registry.parsing.results import ParseResult, RegistryFileError
from registry.parsing.rows import table_result
from registry.parsing.values import is_blank


def parse_xlsx(data: bytes, filename: str) -> ParseResult:
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
