import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from registry.models import CertifiedHost
from registry.selectors import search_hosts

_LISTED = {"true": True, "false": False, "all": None}


@extend_schema_field({
    "type": "string", "enum": list(_LISTED), "default": "true",
    "description": "true (default): hosts of the current list; false: hosts removed from it; all: both.",
})
class ListedFilter(django_filters.ChoiceFilter):
    """Not a boolean: "all" is a third value."""


class HostFilter(django_filters.FilterSet):
    """Validates and documents the search parameters; the search itself is ``selectors.search_hosts``."""

    q = django_filters.CharFilter(
        help_text=_("Part of the host's name; accents, case and legal forms (SAS, SARL…) do not matter.")
    )
    certificate_number = django_filters.CharFilter(
        help_text=_("A certificate number, current or past; spaces and separators do not matter.")
    )
    activity = django_filters.TypedMultipleChoiceFilter(
        choices=[(number, str(number)) for number in range(1, 7)], coerce=int,
        help_text=_("HDS activity 1–6 under a current certificate; repeat to require several."),
    )
    certifier = django_filters.CharFilter(help_text=_("Part of the certifying body's name, case-insensitive."))
    listed = ListedFilter(
        choices=[(value, value) for value in _LISTED], empty_label=None,
        help_text=_("true (default): hosts of the current list; false: hosts removed from it; all: both."),
    )

    class Meta:
        model = CertifiedHost
        fields = []

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        return search_hosts(
            hosts=queryset,
            q=data.get("q") or "",
            certificate_number=data.get("certificate_number") or "",
            activities=data.get("activity") or (),
            certifier=data.get("certifier") or "",
            listed=_LISTED[data.get("listed") or "true"],
        )
