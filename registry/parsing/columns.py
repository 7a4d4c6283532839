"""Recognising the header row: the spellings of each column, the header among title lines, and the
check that the columns a host needs are there."""

import itertools
from collections.abc import Iterable

from registry.parsing.results import RegistryFileError
from registry.parsing.values import normalise_header

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

FIELD_BY_HEADER = {
    normalise_header(alias): canonical
    for canonical, aliases in HEADER_ALIASES.items()
    for alias in aliases
}


Header = tuple[int, dict[int, str]]  # (line of the header row, column index -> canonical field)


def _header_fields(cells: Iterable[object]) -> dict[int, str]:
    """Column index -> canonical field for the known headers of a row (first one wins)."""
    found: dict[int, str] = {}
    for index, cell in enumerate(cells):
        canonical = FIELD_BY_HEADER.get(normalise_header(cell))
        if canonical is not None and canonical not in found.values():
            found[index] = canonical
    return found


def find_header(rows: Iterable[tuple[int, list]]) -> Header | None:
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


def first_sheet_header(sheets: list[list[tuple[int, list]]]):
    """(rows, header) of the first sheet naming enough columns, else of the first naming any."""
    best = None
    for rows in sheets:
        header = find_header(rows)
        if header is None:
            continue
        if len(header[1]) >= _HEADER_MIN_FIELDS:
            best = rows, header
            break
        if best is None:
            best = rows, header
    check_fields(set(best[1][1].values()) if best else set())
    return best


def check_fields(fields: set[str]) -> None:
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
