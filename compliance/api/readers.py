"""JSON-ready bodies of the hot reads, built as plain dicts.

Each function returns exactly what the matching serializer of ``compliance.api.serializers``
returns for the same row (same keys, same order, same formatting), without instantiating
serializer fields per row: ``tests/compliance/test_fast_reads.py`` renders both and compares the
bytes. The serializers stay the contract (the OpenAPI schema, writes, other reads); a change to
one of them must be mirrored here, and that test says so.
"""

from __future__ import annotations

from django.utils import translation

from compliance import selectors
from compliance.api.serializers import EXPIRING_WITHIN_HORIZON, ConformityResultSerializer
from compliance.models import ConformityResult, RegistryMatchStatus
from hds_platform.api.plain import activities, iso_date, iso_datetime, strings


def supplier_body(row: dict) -> dict:
    """``SupplierSerializer`` for a row of ``selectors.supplier_rows_page``."""
    host = None
    if row["registry_host_id"] is not None:
        certified = row["host_certificate_id"] is not None
        host = {
            "id": row["registry_host_id"], "name": str(row["registry_host__name"]),
            "certificate_number": str(row["host_certificate_number"]) if certified else "",
            "activities": activities(row["host_activities"]) if certified else [],
            "expires_on": iso_date(row["host_expires_on"]) if certified else None,
        }
    status = row["registry_match_status"]
    score = row["registry_match_score"]
    next_expiry = row["next_expiry"]
    return {
        "id": row["id"], "name": str(row["name"]), "siren": str(row["siren"]), "siret": str(row["siret"]),
        "vat_number": str(row["vat_number"]), "country": str(row["country"]),
        "registry_match": {
            "status": RegistryMatchStatus.NONE.value if status == RegistryMatchStatus.REJECTED else status,
            "host": host, "score": None if score is None else int(score), "method": str(row["registry_match_method"]),
            "rejected_hosts": [int(pk) for pk in row["registry_rejected_hosts"]],
        },
        "subject_to_non_eu_law": bool(row["subject_to_non_eu_law"]),
        "non_eu_laws": strings(row["non_eu_laws"]),
        "non_eu_law_mitigations": str(row["non_eu_law_mitigations"]),
        "transparency_url": str(row["transparency_url"]),
        "certificates_summary": {
            "valid": row["certificates_valid"], EXPIRING_WITHIN_HORIZON: row["certificates_expiring"],
            "expired_or_invalid": row["certificates_invalid"],
            "next_expiry": next_expiry.isoformat() if next_expiry else None,
        },
        "created_at": iso_datetime(row["created_at"]), "updated_at": iso_datetime(row["updated_at"]),
    }


def _nullable_bool(value):
    return None if value is None else bool(value)


def processing_body(row: dict) -> dict:
    """``ProcessingSerializer`` for a row of ``selectors.processing_rows_page``."""
    return {
        "id": row["id"], "name": str(row["name"]), "purposes": strings(row["purposes"]),
        "legal_basis": str(row["legal_basis"]), "art9_condition": str(row["art9_condition"]),
        "data_subject_categories": strings(row["data_subject_categories"]),
        "data_categories": strings(row["data_categories"]), "recipients": strings(row["recipients"]),
        "transfers": [{"country": str(item["country"]), "safeguard": str(item.get("safeguard", ""))}
                      for item in row["transfers"]],
        "retention": str(row["retention"]), "security_measures": str(row["security_measures"]),
        "controller_contact": str(row["controller_contact"]), "dpo_contact": str(row["dpo_contact"]),
        "dpia_required": _nullable_bool(row["dpia_required"]), "dpia_done": bool(row["dpia_done"]),
        "role": row["role"], "controllers_served": strings(row["controllers_served"]),
        "health_data": bool(row["health_data"]), "identifiability": row["identifiability"],
        "hosting_mode": row["hosting_mode"], "conformity_status": row["conformity_status"],
        "created_at": iso_datetime(row["created_at"]), "updated_at": iso_datetime(row["updated_at"]),
    }


def findings_body(findings: list[dict]) -> list[dict]:
    """``ConformityResultSerializer.get_findings``: each message in the request's language."""
    english = (translation.get_language() or "fr").startswith("en")
    return [
        {"code": f["code"], "severity": f["severity"], "message": f["message_en"] if english else f["message"],
         "activity": f["activity"], "link": f["link"], "supplier": f["supplier"],
         "legal_reference": f["legal_reference"]}
        for f in findings
    ]


def summary_body(summary: dict) -> dict:
    """``ConformitySummarySerializer`` for ``selectors.conformity_summary()``."""
    expiring = summary["expiring_certificates"]
    return {
        "processings": summary["processings"], "evaluated": summary["evaluated"],
        "by_status": dict(summary["by_status"]),
        "top_findings": [{"code": str(f["code"]), "severity": str(f["severity"]), "count": f["count"],
                          "processings": f["processings"]} for f in summary["top_findings"]],
        "expiring_certificates": {
            **{key: value for key, value in expiring.items() if key != "certificates"},
            "certificates": [
                {"id": c["id"], "supplier": c["supplier"],
                 "supplier_name": None if c["supplier_name"] is None else str(c["supplier_name"]),
                 "kind": str(c["kind"]), "certificate_number": str(c["certificate_number"]),
                 "expires_on": iso_date(c["expires_on"]), "days_left": c["days_left"]}
                for c in expiring["certificates"]
            ],
        },
    }


def _conformity_fields():
    """``ConformityResultSerializer``'s fields as row columns and how each is formatted; None when
    the serializer declares a field of its own besides the findings (its answer is then built by
    the serializer)."""
    if set(ConformityResultSerializer._declared_fields) - {"findings"}:
        return None
    columns = []
    for name in ConformityResultSerializer.Meta.fields:
        field = ConformityResult._meta.get_field(name)
        column = field.attname
        if name == "findings":
            columns.append((name, column, findings_body))
        elif field.get_internal_type() == "DateTimeField":
            columns.append((name, column, iso_datetime))
        elif field.get_internal_type() == "DateField":
            columns.append((name, column, iso_date))
        elif field.get_internal_type() in ("CharField", "TextField"):
            columns.append((name, column, str))
        elif field.is_relation or field.get_internal_type() in ("IntegerField", "BigIntegerField",
                                                                "PositiveIntegerField", "BigAutoField"):
            columns.append((name, column, None))
        else:
            return None
    return tuple(columns)


_CONFORMITY_COLUMNS: list = []


def conformity_body(processing_id: int) -> dict | None:
    """``ConformityResultSerializer`` for the stored result of a processing, or None when there
    is none (or when the serializer has fields this builder does not know: the caller then uses
    the serializer)."""
    if not _CONFORMITY_COLUMNS:
        _CONFORMITY_COLUMNS.append(_conformity_fields())
    columns = _CONFORMITY_COLUMNS[0]
    if columns is None:
        return None
    row = selectors.conformity_result_row(processing_id, tuple(column for _name, column, _f in columns))
    if row is None:
        return None
    return {name: (row[column] if formatter is None or row[column] is None else formatter(row[column]))
            for name, column, formatter in columns}
