"""List pagination: cursors (keyset), with page numbers kept as a deprecated mode.

Every list answers ``{"count", "next", "previous", "results"}``. By default ``next`` and
``previous`` are URLs carrying an opaque ``cursor``: the position of the last (or first) row
shown, as the values of the list's ordering columns followed by the row id, the unique
tie-breaker. The next page is "the rows after that position" (a keyset condition, not an
offset), so a row inserted or deleted while a client pages never makes a row that existed
appear twice or be skipped: a new row shows up once if it sorts after the position reached, and
not at all if it sorts before. NULL values sort last in either direction, on every database.

``?page=N`` (and ``page=last``) still works as before, with offsets: deprecated (the answer
carries ``Deprecation: true`` and a ``Link`` to the documentation); it is not stable under
inserts. ``page_size`` is 25 by default, at most 200, in both modes.

A source that is not a queryset (a :class:`hds_platform.compiled.CompiledPage` of the hot lists)
is read by count and slices: it serves the first page and page numbers, in the view's default
ordering; a request with a cursor is answered from the view's queryset instead.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date, datetime
from decimal import Decimal

from django.db.models import F, Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.filters import OrderingFilter
from rest_framework.utils.urls import remove_query_param, replace_query_param

from hds_platform.errors import ServiceError

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 200
CURSOR_PARAMETER = "cursor"
PAGE_PARAMETER = "page"
PAGE_SIZE_PARAMETER = "page_size"
PAGING_PARAMETERS = frozenset({PAGE_PARAMETER, PAGE_SIZE_PARAMETER})
DEPRECATION_LINK = '</api/docs/#pagination>; rel="deprecation"'


def only_paging(request, *also: str) -> bool:
    """Whether the list is asked for with no filter, ordering or cursor (only a page size or a page
    number, and ``also``): the case the hot lists answer from their compiled page."""
    return set(request.query_params) <= PAGING_PARAMETERS | set(also)


class InvalidCursor(ServiceError):
    code = "invalid_cursor"


class PageNumberPagination(pagination.PageNumberPagination):
    """The deprecated mode (``?page=N``), unchanged."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = PAGE_SIZE_PARAMETER
    max_page_size = MAX_PAGE_SIZE


def _encode_value(value):
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _decode_value(value):
    if isinstance(value, dict):
        if "dt" in value and (parsed := parse_datetime(str(value["dt"]))) is not None:
            return parsed
        if "d" in value and (parsed := parse_date(str(value["d"]))) is not None:
            return parsed
        if "n" in value:
            return Decimal(str(value["n"]))
        raise ValueError("unknown cursor value")
    if isinstance(value, list):
        raise ValueError("unknown cursor value")
    return value


