"""The two steps every write that takes ``**fields`` shares: refusing the fields it does not take,
and setting the others while noting what really changed for the audit log.

A service reads::

    writes.refuse_unknown_fields(fields, SUPPLIER_FIELDS)
    with transaction.atomic():
        changes = writes.assign_changes(supplier, fields)
        if not changes:
            return supplier
        supplier.full_clean()
        supplier.save()
        audit.record(..., changes=changes)

so that every write refuses an unknown field with the same error and every audit event of an
update lists its changes as ``{field: [before, after]}``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.db import models
from django.utils.translation import gettext as _

from hds_platform.audit import serialise_value
from hds_platform.errors import ServiceError
from hds_platform.fields import ActivitySetField

UNKNOWN_FIELDS = "unknown_fields"


def refuse_unknown_fields(fields: Mapping[str, object], allowed: Collection[str]) -> None:
    """Raise :class:`ServiceError` if ``fields`` names anything outside ``allowed``.

    The error has the code ``unknown_fields``, no ``field`` (it is about the request, not about
    one of its values) and the message « Champs inconnus : a, b », the unknown names in
    alphabetical order. The API answers it as ``400 {"code": "unknown_fields", "message": …}``
    and a page shows the message above its form.
    """
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ServiceError(_("Champs inconnus : %s") % ", ".join(unknown), code=UNKNOWN_FIELDS)


def assign_changes(instance: models.Model, values: Mapping[str, object]) -> dict[str, list]:
    """Set ``values`` on ``instance``; return what changed as ``{field: [before, after]}``.

    Only the fields whose value really changes are set and listed, in the order of ``values``;
    an empty result means there is nothing to save or audit. Both sides are JSON-safe, as
    :func:`hds_platform.audit.serialise_value` makes them: rows as their id, dates as ISO 8601
    strings, sets as sorted lists.

    - A relation takes a row or None and is compared by id, so the row it pointed to is not
      fetched just to be compared.
    - A set of HDS activities (:class:`~hds_platform.fields.ActivitySetField`) takes any iterable
      of activity numbers, None meaning none, and is compared as a set.

    Nothing is validated or saved: call ``full_clean()`` and ``save()`` afterwards. The instance
    is changed in place even when the caller then refuses the write, so never save it then.
    """
    changes = {}
    for name, value in values.items():
        field = instance._meta.get_field(name)
        if field.is_relation:
            before = getattr(instance, field.attname)
            after = value.pk if value is not None else None
        else:
            if isinstance(field, ActivitySetField):
                value = field.to_python(value or ())
            before, after = getattr(instance, name), value
        if before != after:
            setattr(instance, name, value)
            changes[name] = [serialise_value(before), serialise_value(after)]
    return changes
