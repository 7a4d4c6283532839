"""Search, filters and sort of the list pages (django-filter), their parameters in French as the
pages' addresses are. Each filter narrows the one query of its page: the query count stays the same
whatever the page shows."""

from __future__ import annotations

import django_filters
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from compliance.models import (
    STATUS_LABELS,
    ConformityStatus,
    Evidence,
    EvidenceKind,
    HostingMode,
    Processing,
    RegistryMatchStatus,
    Supplier,
)

NOT_EVALUATED = "non_evalue"


def _ordering(*fields: tuple[str, str], labels: tuple, empty_label) -> django_filters.OrderingFilter:
    """Sort by ``fields`` (model field, parameter), each ascending or descending, its ``labels``
    worded when the form is shown (in the page's language), not once at import."""
    def choices():
        return [choice for (_field, param), label in zip(fields, labels, strict=True) for choice in (
            (param, label), (f"-{param}", _("%(label)s, décroissant") % {"label": label}))]

    return django_filters.OrderingFilter(label=_("Trier par"), empty_label=empty_label, fields=fields,
                                         choices=choices)


def _status_choices():
    return [(status, STATUS_LABELS[status]) for status in ConformityStatus.values] + [
        (NOT_EVALUATED, STATUS_LABELS[""])]


class ProcessingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Rechercher"), method="search")
    statut = django_filters.ChoiceFilter(label=_("Conformité"), choices=_status_choices, method="by_status",
                                         empty_label=_("Tous"))
    hebergement = django_filters.ChoiceFilter(label=_("Hébergement"), field_name="hosting_mode",
                                              choices=HostingMode.choices, empty_label=_("Tous"))
    tri = _ordering(("name", "nom"), ("link_count", "maillons"), ("updated_at", "modifie"),
                    labels=(_("Nom"), _("Nombre de maillons"), _("Date de modification")), empty_label=_("Nom"))

    class Meta:
        model = Processing
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(purposes__icontains=value))

    def by_status(self, queryset, name, value):
        if value == NOT_EVALUATED:
            return queryset.filter(conformity_status__isnull=True)
        return queryset.filter(conformity_status=value)


class SupplierFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Rechercher"), method="search")
    correspondance = django_filters.ChoiceFilter(label=_("Liste ANS"), field_name="registry_match_status",
                                                 choices=RegistryMatchStatus.choices, empty_label=_("Tous"))
    certificats = django_filters.ChoiceFilter(
        label=_("Certificats"), method="by_certificates", empty_label=_("Tous"),
        choices=[("valides", _("Au moins un valide")), ("aucun", _("Aucun valide")),
                 ("echeance", _("Échéance proche"))])
    tri = _ordering(("name", "nom"), ("next_expiry", "echeance"), ("created_at", "ajoute"),
                    labels=(_("Nom"), _("Prochaine échéance"), _("Date d'ajout")), empty_label=_("Nom"))

    class Meta:
        model = Supplier
        fields: list[str] = []

    def search(self, queryset, name, value):
        compact = "".join(value.split())
        return queryset.filter(Q(name__icontains=value) | Q(siren__contains=compact) if compact else
                               Q(name__icontains=value))

    def by_certificates(self, queryset, name, value):
        return {"valides": queryset.filter(certificates_valid__gt=0),
                "aucun": queryset.filter(certificates_valid=0),
                "echeance": queryset.filter(certificates_expiring__gt=0)}[value]


class EvidenceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Rechercher"), method="search")
    type = django_filters.ChoiceFilter(label=_("Type"), field_name="kind", choices=EvidenceKind.choices,
                                       empty_label=_("Tous"))
    fournisseur = django_filters.ModelChoiceFilter(label=_("Fournisseur"), field_name="supplier",
                                                   queryset=lambda request: Supplier.objects.order_by("name", "id"),
                                                   empty_label=_("Tous"))
    tri = _ordering(("title", "titre"), ("valid_until", "validite"), ("uploaded_at", "depot"),
                    labels=(_("Titre"), _("Fin de validité"), _("Date de dépôt")), empty_label=_("Titre"))

    class Meta:
        model = Evidence
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(original_name__icontains=value)
                               | Q(supplier__name__icontains=value) | Q(processing__name__icontains=value))


def ordered(filterset: django_filters.FilterSet, default: tuple[str, ...]):
    """The filtered rows, in the chosen order then ``default`` (a stable order for equal keys)."""
    rows = filterset.qs
    chosen = filterset.form.cleaned_data.get("tri") if filterset.is_bound and filterset.form.is_valid() else None
    if not chosen:
        return rows.order_by(*default)
    keys = [F(key[1:]).desc(nulls_last=True) if key.startswith("-") else F(key).asc(nulls_last=True)
            for key in rows.query.order_by]
    return rows.order_by(*keys, *default)
