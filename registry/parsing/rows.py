"""Turning the records below the header into hosts, and each unreadable row into its errors."""

from collections.abc import Iterable

from registry.parsing.columns import Header
from registry.parsing.results import HostRow, ParseResult, RegistryFileError, RowError
from registry.parsing.values import (
    cell_text,
    is_blank,
    name_text,
    normalise_referential_version,
    parse_activities,
    parse_date,
)


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


def collect(result: ParseResult, records: Iterable[tuple[int, dict[str, object]]]) -> ParseResult:
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


def table_result(format_name: str, rows: list[tuple[int, list]], header: Header) -> ParseResult:
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
    return collect(ParseResult(format=format_name, columns=columns), records)
