"""Matching a supplier to a host of the ANS list by certificate number or by name.

The list publishes no SIREN, so a match is a suggestion: the certificate number when the supplier
gives one, otherwise the closest normalised names, for a person to confirm.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from registry.parsing import normalise_header

# Legal forms dropped from names, as tokens once folded ("S.A.S." has become "sas" by then).
LEGAL_FORMS = frozenset({
    "sa", "sas", "sasu", "sarl", "eurl", "sca", "scs", "snc", "gie", "se", "selarl", "scop",
    "inc", "ltd", "gmbh", "ag", "bv", "nv", "srl", "spa", "llc", "plc",
    "limited", "corp", "corporation",
})

# Initials written with dots, "S.A.S." or "s.a.r.l", are read as one word.
_DOTTED_INITIALS = re.compile(r"\b[^\W\d_](?:\.[^\W\d_])+\b\.?")
_CERTIFICATE_SEPARATORS = re.compile(r"[\s\-/._]+")


def normalise_name(name: str) -> str:
    """The comparable form of a company name: lower case, no accents, no punctuation, no legal form.

    "OVH SAS" -> "ovh"; "Clever Cloud S.A.S." -> "clever cloud"; "Société Générale" -> "societe generale".
    """
    undotted = _DOTTED_INITIALS.sub(lambda match: match.group().replace(".", ""), name)
    words = normalise_header(undotted).split()
    kept = [word for word in words if word not in LEGAL_FORMS]
    # A name made only of legal forms ("SA") is better kept than emptied.
    return " ".join(kept or words)


def normalise_certificate_number(number: str) -> str:
    """Upper case without spaces or separators: "hds-lne 2024/0123" -> "HDSLNE20240123"."""
    return _CERTIFICATE_SEPARATORS.sub("", number).upper()


@dataclass(frozen=True)
class NameMatch:
    key: object
    name: str
    score: float  # 0 to 100


def rank_names(
    name: str,
    candidates: Iterable[tuple[object, str]],
    *,
    limit: int = 5,
    min_score: float = 80.0,
) -> list[NameMatch]:
    """The candidates closest to `name`, best first (ties by name), at most `limit` of them.

    `candidates` are (key, normalised name) pairs, as stored for the hosts of the list. Scores are
    rapidfuzz's WRatio on normalised names: 100 for an equal name, and high for a name contained in
    a longer one ("OVHcloud" against "ovh"); those from `min_score` up are kept.
    """
    query = normalise_name(name)
    pairs = [(key, candidate) for key, candidate in candidates if candidate]
    if not query or not pairs:
        return []
    found = process.extract(
        query,
        [candidate for _, candidate in pairs],
        scorer=fuzz.WRatio,
        processor=None,
        limit=None,
        score_cutoff=min_score,
    )
    matches = [
        NameMatch(key=pairs[index][0], name=candidate, score=float(score))
        for candidate, score, index in found
    ]
    matches.sort(key=lambda match: (-match.score, match.name))
    return matches[:limit]
