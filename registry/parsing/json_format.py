"""JSON: a list of objects, bare or under a known key, whose keys are read as column headers."""

import json

from registry.parsing.columns import FIELD_BY_HEADER, check_fields
from registry.parsing.results import ParseResult, RegistryFileError, RowError
from registry.parsing.rows import collect
from registry.parsing.values import is_blank, normalise_header

_JSON_LIST_KEYS = frozenset({"hosts", "hebergeurs", "hebergeurs certifies", "data", "items"})


def parse_json(text: str) -> ParseResult:
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
