"""JSON-ready bodies of the hot reads, built as plain dicts.

Each function returns exactly what the matching serializer of ``compliance.api.serializers``
returns for the same row (same keys, same order, same formatting), without instantiating
serializer fields per row: ``tests/compliance/test_fast_reads.py`` renders both and compares the
bytes. The serializers stay the contract (the OpenAPI schema, writes, other reads); a change to
one of them must be mirrored here, and that test says so.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone, translation
from rest_framework import serializers

from compliance import selectors
from compliance.api.serializers import (
    EXPIRING_WITHIN_HORIZON,
    ConformityResultSerializer,
    ProcessingSerializer,
    SupplierSerializer,
)
from compliance.models import RegistryMatchStatus
from compliance.models.conformity import answer_is_due
from hds_platform.api.fields import OptionalChoiceField
from hds_platform.api.plain import activities, iso_date, iso_datetime, strings

_TEXT = ("CharField", "TextField", "URLField", "EmailField", "SlugField")
_INTEGER = ("IntegerField", "BigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
            "SmallIntegerField", "AutoField", "BigAutoField")


def _nullable(formatter):
    return lambda value: None if value is None else formatter(value)


def model_field_formatter(field):
    """How a ModelSerializer formats this model field by default, or None if not one of these."""
    kind = field.get_internal_type()
    if kind in _TEXT:
        formatter = str
    elif kind == "BooleanField":
        formatter = bool
    elif kind == "DateTimeField":
        return iso_datetime
    elif kind == "DateField":
        return iso_date
    elif kind in _INTEGER or field.is_relation:
        formatter = int
    else:
        return None
    return _nullable(formatter) if field.null else formatter


_DECLARED = {
    serializers.ChoiceField: lambda value: value, serializers.DateTimeField: iso_datetime,
    serializers.DateField: iso_date, serializers.BooleanField: bool, serializers.IntegerField: int,
    serializers.CharField: str, OptionalChoiceField: lambda value: value or None,
}


def _declared_step(model, name: str, field) -> tuple | None:
    """A scalar field a serializer declares itself (a status, a date, a foreign key's id), read from
    its source."""
    formatter = _DECLARED.get(type(field))
    if formatter is None and isinstance(field, serializers.PrimaryKeyRelatedField):
        formatter = int  # one related row (many=True is a ManyRelatedField): its id, from the column
    source = field.source or name
    if formatter is None or "." in source or source == "*" or getattr(field, "format", None) not in (None, "iso-8601"):
        return None
    try:
        column = model._meta.get_field(source).attname
    except FieldDoesNotExist:
        column = source  # an annotation of the selector's queryset
    return (name, column, _nullable(formatter))


def plan(serializer_class, declared: dict) -> tuple | None:
    """(name, column, formatter) per field of a ModelSerializer: ``declared`` gives the columns and
    formatter of the structured fields it declares itself (lists, nested, method fields); its
    declared scalar fields and every other field are read from their column. None when the
    serializer has a field this cannot reproduce (its list is then built by it)."""
    model = serializer_class.Meta.model
    declared_fields = serializer_class().fields
    steps = []
    for name in serializer_class.Meta.fields:
        if name in serializer_class._declared_fields:
            step = (name, *declared[name]) if name in declared else _declared_step(model, name, declared_fields[name])
            if step is None:
                return None
            steps.append(step)
            continue
        field = model._meta.get_field(name)
        formatter = model_field_formatter(field)
        if formatter is None:
            return None
        steps.append((name, field.attname, formatter))
    return tuple(steps)


def columns_of(steps) -> tuple[str, ...]:
    return tuple(dict.fromkeys(column for _name, column, _formatter in steps if column is not None))


def body(steps, row: dict) -> dict:
    return {name: formatter(row if column is None else row[column]) for name, column, formatter in steps}


def _registry_match(row: dict) -> dict:
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
    return {
        "status": RegistryMatchStatus.NONE.value if status == RegistryMatchStatus.REJECTED else status,
        "host": host, "score": None if score is None else int(score), "method": str(row["registry_match_method"]),
        "rejected_hosts": [int(pk) for pk in row["registry_rejected_hosts"]],
    }


def _certificates_summary(row: dict) -> dict:
    next_expiry = row["next_expiry"]
    return {"valid": row["certificates_valid"], EXPIRING_WITHIN_HORIZON: row["certificates_expiring"],
            "expired_or_invalid": row["certificates_invalid"],
            "next_expiry": next_expiry.isoformat() if next_expiry else None}


def _transfers(items) -> list[dict]:
    return [{"country": str(item["country"]), "safeguard": str(item.get("safeguard", ""))} for item in items]


def _list_of(column):
    return (column, strings)


SUPPLIER_PLAN = plan(SupplierSerializer, {
    "registry_match": (None, _registry_match),
    "certificates_summary": (None, _certificates_summary),
    "non_eu_laws": _list_of("non_eu_laws"),
})
"""How ``SupplierSerializer`` formats a row of ``selectors.supplier_rows_page`` (None: by itself)."""

PROCESSING_PLAN = plan(ProcessingSerializer, {
    **{name: _list_of(name) for name in ("purposes", "data_subject_categories", "data_categories", "recipients",
                                         "controllers_served")},
    "transfers": ("transfers", _transfers),
})
"""How ``ProcessingSerializer`` formats a row of ``selectors.processing_rows_page`` (None: by itself)."""


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
        "by_status": dict(summary["by_status"]), "by_hosting_status": dict(summary["by_hosting_status"]),
        "by_register_status": dict(summary["by_register_status"]),
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


CONFORMITY_PLAN = plan(ConformityResultSerializer, {"findings": ("findings", findings_body)})
"""How ``ConformityResultSerializer`` formats a stored result (None: by itself)."""


def conformity_body(processing_id: int) -> dict | None:
    """``ConformityResultSerializer`` for the stored answer of a processing when it is today's;
    None when there is none, when it is due (the caller evaluates it again) or when the serializer
    has fields this builder does not know (the caller then uses the serializer)."""
    if CONFORMITY_PLAN is None:
        return None
    columns = tuple(dict.fromkeys((*columns_of(CONFORMITY_PLAN), "evaluated_on", "valid_until")))
    row = selectors.conformity_result_row(processing_id, columns)
    if row is None or answer_is_due(row["evaluated_on"], row["valid_until"], timezone.localdate()):
        return None
    return body(CONFORMITY_PLAN, row)
