"""Values formatted exactly as DRF's serializer fields format them, for read paths that build
their JSON-ready dicts directly (``compliance.api.readers``, ``registry.api.readers``) instead of
instantiating serializers row by row. Tests compare both renderings byte for byte."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def iso_datetime(value: datetime | None) -> str | None:
    """``serializers.DateTimeField().to_representation``: in the current time zone, ISO 8601."""
    if not value:
        return None
    if timezone.is_aware(value):
        value = value.astimezone(timezone.get_current_timezone())
    else:
        value = timezone.make_aware(value, timezone.get_current_timezone())
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_date(value: date | None) -> str | None:
    """``serializers.DateField().to_representation``."""
    return value.isoformat() if value else None


def strings(values) -> list:
    """``serializers.ListField(child=serializers.CharField())``."""
    return [str(item) if item is not None else None for item in values]


def activities(value) -> list[int]:
    """A set of HDS activities: sorted integers."""
    return sorted(value or ())
