"""CSV: the delimiter chosen by the header it yields, and each record's first physical line kept."""

import csv
import io

from registry.parsing.columns import check_fields, find_header
from registry.parsing.results import ParseResult
from registry.parsing.rows import table_result

_CSV_DELIMITERS = ";,\t|"


def parse_csv(text: str) -> ParseResult:
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
