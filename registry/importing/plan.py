"""What a published list changes, in plain data: its rows grouped by host, what is known, the plan.

:func:`group_by_host` reads the file host by host and reports the rows the database cannot take;
:func:`load_known` reads every host and certificate as plain tuples; :func:`build_plan` compares
the two and says which hosts are added, removed or renamed, which certificates are created,
updated or dropped, and which :class:`~registry.models.Change` rows record it. Nothing here
writes (:mod:`registry.importing.writing` does).
"""

from __future__ import annotations

import logging
import operator
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from registry.matching import normalise_certificate_number, normalise_name
from registry.models import CertifiedHost, Change, HostCertificate
from registry.parsing import HostRow, RowError

logger = logging.getLogger(__name__)

Kind = Change.Kind

CERTIFICATE_FIELDS = (
    "certificate_number", "certifier", "activities", "referential_version", "issued_on", "expires_on",
    "transparency_url", "scope",
)
# A scheme, a host, then no space; checked with expressions because Django's URLValidator costs a
# millisecond a row.
_WEB_ADDRESS = re.compile(r"https?://[^\s/?#@:]+(:\d+)?([/?#]\S*)?", re.IGNORECASE)
_BARE_DOMAIN = re.compile(r"[\w-]+(\.[\w-]+)+(/\S*)?")


# --- The file, host by host ----------------------------------------------------------------------


@dataclass
class FileHost:
    normalised_name: str
    name: str
    rows: list[HostRow]
    numbers: set[str]


def group_by_host(rows: Iterable[HostRow], columns: dict[str, str]) -> tuple[dict[str, FileHost], list[RowError]]:
    """The file's rows grouped by host (normalised name), and the rows the database cannot take.

    A host may have several certificates; the same host twice with the same certificate number (or
    twice without one) is ambiguous and reported. Transparency pages that are not web addresses are
    dropped: the field feeds links.
    """
    limits = _field_limits()
    hosts: dict[str, FileHost] = {}
    first_line: dict[tuple[str, str], int] = {}
    errors: list[RowError] = []
    dropped_urls = 0
    for row in rows:
        too_long = [
            RowError(row.line, f"colonne « {columns[name]} » : {len(getattr(row, name))} caractères, "
                               f"{limit} au plus")
            for name, limit in limits.items()
            if len(getattr(row, name)) > limit
        ]
        if too_long:
            errors.extend(too_long)
            continue
        key = normalise_name(row.name)
        if not key:
            errors.append(RowError(row.line, f"colonne « {columns['name']} » : « {row.name} » n'est pas un nom"))
            continue
        url = _web_address(row.transparency_url)
        if url != row.transparency_url:
            dropped_urls += not url
            row = replace(row, transparency_url=url)
        number = normalise_certificate_number(row.certificate_number)
        seen = first_line.setdefault((key, number), row.line)
        if seen != row.line:
            same = (f"même hébergeur et même numéro de certificat ({row.certificate_number}) que la ligne {seen}"
                    if number else
                    f"même hébergeur que la ligne {seen}, sans numéro de certificat dans les deux cas")
            errors.append(RowError(row.line, f"{same} : impossible de savoir quelle ligne est la bonne"))
            continue
        host = hosts.get(key)
        if host is None:
            host = hosts[key] = FileHost(normalised_name=key, name=row.name, rows=[], numbers=set())
        host.rows.append(row)
        if number:
            host.numbers.add(number)
    if dropped_urls:
        logger.info("registry import: %s transparency page values were not web addresses and were left blank",
                    dropped_urls)
    return hosts, errors


def _field_limits() -> dict[str, int]:
    limits = {
        name: HostCertificate._meta.get_field(name).max_length
        for name in ("certificate_number", "certifier", "referential_version", "transparency_url")
    }
    limits["name"] = CertifiedHost._meta.get_field("name").max_length
    return limits


def _web_address(text: str) -> str:
    """``text`` if it is an http(s) address ("www.x.fr/hds" gains "https://"), else ""."""
    text = text.strip()
    if _WEB_ADDRESS.fullmatch(text):
        return text
    if _BARE_DOMAIN.fullmatch(text):
        return f"https://{text}"
    return ""


# --- What is known -------------------------------------------------------------------------------


