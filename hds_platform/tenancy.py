"""Tenant scoping that fails closed.

The organisation a request, a task or a command works for is held in a context
variable, entered with :func:`organisation_context` and always reset when the
block ends. Tenant-owned models inherit :class:`TenantModel`; their default
manager filters on the current organisation and raises
:class:`NoOrganisationContext` when none is set. Reading across organisations
is explicit and greppable: ``Model.all_organisations``.

On PostgreSQL the context also sets ``app.organisation_id`` with
``set_config(..., true)`` inside the transaction it opens, which row-level
security policies read (:mod:`hds_platform.rls`). The setting is local to that
transaction: it ends with it, or is cleared when the block ends inside a longer
transaction, so it never outlives the context.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import connections, models, transaction

if TYPE_CHECKING:
    from hds_platform.models import Organisation

RLS_SETTING = "app.organisation_id"

_current_organisation: contextvars.ContextVar[Organisation | None] = contextvars.ContextVar(
    "maillon_organisation", default=None
)


_introspecting: contextvars.ContextVar[bool] = contextvars.ContextVar("maillon_introspecting", default=False)


class NoOrganisationContext(RuntimeError):
    """A tenant-owned table was queried with no organisation set."""


def current_organisation() -> Organisation | None:
    return _current_organisation.get()


def require_organisation() -> Organisation:
    organisation = _current_organisation.get()
    if organisation is None:
        raise NoOrganisationContext(
            "No organisation is set: tenant data can only be read inside organisation_context()."
        )
    return organisation


def set_database_organisation(organisation_id: int | None, using: str = "default") -> None:
    """Tell PostgreSQL which organisation the current transaction works for."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true)",
            [RLS_SETTING, "" if organisation_id is None else str(organisation_id)],
        )


@contextmanager
def organisation_context(organisation: Organisation, *, using: str = "default") -> Iterator[Organisation]:
    """Work for ``organisation`` inside one transaction, then reset.

    Nesting with the same organisation is allowed; switching to another one
    inside a block is refused, as it would mix two tenants in one transaction.
    """
    if organisation is None or organisation.pk is None:
        raise NoOrganisationContext("organisation_context() needs a saved organisation.")
    outer = _current_organisation.get()
    if outer is not None and outer.pk != organisation.pk:
        raise NoOrganisationContext(
            f"Already working for organisation {outer.pk}; refusing to switch to {organisation.pk}."
        )
    token = _current_organisation.set(organisation)
    connection = connections[using]
    nested = not _outermost_transaction(connection)
    try:
        with transaction.atomic(using=using):
            set_database_organisation(organisation.pk, using=using)
            yield organisation
            if nested and outer is None and not connection.needs_rollback:
                # The enclosing transaction goes on after this block: the
                # database must stop working for this organisation too. (An
                # exception rolls the savepoint back, which restores it.)
                set_database_organisation(None, using=using)
    finally:
        _current_organisation.reset(token)


def _outermost_transaction(connection) -> bool:
    """Whether an atomic block opened now ends the transaction (commit clears the setting).

    The transactions that Django's test cases wrap around each test count as
    absent, as they do for ``atomic(durable=True)``: a request in a test then
    runs the same queries as in production.
    """
    return all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


@contextmanager
def compiling_for_organisation(placeholder_pk: int) -> Iterator[None]:
    """Build (never run) querysets whose tenant filters carry ``placeholder_pk``, a value that
    :mod:`hds_platform.compiled` replaces with the current organisation at each run."""
    token = _current_organisation.set(_PlaceholderOrganisation(placeholder_pk))
    try:
        yield
    finally:
        _current_organisation.reset(token)


class _PlaceholderOrganisation:
    def __init__(self, pk: int):
        self.pk = pk


@contextmanager
def introspection() -> Iterator[None]:
    """Let code that only inspects models (OpenAPI generation) build tenant
    querysets with no organisation: they are empty, so nothing can leak."""
    token = _introspecting.set(True)
    try:
        yield
    finally:
        _introspecting.reset(token)


class TenantQuerySet(models.QuerySet):
    pass


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Default manager of tenant-owned models: the current organisation's rows only."""

    def get_queryset(self):
        if _introspecting.get() and _current_organisation.get() is None:
            return super().get_queryset().none()
        organisation = require_organisation()
        return super().get_queryset().filter(organisation_id=organisation.pk)

    def none(self):
        """An empty queryset needs no organisation (schema generation introspects it)."""
        return super().get_queryset().none()


class AllOrganisationsManager(models.Manager.from_queryset(TenantQuerySet)):
    """Rows of every organisation. Use only where crossing tenants is the point
    (platform admin, fan-out dispatchers); grep for ``all_organisations``."""


class TenantModel(models.Model):
    """Base of every tenant-owned table: a non-null organisation and scoped managers."""

    organisation = models.ForeignKey(
        "hds_platform.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
    )

    objects = TenantManager()
    all_organisations = AllOrganisationsManager()

    class Meta:
        abstract = True
        base_manager_name = "all_organisations"

    def save(self, *args, **kwargs):
        if self.organisation_id is None:
            self.organisation = require_organisation()
        super().save(*args, **kwargs)
