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
