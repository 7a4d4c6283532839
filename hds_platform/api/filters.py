"""Strict numeric filters: a value out of range is a 400 with a field error, never a 500.

django-filter's ``NumberFilter`` accepts any decimal, which then overflows a ``timedelta`` or
SQLite's 64-bit integers deep inside the query. These filters parse an integer and check its
bounds in the form, so a bad value answers ``{"code": "invalid", "errors": {field: [{"code":
"max_value"|"min_value"|"invalid", …}]}}``.
"""

import django_filters
from django import forms

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
