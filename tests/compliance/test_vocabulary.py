"""One vocabulary: the models' choices are the conformity engine's enums, every value labelled in
French and English."""

import gettext
from enum import StrEnum
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from compliance import conformity
from compliance.models import (
    STATUS_LABELS,
    AlertSeverity,
    CertificateKind,
    CertificateSource,
    CertificateStatus,
    ConformityStatus,
    ContractClause,
    ExemptionReason,
    HostingMode,
    Identifiability,
    ProcessingRole,
    ProviderShare,
    RegistryMatchStatus,
    RemoteAccessBasis,
)
from compliance.models.choices import engine_choices
from hds_platform.models import OrganisationKind

ENGLISH_CATALOGUE = Path(__file__).resolve().parents[2] / "hds_platform" / "locale" / "en" / "LC_MESSAGES" / "django.mo"

# (model choices, engine enum, (name, value) the database knows before the engine's, and after)
PAIRS = [
    (ConformityStatus, conformity.Status, [], []),
    (AlertSeverity, conformity.Severity, [], []),
    (CertificateKind, conformity.CertificateKind, [], []),
    (CertificateStatus, conformity.CertificateStatus, [], []),
    (CertificateSource, conformity.CertificateSource, [], []),
    (Identifiability, conformity.Identifiability, [], []),
    (HostingMode, conformity.HostingMode, [("UNKNOWN", "")], []),
    (ProcessingRole, conformity.Role, [], []),
    (RegistryMatchStatus, conformity.RegistryMatch, [], [("REJECTED", "rejected")]),
    (RemoteAccessBasis, conformity.TransferBasis, [], []),
    (ContractClause, conformity.ContractClause, [], []),
    (ExemptionReason, conformity.ExemptionReason, [("NONE", "")], []),
    (ProviderShare, conformity.ProviderShare, [], []),
    # The platform's table of organisations cannot import compliance: its choices are written out
    # there, and held to the engine's here.
    (OrganisationKind, conformity.OrganisationKind, [], []),
]

# Stored in the database and sent by the API: these values never change.
STORED_VALUES = {
    ConformityStatus: ["not_applicable", "compliant", "non_compliant", "incomplete"],
    AlertSeverity: ["error", "warning", "info"],
    CertificateKind: ["hds", "iso27001"],
    CertificateStatus: ["valid", "suspended", "withdrawn"],
    CertificateSource: ["registry", "document", "manual", "provider"],
    Identifiability: ["identified", "pseudonymised", "anonymised"],
    HostingMode: ["", "self_hosted", "outsourced"],
    ProcessingRole: ["controller", "processor"],
    RegistryMatchStatus: ["none", "suggested", "confirmed", "rejected"],
    RemoteAccessBasis: ["adequacy", "safeguards", ""],
    ContractClause: [
        "certificate_scope_dates", "services", "hosting_locations", "data_subject_rights_breach", "incident_contact",
        "service_levels", "subcontractors", "access_rules", "changes", "host_failure", "no_other_use",
        "reversibility_restitution", "reversibility_destruction", "reversibility_formats",
    ],
    ExemptionReason: ["", "archiving_approved", "short_term_processing", "covered_by_parent_audit"],
    ProviderShare: ["", "active", "ended"],
    OrganisationKind: ["health_professional", "health_establishment", "software_editor", "hosting_provider", "other"],
}


def pair_id(value):
    return value.__name__ if isinstance(value, type) else None


@pytest.mark.parametrize(("choices", "engine", "before", "after"), PAIRS, ids=pair_id)
def test_model_choices_are_the_engine_enum_in_its_order(choices, engine, before, after):
    expected = [*before, *((member.name, member.value) for member in engine), *after]
    assert list(zip(choices.names, choices.values, strict=True)) == expected


def test_every_enum_the_engine_exports_has_model_choices():
    exported = [getattr(conformity, name) for name in conformity.__all__]
    enums = {value for value in exported if isinstance(value, type) and issubclass(value, StrEnum)}
    assert {engine for _choices, engine, _before, _after in PAIRS} == enums
    assert len(enums) == 14
    assert list(STORED_VALUES) == [choices for choices, _engine, _before, _after in PAIRS]


@pytest.mark.parametrize(("choices", "values"), STORED_VALUES.items(), ids=pair_id)
def test_stored_values_never_change(choices, values):
    assert choices.values == values


class _Missing(gettext.NullTranslations):
    def gettext(self, message):
        return None


@pytest.fixture(scope="module")
def english():
    with ENGLISH_CATALOGUE.open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    catalogue.add_fallback(_Missing())
    return catalogue


def labels_in_both_languages(labels, english) -> list[tuple[str, str, str]]:
    """``(value, French, English)`` for each label; English None when the catalogue lacks it."""
    rows = []
    for value, label in labels:
        with translation.override("fr"):
            french = str(label)
        rows.append((value, french, english.gettext(french)))
    return rows


@pytest.mark.parametrize("choices", list(STORED_VALUES), ids=pair_id)
def test_every_value_has_a_french_and_an_english_label(choices, english):
    rows = labels_in_both_languages(choices.choices, english)
    assert [value for value, _french, _english in rows] == STORED_VALUES[choices]
    for value, french, in_english in rows:
        assert french.strip() and french != value, value
        assert in_english is not None and in_english.strip(), french
        with translation.override("en"):
            assert str(choices(value).label) == in_english


def test_status_labels_cover_every_status_and_not_evaluated(english):
    assert labels_in_both_languages(STATUS_LABELS.items(), english) == [
        ("not_applicable", "Non concerné", "Not applicable"),
        ("compliant", "Conforme", "Compliant"),
        ("non_compliant", "Non conforme", "Non-compliant"),
        ("incomplete", "Incomplet", "Incomplete"),
        ("", "Non évalué", "Not evaluated"),
    ]


def test_choices_refuse_an_engine_value_without_a_label():
    with pytest.raises(ValueError, match="Role: one label for each Role member"):
        engine_choices("Role", conformity.Role, {conformity.Role.CONTROLLER: _("Responsable de traitement")})
    with pytest.raises(ValueError, match="one label for each Role member"):
        engine_choices("Role", conformity.Role, {**dict.fromkeys(conformity.Role, _("x")), "other": _("y")})
