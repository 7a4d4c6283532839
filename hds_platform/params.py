"""Reading numbers from a request strictly: what does not parse, or is out of range, is absent."""

#: The largest id a bigint column holds (and SQLite's largest integer).
MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """``value`` as a row id (ASCII digits, 1 to :data:`MAX_ID`), else None."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None