@dataclass(slots=True)
class KnownHost:
    id: int
    name: str
    normalised_name: str
    listed: bool


@dataclass(slots=True)
class KnownCertificate:
    id: int
    host_id: int
    normalised_number: str
    certificate_number: str
    certifier: str
    activities: frozenset[int]
    referential_version: str
    issued_on: date | None
    expires_on: date | None
    transparency_url: str
    scope: str
    current: bool


@dataclass
class Known:
    hosts: dict[str, KnownHost]  # by normalised name
    certificates: dict[int, list[KnownCertificate]]  # by host id


def load_known() -> Known:
    """Every host and certificate, in two queries (plain tuples, no model instances)."""
    hosts = {
        normalised: KnownHost(pk, name, normalised, listed)
        for pk, name, normalised, listed in CertifiedHost.objects.order_by().values_list(
            "id", "name", "normalised_name", "listed"
        ).iterator(chunk_size=5000)
    }
    certificates: dict[int, list[KnownCertificate]] = defaultdict(list)
    for values in HostCertificate.objects.order_by().values_list(
        "id", "host_id", "normalised_number", *CERTIFICATE_FIELDS, "current"
    ).iterator(chunk_size=5000):
        certificate = KnownCertificate(*values)
        certificates[certificate.host_id].append(certificate)
    return Known(hosts, certificates)


# --- The plan: what the file changes, in plain data ----------------------------------------------


@dataclass(frozen=True)
class PlannedChange:
    host_key: int | str  # a host id, or the normalised name of a host still to create
    kind: str
    before: dict
    after: dict


@dataclass
class Plan:
    new_hosts: list[FileHost] = field(default_factory=list)
    host_updates: list[tuple[int, str, str]] = field(default_factory=list)  # id, name, normalised name
    removed: list[KnownHost] = field(default_factory=list)
    certificate_creates: list[tuple[int | str, HostRow]] = field(default_factory=list)
    certificate_updates: list[tuple[int, HostRow]] = field(default_factory=list)
    certificate_drops: list[int] = field(default_factory=list)
    changes: list[PlannedChange] = field(default_factory=list)


def build_plan(file_hosts: dict[str, FileHost], known: Known) -> Plan:
    """The writes that make ``known`` what the file lists, and the changes they record: the file's
    hosts in the file's order, new or known (under their name or renamed), then the hosts the file
    no longer lists."""
    plan = Plan()
    renamed = _renames(file_hosts, known)
    for key, file_host in file_hosts.items():
        host = known.hosts.get(key) or renamed.get(key)
        if host is None:
            _plan_new_host(plan, key, file_host)
        else:
            _plan_known_host(plan, key, file_host, host, known.certificates.get(host.id, []))
    _plan_removals(plan, file_hosts, known, renamed_ids={host.id for host in renamed.values()})
    return plan


def _plan_new_host(plan: Plan, key: str, file_host: FileHost) -> None:
    plan.new_hosts.append(file_host)
    plan.certificate_creates.extend((key, row) for row in file_host.rows)
    plan.changes.append(PlannedChange(key, Kind.ADDED, {}, _state(file_host.name, file_host.rows)))


def _plan_known_host(plan: Plan, key: str, file_host: FileHost, host: KnownHost,
                     certificates: list[KnownCertificate]) -> None:
    """A host the list already knows: its certificate writes, the changes they show (or its return
    to the list), and its row's update when its name or listing changed."""
    # Certificates are matched by normalised number with every field compared, so a host
    # whose certificates need no write shows exactly what it showed: no aspect to compare.
    certificates_written = _plan_certificates(plan, host.id, certificates, file_host.rows)
    renamed = key != host.normalised_name
    if not host.listed:
        plan.changes.append(PlannedChange(host.id, Kind.ADDED, {}, _state(file_host.name, file_host.rows)))
    elif certificates_written or renamed:
        current = [certificate for certificate in certificates if certificate.current]
        kinds = _changed_aspects(current, file_host.rows) if certificates_written else []
        if renamed:
            kinds.insert(0, Kind.RENAMED)
        if kinds:
            before, after = _state(host.name, current), _state(file_host.name, file_host.rows)
            plan.changes.extend(PlannedChange(host.id, kind, before, after) for kind in kinds)
    if not host.listed or file_host.name != host.name or renamed:
        plan.host_updates.append((host.id, file_host.name, key))


