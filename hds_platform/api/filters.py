"""Strict numeric filters: a value out of range is a 400 with a field error, never a 500.

django-filter's ``NumberFilter`` accepts any decimal, which then overflows a ``timedelta`` or
SQLite's 64-bit integers deep inside the query. These filters parse an integer and check its
bounds in the form, so a bad value answers ``{"code": "invalid", "errors": {field: [{"code":
"max_value"|"min_value"|"invalid", …}]}}``.
"""

from datetime import UTC

import django_filters
from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework.filters import BaseFilterBackend

from hds_platform.errors import ServiceError
from hds_platform.params import MAX_ID


class IdFilter(django_filters.NumberFilter):
    """A row id: an integer from 1 to the largest bigint."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class BoundedIntegerFilter(django_filters.NumberFilter):
    """An integer between ``min_value`` and ``max_value`` (both required)."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value: int, max_value: int, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)


class UpdatedSinceFilter(BaseFilterBackend):
    """``?updated_since=<ISO 8601 with offset>``: only the rows changed at or after that instant,
    on every list whose rows have ``updated_at``. A value that is not a timestamp with an offset
    answers 400 ``invalid_updated_since`` (a time without its offset is ambiguous)."""

    parameter = "updated_since"

    @staticmethod
    def _has_updated_at(model) -> bool:
        return model is not None and any(field.name == "updated_at" for field in model._meta.get_fields())

    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.get(self.parameter)
        if raw is None or not self._has_updated_at(getattr(queryset, "model", None)):
            return queryset
        return queryset.filter(updated_at__gte=parse_timestamp(raw, self.parameter))

    def get_schema_operation_parameters(self, view):
        if not self._has_updated_at(getattr(view, "model", None)):
            return []
        return [{
            "name": self.parameter, "required": False, "in": "query",
            "description": "Only rows changed at or after this instant (ISO 8601 with its offset, "
                           "e.g. 2026-12-01T09:00:00+01:00). Combine with ordering=updated_at to sync.",
            "schema": {"type": "string", "format": "date-time"},
        }]


def parse_timestamp(raw: str, parameter: str):
    """An aware datetime from ``raw``, or a 400 ``invalid_<parameter>`` naming ``parameter``."""
    try:
        value = parse_datetime(raw.strip().replace(" ", "+"))
    except ValueError:
        value = None
    if value is not None and value.tzinfo is not None:
        try:
            # In UTC: the database refuses offsets beyond ±15:59, which ISO 8601 allows.
            return value.astimezone(UTC)
        except OverflowError:  # an instant before year 1 once in UTC
            pass
    raise ServiceError(
        _("Attendu : une date et heure ISO 8601 avec son décalage horaire, par exemple "
          "2026-12-01T09:00:00+01:00."), code=f"invalid_{parameter}", field=parameter)
