"""Reading what people typed in the register: free text folded for matching words."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """`text` without accents, in lower case, with single spaces: "Coordonnées " → "coordonnees"."""
    decomposed = unicodedata.normalize("NFKD", text)
    unaccented = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(unaccented.casefold().replace("œ", "oe").replace("æ", "ae").split())