def encode_cursor(ordering: list[str], values: list, *, backwards: bool = False) -> str:
    raw = json.dumps({"o": ordering, "v": [_encode_value(v) for v in values], "b": backwards},
                     separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, ordering: list[str]) -> tuple[list, bool]:
    """The position and direction held by ``token``; :class:`InvalidCursor` when it is not one of
    ours or was made for another ordering."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(raw, dict) or raw.get("o") != ordering or not isinstance(raw.get("v"), list):
            raise ValueError("not a cursor of this list")
        values = [_decode_value(value) for value in raw["v"]]
        if len(values) != len(ordering):
            raise ValueError("wrong length")
        return values, bool(raw.get("b"))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor(
            _("Ce curseur n'est pas valide pour cette liste (il a pu être fait pour un autre tri) : "
              "reprenez depuis la première page."), field=CURSOR_PARAMETER) from None


def _keyset(ordering: list[str], values: list, *, after: bool) -> Q:
    """Rows strictly after (or before) ``values`` in ``ordering``, NULLs sorting last."""
    name = ordering[0].lstrip("-")
    descending = ordering[0].startswith("-")
    value = values[0]
    last = len(ordering) == 1
    greater = (after and not descending) or (not after and descending)
    beyond = Q(**{f"{name}__{'gt' if greater else 'lt'}": value}) if value is not None else None
    if after:
        # After a value: the greater ones, then the NULLs; after a NULL: only further NULLs.
        if value is None:
            return Q(pk__in=[]) if last else Q(**{f"{name}__isnull": True}) & _keyset(ordering[1:], values[1:],
                                                                                   after=True)
        condition = beyond if name == "pk" else beyond | Q(**{f"{name}__isnull": True})
    else:
        # Before a NULL: every non-NULL, then the NULLs before it; before a value: the smaller ones.
        if value is None:
            condition = Q(**{f"{name}__isnull": False})
            if not last:
                condition |= Q(**{f"{name}__isnull": True}) & _keyset(ordering[1:], values[1:], after=False)
            return condition
        condition = beyond
    if not last:
        condition |= Q(**{name: value}) & _keyset(ordering[1:], values[1:], after=after)
    return condition


def _order_expressions(ordering: list[str], *, reverse: bool = False) -> list:
    expressions = []
    for field in ordering:
        descending = field.startswith("-") != reverse
        expression = F(field.lstrip("-"))
        # NULLs last in the list's direction, hence first when read backwards.
        nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
        expressions.append(expression.desc(**nulls) if descending else expression.asc(**nulls))
    return expressions


def _value_of(row, field: str):
    name = field.lstrip("-")
    if isinstance(row, dict):
        return row["id" if name == "pk" else name]
    value = row
    for part in name.split("__"):
        value = getattr(value, part)
        if value is None:
            return None
    return value


class CursorPagination(pagination.BasePagination):
    """Cursor pagination with the page-number body; see the module docstring."""

    page_size = DEFAULT_PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.legacy = None
        if PAGE_PARAMETER in request.query_params:
            self.legacy = PageNumberPagination()
            return self.legacy.paginate_queryset(queryset, request, view)
        self.page_size = self.get_page_size(request)
        self.ordering = self.get_ordering(request, queryset, view)
        token = request.query_params.get(CURSOR_PARAMETER)
        position, backwards = decode_cursor(token, self.ordering) if token else (None, False)
        self.count = queryset.count()
        if position is None:
            rows = self._first_rows(queryset)
            self.has_previous, self.has_next = False, len(rows) > self.page_size
            rows = rows[:self.page_size]
        else:
            if not isinstance(queryset, QuerySet):
                raise TypeError("a cursor page is read from a queryset")
            chosen = queryset.filter(_keyset(self.ordering, position, after=not backwards))
            rows = list(chosen.order_by(*_order_expressions(self.ordering, reverse=backwards))[:self.page_size + 1])
            more = len(rows) > self.page_size
            rows = rows[:self.page_size]
            if backwards:
                rows.reverse()
                self.has_previous, self.has_next = more, True
            else:
                self.has_previous, self.has_next = True, more
        self.rows = rows
        return rows

    def _first_rows(self, source) -> list:
        if isinstance(source, QuerySet):
            source = source.order_by(*_order_expressions(self.ordering))
        return list(source[:self.page_size + 1])

    def get_page_size(self, request) -> int:
        return PageNumberPagination().get_page_size(request) or self.page_size

    def get_ordering(self, request, queryset, view) -> list[str]:
        """The list's ordering (the ``ordering`` parameter or the view's default), ended by the id."""
        ordering = None
        if view is not None:
            for backend in getattr(view, "filter_backends", ()):
                if isinstance(backend, type) and issubclass(backend, OrderingFilter):
                    ordering = backend().get_ordering(request, queryset, view)
                    break
            if not ordering:
                ordering = getattr(view, "ordering", None)
        if not ordering and isinstance(queryset, QuerySet):
            ordering = [field for field in queryset.query.order_by if isinstance(field, str)]
        ordering = [field for field in (ordering or []) if isinstance(field, str)]
        ordering = ["pk" if field == "id" else "-pk" if field == "-id" else field for field in ordering]
        if not any(field.lstrip("-") == "pk" for field in ordering):
            descending = bool(ordering) and ordering[-1].startswith("-")
            ordering.append("-pk" if descending else "pk")
        return ordering[:ordering.index(next(f for f in ordering if f.lstrip("-") == "pk")) + 1]

    def _link(self, row, *, backwards: bool) -> str:
        url = self.request.build_absolute_uri()
        url = remove_query_param(url, PAGE_PARAMETER)
        values = [_value_of(row, field) for field in self.ordering]
        return replace_query_param(url, CURSOR_PARAMETER, encode_cursor(self.ordering, values, backwards=backwards))

    def get_next_link(self):
        return self._link(self.rows[-1], backwards=False) if self.has_next and self.rows else None

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.rows:
            return remove_query_param(self.request.build_absolute_uri(), CURSOR_PARAMETER)
        return self._link(self.rows[0], backwards=True)

    def get_paginated_response(self, data):
        if self.legacy is not None:
            response = self.legacy.get_paginated_response(data)
            response["Deprecation"] = "true"
            response["Link"] = DEPRECATION_LINK
            return response
        return pagination.Response({"count": self.count, "next": self.get_next_link(),
                                    "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return PageNumberPagination().get_paginated_response_schema(schema)

    def get_schema_operation_parameters(self, view):
        return [
            {"name": CURSOR_PARAMETER, "required": False, "in": "query",
             "description": "Opaque position from a previous answer's next or previous URL.",
             "schema": {"type": "string"}},
            {"name": PAGE_SIZE_PARAMETER, "required": False, "in": "query",
             "description": f"Rows per page: {DEFAULT_PAGE_SIZE} by default, at most {MAX_PAGE_SIZE}.",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}},
            {"name": PAGE_PARAMETER, "required": False, "in": "query", "deprecated": True,
             "description": "Deprecated: a page number (offset paging, not stable under inserts). "
                            "Follow the cursor URLs in next/previous instead.",
             "schema": {"type": "integer", "minimum": 1}},
        ]
