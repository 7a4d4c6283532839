"""Reading one cell: activities, dates, referential versions and plain text, in the notations found on
published lists. A value that cannot be read raises ValueError with a French reason."""

import re
import unicodedata
from datetime import date, datetime

ACTIVITIES = frozenset(range(1, 7))


def normalise_header(text: str) -> str:
    """Fold `text` for comparison: accents stripped, lower case, non-alphanumerics as single spaces."""
    return re.sub(r"[\W_]+", " ", _fold(text)).strip()


def _fold(text: str) -> str:
    """Accents stripped and lower case; punctuation kept."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    unaccented = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unaccented.casefold().replace("œ", "oe").replace("æ", "ae")


_ACTIVITY_FILLERS = frozenset(
    {"activite", "activites", "activity", "activities", "toutes", "all", "de", "from"}
)
_ACTIVITY_SEPARATORS = frozenset({",", ";", "/", "&", "+", "(", ")", "et", "and"})
_ACTIVITY_RANGE_MARKS = frozenset({"-", "a", "au", "to"})
_DASHES = re.compile("[\u2010-\u2015\u2212]")


def parse_activities(text: str | int | list) -> frozenset[int]:
    """Read a set of HDS activities (1 to 6) from any notation found on published lists.

    Accepts "1, 2, 3", "1;2", "1/2/3", "1 à 6", "1-4 et 6", "Activités 1 2 5", "Activité 5",
    "1 to 6", "Toutes (1 à 6)", an integer (a numeric spreadsheet cell) or a list (JSON).
    Raises ValueError with a French message otherwise.
    """
    shown = _activities_text(text)
    folded = _DASHES.sub("-", _fold(shown))
    tokens = re.findall(r"\d+|[^\W\d_]+|\S", folded)
    activities = _read_activity_tokens(tokens, shown)
    if not activities:
        if tokens:
            raise _unreadable_activities(shown)
        raise ValueError("aucune activité indiquée")
    return frozenset(activities)


def _read_activity_tokens(tokens: list[str], shown: str) -> set[int]:
    """The activities named by `tokens`: numbers, ranges between two numbers, separators, filler words."""
    activities: set[int] = set()
    previous: int | None = None  # a number that may start a range
    range_start: int | None = None  # set once a range mark follows a number
    for token in tokens:
        if token.isdigit():
            number = _activity_number(token, shown)
            if range_start is None:
                activities.add(number)
                previous = number
                continue
            if number < range_start:
                raise ValueError(f"intervalle inversé « {range_start} à {number} » dans « {shown} »")
            activities.update(range(range_start, number + 1))
            previous = range_start = None
        elif token in _ACTIVITY_RANGE_MARKS:
            if previous is None or range_start is not None:
                raise _unreadable_activities(shown)
            range_start = previous
        elif token in _ACTIVITY_SEPARATORS:
            if range_start is not None:
                raise _unreadable_activities(shown)
            previous = None
        elif token not in _ACTIVITY_FILLERS:
            raise _unreadable_activities(shown)
    if range_start is not None:
        raise _unreadable_activities(shown)
    return activities


def _activity_number(token: str, shown: str) -> int:
    number = int(token)
    if number not in ACTIVITIES:
        raise ValueError(
            f"activité {number} inconnue dans « {shown} » "
            "(les activités HDS sont numérotées de 1 à 6)"
        )
    return number


def _unreadable_activities(shown: str) -> ValueError:
    return ValueError(
        f"« {shown} » n'est pas une liste d'activités lisible "
        "(exemples acceptés : « 1, 2, 3 », « 1 à 6 », « 1-4 et 6 »)"
    )


def _activities_text(value: str | int | list | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return ", ".join(_activities_text(item) for item in value)
    return str(value).strip()


_DAY_FIRST_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(value) -> date | None:
    """Read a date: a date or datetime (spreadsheet cell), "jj/mm/aaaa", "jj-mm-aaaa",
    "jj.mm.aaaa" or "aaaa-mm-jj". Blank gives None; anything else raises ValueError (French)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    if match := _DAY_FIRST_DATE.fullmatch(text):
        day, _, month, year = match.groups()
    elif match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    else:
        raise ValueError(
            f"« {text} » n'est pas une date reconnue "
            "(formats acceptés : jj/mm/aaaa, jj-mm-aaaa, jj.mm.aaaa, aaaa-mm-jj)"
        )
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"« {text} » n'est pas une date valide (jour ou mois inexistant)") from None


_REFERENTIAL_WORDS = re.compile(r"\b(?:hds|referentiel|referential|version)\b")
_REFERENTIAL_YEARS = {"2018": "v1", "2024": "v2"}  # the arrêtés of 11 June 2018 and 26 April 2024
_REFERENTIAL_NUMBER = re.compile(r"v?([12])")


def normalise_referential_version(text: str) -> str:
    """"v1" or "v2" when the notation names one referential, "" when blank, else the text as
    published (single spaces), kept as data.

    A notation is read as tokens once accents, case, punctuation and the words "HDS",
    "référentiel", "version" are dropped: a number 1 or 2, optionally prefixed "v" and followed
    by a ".0" ("V1", "1.0", "v2.0"), and the year of the referential's arrêté (2018 for v1, 2024
    for v2), in any combination that agrees: "2018", "V1 (2018)", "v1-2018", "référentiel 2018"
    are v1; "2024", "V2", "2.0", "HDS v2 (2024)" are v2. "v2.1", "v1 (2024)" or "3" are kept as
    published.
    """
    published = " ".join(str(text).split())
    tokens = _REFERENTIAL_WORDS.sub(" ", normalise_header(published)).split()
    versions = set()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token == "v" and index + 1 < len(tokens):  # "v 2", as "v. 2" folds
            index += 1
            token = "v" + tokens[index]
        if token in _REFERENTIAL_YEARS:
            versions.add(_REFERENTIAL_YEARS[token])
        elif match := _REFERENTIAL_NUMBER.fullmatch(token):
            versions.add("v" + match.group(1))
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            if following == "0":
                index += 1
            elif following.isdigit() and following not in _REFERENTIAL_YEARS:  # a minor version: "v2.1"
                return published
        else:
            return published
        index += 1
    return versions.pop() if len(versions) == 1 else published


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        raise ValueError("une valeur simple est attendue, pas une liste ni un objet")
    return str(value).strip()


def name_text(value) -> str:
    name = " ".join(cell_text(value).split())
    if not name:
        raise ValueError("nom de l'hébergeur vide")
    return name


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
