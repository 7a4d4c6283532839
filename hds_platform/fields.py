"""Model fields shared by the apps."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Lookup
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

ACTIVITY_NUMBERS = range(1, 7)


def activities_to_mask(activities: Iterable[int]) -> int:
    mask = 0
    for number in activities:
        number = int(number)
        if number not in ACTIVITY_NUMBERS:
            raise ValidationError(_("Activité HDS inconnue : %(n)s (1 à 6)."), code="invalid_activity",
                                  params={"n": number})
        mask |= 1 << number
    return mask


def mask_to_activities(mask: int) -> frozenset[int]:
    return frozenset(n for n in ACTIVITY_NUMBERS if mask & (1 << n))


class ActivitySetField(models.PositiveSmallIntegerField):
    """A subset of the six HDS activities, stored as a bit mask (bit n = activity n).

    Python sees a ``frozenset[int]``. Query with ``activities__has=5`` (performs
    activity 5) or ``activities__covers=[1, 2]`` (performs at least 1 and 2).
    """

    description = "Set of HDS activities (1–6)"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", 0)
        super().__init__(*args, **kwargs)

    @cached_property
    def validators(self):
        # The parent's integer range validators would compare a frozenset with numbers;
        # validate() checks the set itself.
        return list(self._validators)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("default") == 0:
            del kwargs["default"]
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return None if value is None else mask_to_activities(value)

    def to_python(self, value):
        if value is None or isinstance(value, frozenset):
            return value
        if isinstance(value, int):
            return mask_to_activities(value)
        return frozenset(int(v) for v in value)

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, int):
            return value
        return activities_to_mask(value)

    def validate(self, value, model_instance):
        activities_to_mask(value or ())
        if not self.blank and not value:
            raise ValidationError(_("Choisissez au moins une activité."), code="no_activity")

    def value_to_string(self, obj):
        return ",".join(str(n) for n in sorted(self.value_from_object(obj) or ()))


@ActivitySetField.register_lookup
class HasActivity(Lookup):
    lookup_name = "has"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [1 << int(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"({lhs} & {rhs}) <> 0", [*lhs_params, *rhs_params]


@ActivitySetField.register_lookup
class CoversActivities(Lookup):
    lookup_name = "covers"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [activities_to_mask(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"({lhs} & {rhs}) = {rhs}", [*lhs_params, *rhs_params, *rhs_params]
