"""Querysets turned into SQL once per process, for the hottest reads.

Django compiles a queryset to SQL each time it is evaluated; for a page of suppliers with its
annotations that costs a few hundred microseconds per query, more than the database takes to
answer. A :class:`CompiledQuery` builds its ``values()`` queryset once per database, with
placeholder values, keeps the SQL and where the placeholders sit among its parameters, and then
runs it with each call's values, converting the rows as the queryset would (same converters,
same keys).

Tenant reads stay scoped: the queryset is built through the scoped managers while a placeholder
organisation is current (:func:`hds_platform.tenancy.compiling_for_organisation`), so its tenant
filters carry a placeholder that each call binds to the current organisation; a call with no
organisation raises :class:`~hds_platform.tenancy.NoOrganisationContext`, as the managers do, and
row-level security applies to the SQL like to any other. Only plain comparisons take placeholders
(``field=value``, ``field__lte=value``): a lookup that rewrites its value (``icontains``) cannot,
and compiling refuses a placeholder that does not reach the parameters unchanged, except
``field__contains=value`` (bound as Django binds it) and ``field__in=[value]``, bound to a list
(an empty list means no rows, so such a condition must be one of the WHERE clause's conjuncts).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connections
from django.db.models import QuerySet

from hds_platform.tenancy import compiling_for_organisation, require_organisation

ORGANISATION = "organisation"
_numbers = itertools.count(1)


@dataclass(frozen=True)
class _ListOf:
    item: object


def _placeholder(kind) -> object:
    """A value no real call passes, recognisable among the compiled parameters."""
    if isinstance(kind, list):
        return _ListOf(_placeholder(kind[0]))
    n = next(_numbers)
    if kind is int:
        return -7_310_000_000 - n
    if kind is date:
        return date(1000, 1, 1) + timedelta(days=n)
    if kind is str:
        return f"\x1fplaceholder {n}\x1f"
    raise TypeError(f"no placeholder for {kind!r}")


_MARKER = re.compile(r"%%|%s")


@dataclass(frozen=True)
class _Statement:
    sql: str
    slots: tuple  # per parameter: (name, how) for a placeholder ("", "text", "contains", "list"), else (None, value)

    def bind(self, values: dict, connection) -> tuple[str, list] | None:
        """The SQL and its parameters for ``values``; None when a list is empty (no rows)."""
        params: list = []
        widths: list[int] = []
        for name, how in self.slots:
            if name is None:
                params.append(how)
                widths.append(1)
                continue
            value = values[name]
            if how == "list":
                if not value:
                    return None
                params.extend(value)
                widths.append(len(value))
                continue
            if how == "text" and value is not None:
                value = value.isoformat()
            elif how == "contains":
                value = f"%{connection.ops.prep_for_like_query(value)}%"
            params.append(value)
            widths.append(1)
        if all(width == 1 for width in widths):
            return self.sql, params
        markers = iter(widths)

        def widen(match):
            return match.group(0) if match.group(0) == "%%" else ", ".join(["%s"] * next(markers))

        return _MARKER.sub(widen, self.sql), params


@dataclass(frozen=True)
class _Compiled:
    rows: _Statement
    count: _Statement
    names: tuple[str, ...]
    converters: tuple  # (index, functions, expression)


def _slot(value, placeholders: dict, connection) -> tuple:
    for name, placeholder in placeholders.items():
        if type(value) is type(placeholder) and value == placeholder:
            return (name, "")
        if isinstance(placeholder, date) and value == placeholder.isoformat():
            return (name, "text")  # a backend that passes dates as text (SQLite)
        if isinstance(placeholder, str) and value == f"%{connection.ops.prep_for_like_query(placeholder)}%":
            return (name, "contains")
        if isinstance(placeholder, _ListOf) and value == placeholder.item:
            return (name, "list")
    return (None, value)


def _statement(sql: str, params, placeholders: dict, connection, required) -> _Statement:
    slots = [_slot(value, placeholders, connection) for value in params]
    found = {name for name, _detail in slots if name is not None}
    missing = set(required) - found
    if missing:
        raise ValueError(f"these values do not reach the SQL unchanged: {sorted(missing)}")
    return _Statement(sql, tuple(slots))


class CompiledQuery:
    """``build(**values)`` returns a ``values()`` queryset of tenant or global rows; ``params``
    names its placeholders with their types (``int``, ``str``, ``date``, or ``[int]`` for a list
    given to ``__in``). ``count(**values)``, when given, builds the queryset counted instead
    (the same rows, without what only the page needs). A tenant query gets the organisation
    as a placeholder of its own;
    ``tenant=False`` is for global tables only, and compiling refuses one that reads tenant rows."""

    def __init__(self, build: Callable[..., QuerySet], *, tenant: bool = True,
                 count: Callable[..., QuerySet] | None = None, **params):
        self._build = build
        self._count = count or build
        self._tenant = tenant
        self._params = params
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def _compile(self, using: str) -> _Compiled:
        connection = connections[using]
        placeholders = {name: _placeholder(kind) for name, kind in self._params.items()}
        organisation = _placeholder(int)
        with compiling_for_organisation(organisation):
            queryset = self._build(**{name: [value.item] if isinstance(value, _ListOf) else value
                                      for name, value in placeholders.items()})
            compiler = queryset.query.get_compiler(using)
            sql, params = compiler.as_sql()
            counted = self._count(**{name: [value.item] if isinstance(value, _ListOf) else value
                                     for name, value in placeholders.items()})
            pk_sql, pk_params = counted.values("pk").order_by().query.get_compiler(using).as_sql()
        if self._tenant:
            placeholders[ORGANISATION] = organisation
        elif organisation in params:
            raise ValueError("a query of global rows reads tenant rows: compile it as a tenant query")
        query = queryset.query
        if query.selected:
            names = tuple(query.selected)
        else:
            names = (*query.extra_select, *query.values_select, *query.annotation_select)
        fields = [column[0] for column in compiler.select[:compiler.col_count]]
        converters = tuple((index, tuple(functions), expression)
                           for index, (functions, expression) in compiler.get_converters(fields).items())
        return _Compiled(
            rows=_statement(sql, params, placeholders, connection, required=placeholders),
            count=_statement(f"SELECT COUNT(*) FROM ({pk_sql}) counted", pk_params, placeholders,  # noqa: S608
                             connection, required=[ORGANISATION] if self._tenant else []),
            names=names, converters=converters,
        )

    def _prepared(self, using: str, values: dict) -> tuple[_Compiled, dict]:
        connection = connections[using]
        key = (using, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(using)
        if self._tenant:
            values = {**values, ORGANISATION: require_organisation().pk}
        return compiled, values

    def rows(self, *, using: str = "default", limit: int | None = None, offset: int = 0, **values) -> list[dict]:
        """The rows for ``values``, as the ``values()`` queryset would yield them."""
        compiled, values = self._prepared(using, values)
        connection = connections[using]
        bound = compiled.rows.bind(values, connection)
        if bound is None:
            return []
        sql, params = bound
        if limit is not None:
            sql, params = f"{sql} LIMIT %s OFFSET %s", [*params, limit, offset]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        names, converters = compiled.names, compiled.converters
        result = []
        for row in fetched:
            if converters:
                row = list(row)
                for index, functions, expression in converters:
                    value = row[index]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[index] = value
            result.append(dict(zip(names, row, strict=True)))
        return result

    def count(self, *, using: str = "default", **values) -> int:
        compiled, values = self._prepared(using, values)
        connection = connections[using]
        bound = compiled.count.bind(values, connection)
        if bound is None:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(*bound)
            return cursor.fetchone()[0]


class CompiledPage:
    """What DRF's paginator needs from a queryset (``count()`` and slicing), served by a
    :class:`CompiledQuery`: one count and one page query, each compiled once."""

    def __init__(self, query: CompiledQuery, **values):
        self._query = query
        self._values = values

    def count(self) -> int:
        return self._query.count(**self._values)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[dict]:
        if not isinstance(item, slice) or item.step is not None:
            raise TypeError("a compiled page is read by slices")
        start = item.start or 0
        return self._query.rows(limit=item.stop - start, offset=start, **self._values)
