"""What reading a registry file gives: the hosts read, the rows refused, or an error for the whole file."""

from dataclasses import dataclass, field
from datetime import date


class RegistryFileError(Exception):
    """The file as a whole cannot be used.

    `code` is stable and meant for programs; `message` is French and meant for a person.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class HostRow:
    line: int
    name: str
    certificate_number: str
    certifier: str
    activities: frozenset[int]
    referential_version: str
    issued_on: date | None
    expires_on: date | None
    transparency_url: str
    scope: str


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass
class ParseResult:
    format: str
    rows: list[HostRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
