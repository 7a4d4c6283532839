"""The entry point: the format told from the content, the text decoded, then the reader for that format."""

import codecs

from registry.parsing.csv_format import parse_csv
from registry.parsing.json_format import parse_json
from registry.parsing.results import ParseResult, RegistryFileError
from registry.parsing.xlsx_format import parse_xlsx

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def parse_registry_file(data: bytes, filename: str = "") -> ParseResult:
    """Read a published list of certified hosts.

    The format comes from the content; `filename` only refines the error for a damaged .xlsx.
    Raises RegistryFileError when the file as a whole cannot be used.
    """
    if data.startswith(b"PK\x03\x04"):
        return parse_xlsx(data, filename)
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
        return parse_json(text)
    return parse_csv(text)


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
