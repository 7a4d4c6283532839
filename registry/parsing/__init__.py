"""Reading the official ANS list of HDS-certified hosts from a CSV, XLSX or JSON file.

No stable machine-readable export of the list exists, so the reader is tolerant about the
shape (delimiter, encoding, header wording, title lines, activity and date notations) and strict
about the content: a row it cannot read becomes a `RowError` with the reason, and a file it
cannot read as a whole raises `RegistryFileError` rather than returning an empty list.

`reader` tells the format from the content and hands it to `csv_format`, `xlsx_format` or
`json_format`; `columns` recognises the header, `rows` turns the records below it into hosts or
row errors, `values` reads each cell, and `results` holds what the reader gives back.

Plain Python: no Django, no database.
"""

from registry.parsing.columns import HEADER_ALIASES, REQUIRED_FIELDS
from registry.parsing.reader import parse_registry_file
from registry.parsing.results import HostRow, ParseResult, RegistryFileError, RowError
from registry.parsing.values import (
    ACTIVITIES,
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
