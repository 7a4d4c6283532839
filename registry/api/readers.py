"""JSON-ready bodies of the registry search, built as plain dicts: exactly what ``HostSerializer``
returns for the same host (``tests/compliance/test_fast_reads.py`` compares the bytes)."""

from __future__ import annotations

from hds_platform.api.plain import activities, iso_date


def _certificate_body(row: dict) -> dict:
    return {
        "id": row["id"], "certificate_number": str(row["certificate_number"]), "certifier": str(row["certifier"]),
        "activities": activities(row["activities"]), "referential_version": str(row["referential_version"]),
        "issued_on": iso_date(row["issued_on"]), "expires_on": iso_date(row["expires_on"]),
        "transparency_url": str(row["transparency_url"]), "scope": str(row["scope"]), "current": bool(row["current"]),
        "first_seen": row["first_seen_id"], "last_seen": row["last_seen_id"],
    }


def host_body(row: dict) -> dict:
    """``HostSerializer`` for a row of ``registry.selectors.listed_host_rows_page``: the flat
    certificate fields come from the first certificate (current, expiring last)."""
    certificates = row["certificates"]
    main = certificates[0] if certificates else None
    return {
        "id": row["id"], "name": str(row["name"]),
        "certificate_number": main["certificate_number"] if main else "",
        "certifier": main["certifier"] if main else "",
        "activities": activities(main["activities"]) if main else [],
        "issued_on": iso_date(main["issued_on"]) if main else None,
        "expires_on": iso_date(main["expires_on"]) if main else None,
        "referential_version": main["referential_version"] if main else "",
        "transparency_url": main["transparency_url"] if main else "",
        "listed": bool(row["listed"]),
        "scope": main["scope"] if main else "",
        "first_seen": row["first_seen_id"], "last_seen": row["last_seen_id"], "removed_in": row["removed_in_id"],
        "certificates": [_certificate_body(certificate) for certificate in certificates],
    }
