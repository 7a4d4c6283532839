from rest_framework import serializers


class TenantPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id field that only accepts rows of the current organisation.

    The queryset is read through the model's scoped manager at validation
    time, so an id of another organisation is "does not exist", never a link.
    """

    def __init__(self, model=None, **kwargs):
        self.model = model
        if not kwargs.get("read_only"):
            kwargs["queryset"] = model.all_organisations.none() if model is not None else None
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.all()


class OptionalChoiceField(serializers.ChoiceField):
    """A choice that may be absent: stored as ``""`` in its column, ``null`` in the API.

    The schema's enum then holds only real values (no ``""`` that a generated client would have to
    name), and "absent" is the ``null`` every client understands. ``""`` is still accepted on input,
    as before, and means the same as ``null``."""

    def __init__(self, *, choices, **kwargs):
        kwargs["allow_null"] = True
        kwargs.pop("allow_blank", None)
        super().__init__(choices=[(value, label) for value, label in choices if value != ""], **kwargs)

    def run_validation(self, data=serializers.empty):
        if data is None or data == "":
            return ""
        return super().run_validation(data)

    def to_representation(self, value):
        if value in ("", None):
            return None
        return super().to_representation(value)