def _plan_removals(plan: Plan, file_hosts: dict[str, FileHost], known: Known, *, renamed_ids: set[int]) -> None:
    """Listed hosts the file names neither under their name nor renamed: removed, their current
    certificates dropped."""
    for host in known.hosts.values():
        if host.listed and host.normalised_name not in file_hosts and host.id not in renamed_ids:
            current = [c for c in known.certificates.get(host.id, []) if c.current]
            plan.removed.append(host)
            plan.certificate_drops.extend(certificate.id for certificate in current)
            plan.changes.append(PlannedChange(host.id, Kind.REMOVED, _state(host.name, current), {}))


def _renames(file_hosts: dict[str, FileHost], known: Known) -> dict[str, KnownHost]:
    """New names that are listed hosts renamed: the new name holds a current certificate number of
    exactly one listed host that the file no longer names, and no other new name claims that host."""
    by_id = {host.id: host for host in known.hosts.values()}
    owners: dict[str, set[int]] = defaultdict(set)
    for host in known.hosts.values():
        if host.listed and host.normalised_name not in file_hosts:
            for certificate in known.certificates.get(host.id, []):
                if certificate.current and certificate.normalised_number:
                    owners[certificate.normalised_number].add(host.id)
    if not owners:
        return {}
    candidates = {}
    for key, file_host in file_hosts.items():
        if key in known.hosts:
            continue
        claimed = set().union(*(owners.get(number, set()) for number in file_host.numbers))
        if len(claimed) == 1:
            candidates[key] = claimed.pop()
    claims = Counter(candidates.values())
    return {key: by_id[host_id] for key, host_id in candidates.items() if claims[host_id] == 1}


def _plan_certificates(plan: Plan, host_id: int, certificates: list[KnownCertificate],
                       rows: list[HostRow]) -> bool:
    """Plan the certificate writes of one host; True if there is any."""
    by_number = {certificate.normalised_number: certificate for certificate in certificates}
    in_file = set()
    written = False
    for row in rows:
        number = normalise_certificate_number(row.certificate_number)
        in_file.add(number)
        certificate = by_number.get(number)
        if certificate is None:
            plan.certificate_creates.append((host_id, row))
            written = True
        elif not certificate.current or _certificate_fields(certificate) != _certificate_fields(row):
            plan.certificate_updates.append((certificate.id, row))
            written = True
    for certificate in certificates:
        if certificate.current and certificate.normalised_number not in in_file:
            plan.certificate_drops.append(certificate.id)
            written = True
    return written


_certificate_fields = operator.attrgetter(*CERTIFICATE_FIELDS)


def _changed_aspects(before: Sequence, after: Sequence) -> list[str]:
    """The change kinds between two sets of certificates of one host (in a stable order)."""
    old, new = _aspects(before), _aspects(after)
    return [kind for kind in old if old[kind] != new[kind]]


def _aspects(certificates: Sequence) -> dict[str, object]:
    return {
        Kind.ACTIVITIES_CHANGED: frozenset().union(*(c.activities for c in certificates)),
        Kind.DATES_CHANGED: sorted((_iso(c.issued_on), _iso(c.expires_on)) for c in certificates),
        Kind.CERTIFIER_CHANGED: sorted({c.certifier for c in certificates}),
        Kind.CERTIFICATE_CHANGED: sorted(
            (normalise_certificate_number(c.certificate_number), c.referential_version, c.transparency_url)
            for c in certificates
        ),
    }


def _state(name: str, certificates: Sequence) -> dict:
    """The host as a list shows it, for a change's ``before`` / ``after``."""
    return {
        "name": name,
        "activities": sorted(frozenset().union(*(c.activities for c in certificates))),
        "certificates": [
            {
                "certificate_number": c.certificate_number,
                "certifier": c.certifier,
                "activities": sorted(c.activities),
                "referential_version": c.referential_version,
                "issued_on": _iso(c.issued_on) or None,
                "expires_on": _iso(c.expires_on) or None,
                "transparency_url": c.transparency_url,
            }
            for c in sorted(
                certificates,
                key=lambda c: (normalise_certificate_number(c.certificate_number), _iso(c.issued_on)),
            )
        ],
    }


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""
