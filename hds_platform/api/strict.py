"""Strict writes: a body naming a field the endpoint does not know is refused, never half-read.

Every serializer of the API inherits :class:`StrictSerializer` or :class:`StrictModelSerializer`
(``tests/hds_platform/test_strict_writes.py`` fails on one that does not). A key the serializer
does not declare answers 400 ``unknown_fields``, each unknown key listed under ``errors`` with the
code ``unknown_field`` (nested objects too: ``transfers.0.contry``)::

    {"code": "unknown_fields", "message": "Unknown fields: contry",
     "errors": {"contry": [{"code": "unknown_field", "message": "Unknown field."}]}}

A read-only field sent back (``id``, ``created_at``, ``registry_match``…) is accepted and ignored:
integrators often send back what they read.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from hds_platform.api.exceptions import UNKNOWN_FIELD

#: Keys a browser's form adds to a body (the browsable API's forms): not fields.
FORM_KEYS = frozenset({"csrfmiddlewaretoken"})


class StrictFieldsMixin:
    """Refuses keys the serializer does not declare (read-only ones are declared: ignored)."""

    unknown_field_message = _("Champ inconnu.")

    def to_internal_value(self, data):
        if isinstance(data, Mapping) or hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields) - FORM_KEYS)
            if unknown:
                raise serializers.ValidationError(
                    {name: [ErrorDetail(str(self.unknown_field_message), code=UNKNOWN_FIELD)] for name in unknown})
        return super().to_internal_value(data)


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    pass
