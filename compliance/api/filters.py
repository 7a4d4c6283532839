"""django-filter FilterSets of the compliance API. Relations are filtered by id on the
organisation's own queryset, so no filter can reach another organisation's rows."""

from datetime import timedelta

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compliance.models import (
    Certificate,
    CertificateKind,
    CertificateSource,
    CertificateStatus,
    ChainLink,
    ConformityStatus,
    Evidence,
    EvidenceKind,
    HostingMode,
    Identifiability,
    Processing,
    ProcessingRole,
    RegistryMatchStatus,
    Supplier,
)
from hds_platform.api.filters import BoundedIntegerFilter, IdFilter

EXTERNAL_ID_HELP = _("The row with this external_id (exact match).")


def external_id_filter():
    return django_filters.CharFilter(field_name="external_id", help_text=EXTERNAL_ID_HELP)


class SupplierFilter(django_filters.FilterSet):
    external_id = external_id_filter()
    name = django_filters.CharFilter(lookup_expr="icontains", help_text=_("Part of the name."))
    siren = django_filters.CharFilter()
    country = django_filters.CharFilter(help_text=_("ISO 3166-1 alpha-2."))
    registry_match = django_filters.ChoiceFilter(field_name="registry_match_status",
                                                 choices=RegistryMatchStatus.choices)

    class Meta:
        model = Supplier
        fields = ["external_id", "name", "siren", "country", "registry_match"]


class CertificateFilter(django_filters.FilterSet):
    supplier = IdFilter(field_name="supplier_id")
    own = django_filters.BooleanFilter(field_name="supplier", lookup_expr="isnull",
                                       help_text=_("true: the organisation's own certificates only."))
    kind = django_filters.ChoiceFilter(choices=CertificateKind.choices)
    status = django_filters.ChoiceFilter(choices=CertificateStatus.choices)
    source = django_filters.ChoiceFilter(choices=CertificateSource.choices)
    activity = django_filters.TypedChoiceFilter(
        field_name="activities", lookup_expr="has", coerce=int, choices=[(n, str(n)) for n in range(1, 7)],
        help_text=_("Certificates covering this activity (1 to 6)."),
    )
    expires_before = django_filters.DateFilter(field_name="expires_on", lookup_expr="lte")
    expires_after = django_filters.DateFilter(field_name="expires_on", lookup_expr="gte")

    class Meta:
        model = Certificate
        fields = ["supplier", "own", "kind", "status", "source", "activity", "expires_before", "expires_after"]


class ProcessingFilter(django_filters.FilterSet):
    external_id = external_id_filter()
    name = django_filters.CharFilter(lookup_expr="icontains")
    health_data = django_filters.BooleanFilter()
    identifiability = django_filters.ChoiceFilter(choices=Identifiability.choices)
    hosting_mode = django_filters.ChoiceFilter(choices=[c for c in HostingMode.choices if c[0]])
    role = django_filters.ChoiceFilter(choices=ProcessingRole.choices)
    conformity_status = django_filters.ChoiceFilter(choices=ConformityStatus.choices)
    hosting_status = django_filters.ChoiceFilter(choices=ConformityStatus.choices)
    register_status = django_filters.ChoiceFilter(choices=ConformityStatus.choices)
    supplier = IdFilter(field_name="links__supplier_id", distinct=True,
                                           help_text=_("Processings whose chain includes this supplier."))

    class Meta:
        model = Processing
        fields = ["external_id", "name", "health_data", "identifiability", "hosting_mode", "role", "conformity_status",
                  "hosting_status", "register_status", "supplier"]


class ChainLinkFilter(django_filters.FilterSet):
    external_id = external_id_filter()

    class Meta:
        model = ChainLink
        fields = ["external_id"]


#: Ten years: further than any document's validity, well inside what a date can hold.
EXPIRES_WITHIN_MAX_DAYS = 3660


class EvidenceFilter(django_filters.FilterSet):
    external_id = external_id_filter()
    kind = django_filters.ChoiceFilter(choices=EvidenceKind.choices)
    supplier = IdFilter(field_name="supplier_id")
    processing = IdFilter(field_name="processing_id")
    certificate = IdFilter(field_name="certificate_id")
    current = django_filters.BooleanFilter(field_name="superseded_by", lookup_expr="isnull",
                                           help_text=_("true: current versions only."))
    valid_until_before = django_filters.DateFilter(field_name="valid_until", lookup_expr="lte")
    valid_until_after = django_filters.DateFilter(field_name="valid_until", lookup_expr="gte")
    expires_within_days = BoundedIntegerFilter(
        method="filter_expires_within_days", min_value=0, max_value=EXPIRES_WITHIN_MAX_DAYS,
        help_text=_("Documents whose validity ends between today and today + N days."),
    )

    class Meta:
        model = Evidence
        fields = ["external_id", "kind", "supplier", "processing", "certificate", "current", "valid_until_before",
                  "valid_until_after", "expires_within_days"]

    def filter_expires_within_days(self, queryset, name, value):
        today = timezone.localdate()
        return queryset.filter(valid_until__gte=today, valid_until__lte=today + timedelta(days=int(value)))
