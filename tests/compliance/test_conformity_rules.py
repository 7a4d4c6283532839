"""Unit tests of the conformity engine, rule family by rule family, plus its catalogue and output."""

import re
import string
from dataclasses import replace
from pathlib import Path

import pytest

import compliance.conformity
from compliance.conformity import (
    ALL_CONTRACT_CLAUSES,
    CATALOGUE,
    RULE_CODES,
    SELF,
    ActorFacts,
    ContractClause,
    EvaluationInput,
    ExemptionReason,
    HostingMode,
    Identifiability,
    LinkFacts,
    RegistryMatch,
    RegistryView,
    RemoteAccess,
    Severity,
    Status,
    Transfer,
    evaluate,
)
from compliance.conformity import findings as findings_module
from compliance.conformity.rules.validity import certificate_problems, is_referential_v1

from .test_conformity_scenarios import (
    ALL_ACTIVITIES,
    BACKUP_LINK,
    DATACENTER,
    DAY,
    EDITOR,
    HOST,
    IAAS,
    MANAGED_DATABASE_LINK,
    ON,
    OPERATION_LINK,
    PROFESSIONAL,
    SCENARIOS,
    V1_DEADLINE,
    case,
    certificate,
    editor_case,
    iaas_certificate,
    iaas_link,
    link,
    processing,
    supplier,
)

FAMILIES = ("scope", "coverage", "self", "backup", "validity", "registry", "sovereignty", "evidence",
            "register")


def described(result, *codes):
    """(code, link, activity, supplier) of the result's findings with the given codes."""
    return [
        (finding.code, finding.link, finding.activity, finding.supplier)
        for finding in result.findings
        if finding.code in codes
    ]


def only(result, code):
    matching = [finding for finding in result.findings if finding.code == code]
    assert len(matching) == 1, matching
    return matching[0]


# Catalogue


@pytest.mark.parametrize("code", sorted(RULE_CODES))
def test_catalogue_entry_is_complete(code):
    spec = CATALOGUE[code]
    family, _, name = code.partition(".")

    assert spec.code == code
    assert family in FAMILIES
    assert re.fullmatch(r"[a-z][a-z0-9_]*", name)
    assert spec.message_fr.strip() and spec.message_en.strip()
    assert spec.message_fr != spec.message_en
    assert spec.legal_reference.strip()
    assert not (spec.incomplete and spec.severity is Severity.ERROR)


@pytest.mark.parametrize("code", sorted(RULE_CODES))
def test_french_and_english_templates_use_the_same_fields(code):
    spec = CATALOGUE[code]

    def fields(template):
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    assert fields(spec.message_fr) == fields(spec.message_en)


def test_catalogue_table_in_the_module_docstring_matches_the_catalogue():
    rows = {}
    for line in findings_module.__doc__.splitlines():
        match = re.match(r"^([a-z]+\.[a-z0-9_]+)\s+(error|warning|info)\s+(yes)?", line)
        if match:
            rows[match[1]] = (Severity(match[2]), match[3] == "yes")

    assert rows == {code: (spec.severity, spec.incomplete) for code, spec in CATALOGUE.items()}


def test_every_catalogue_code_is_produced_by_a_scenario():
    produced = set()
    for scenario in SCENARIOS:
        produced.update(finding.code for finding in evaluate(scenario.values[0]).findings)

    assert produced == RULE_CODES


def test_the_engine_imports_no_django():
    package = Path(compliance.conformity.__file__).parent
    sources = sorted(package.rglob("*.py"))

    assert len(sources) >= 14
    for source in sources:
        assert not re.search(r"^\s*(from|import)\s+django", source.read_text(), re.MULTILINE), source


# Inputs


def test_inputs_accept_database_strings_and_lists():
    facts = processing(identifiability="pseudonymised", hosting_mode="", role="processor",
                       purposes=["Soins"], transfers=[Transfer(" ch ")])

    assert facts.identifiability is Identifiability.PSEUDONYMISED
    assert facts.hosting_mode is None
    assert facts.purposes == ("Soins",)
    assert facts.transfers == (Transfer("CH"),)
    assert processing(hosting_mode=HostingMode.SELF_HOSTED).hosting_mode is HostingMode.SELF_HOSTED
    chain_link = link(1, IAAS, [1, 2], storage_countries=[" fr", "de "], remote_access=[RemoteAccess("us")])
    assert chain_link.activities == frozenset({1, 2})
    assert chain_link.storage_countries == ("FR", "DE")
    assert chain_link.remote_access == (RemoteAccess("US"),)


def test_inputs_reject_unknown_values():
    with pytest.raises(ValueError, match="'outsource'"):
        processing(hosting_mode="outsource")
    with pytest.raises(ValueError, match="numbered 1 to 6"):
        link(1, IAAS, {0, 1})
    with pytest.raises(ValueError, match="numbered 1 to 6"):
        certificate(1, IAAS, {7})
    with pytest.raises(ValueError, match="'expired'"):
        certificate(1, IAAS, {1}, status="expired")


def test_registry_view_goes_with_a_confirmed_match_only():
    with pytest.raises(ValueError, match="confirmed match only"):
        ActorFacts(key=IAAS, name="Nuage", registry_match=RegistryMatch.CONFIRMED)
    with pytest.raises(ValueError, match="confirmed match only"):
        ActorFacts(key=IAAS, name="Nuage", registry_match="suggested", registry=RegistryView(present=True))


def test_a_link_to_a_supplier_without_facts_is_a_loader_error():
    data = EvaluationInput(organisation=PROFESSIONAL, processing=processing(), on=ON,
                           links=(link(1, HOST, {1}),))

    with pytest.raises(KeyError, match="no ActorFacts given for supplier 5"):
        evaluate(data)


# 1. Scope


def test_self_hosting_duties_are_information_on_the_processing():
    result = evaluate(case(PROFESSIONAL, processing_facts=processing(hosting_mode="self_hosted")))

    assert result.hosting_status is Status.NOT_APPLICABLE
    assert result.register_status is Status.COMPLIANT
    assert result.status is Status.COMPLIANT
    assert [(finding.severity, finding.link, finding.activity, finding.supplier)
            for finding in result.findings] == [(Severity.INFO, None, None, None)] * 6
    assert {finding.code: finding.legal_reference for finding in result.findings} == {
        "scope.self_hosted_own_patients": "CSP art. L.1111-8",
        "scope.self_hosting_security": "RGPD art. 32",
        "scope.self_hosting_register": "RGPD art. 30",
        "scope.self_hosting_patient_rights": "RGPD art. 15 à 22",
        "scope.self_hosting_privacy_notice": "RGPD art. 13 et 14",
        "scope.self_hosting_backups": "RGPD art. 32(1)(c)",
    }


def test_pseudonymised_data_self_hosted_by_a_professional_stay_out_of_hds_scope():
    result = evaluate(case(PROFESSIONAL, processing_facts=processing(
        hosting_mode="self_hosted", identifiability="pseudonymised")))

    assert result.hosting_status is Status.NOT_APPLICABLE
    assert result.register_status is Status.COMPLIANT
    assert result.status is Status.COMPLIANT
    assert "scope.pseudonymised_in_scope" not in {finding.code for finding in result.findings}


def test_an_editor_in_the_controller_role_still_hosts_for_others():
    result = evaluate(case(EDITOR, processing_facts=processing(hosting_mode="self_hosted"),
                           links=[link(1, SELF, {1, 2, 3, 4, 5, 6})]))

    assert result.status is Status.NON_COMPLIANT
    assert described(result, "self.activity_not_covered") == [
        ("self.activity_not_covered", 1, activity, None) for activity in range(1, 7)
    ]


# 2. Coverage and 3. own certificate


def test_one_finding_per_link_and_uncovered_activity():
    result = evaluate(case(PROFESSIONAL, links=[link(7, HOST, {1, 2, 6})],
                           certificates=[certificate(1, HOST, {2})]))

    assert described(result, "coverage.activity_not_covered") == [
        ("coverage.activity_not_covered", 7, 1, HOST),
        ("coverage.activity_not_covered", 7, 6, HOST),
    ]


def test_a_parent_certificate_never_covers_its_subcontractor():
    result = evaluate(case(PROFESSIONAL, links=[
        link(1, DATACENTER, ALL_ACTIVITIES),
        link(2, IAAS, {3, 4}, parent_id=1),
    ], certificates=[certificate(1, DATACENTER, ALL_ACTIVITIES)]))

    assert described(result, "coverage.activity_not_covered") == [
        ("coverage.activity_not_covered", 2, 3, IAAS),
        ("coverage.activity_not_covered", 2, 4, IAAS),
    ]


def test_unproven_exemption_is_reported_per_activity_and_names_the_parent():
    result = evaluate(editor_case(extra_links=[replace(MANAGED_DATABASE_LINK, activities=frozenset({3, 4}))]))

    assert described(result, "coverage.exemption_unproven") == [
        ("coverage.exemption_unproven", 4, 3, 4),
        ("coverage.exemption_unproven", 4, 4, 4),
    ]
    assert "sous la certification de Nuage Souverain" in result.findings[0].message_fr


def test_proven_exemption_is_one_information_on_the_link():
    result = evaluate(editor_case(extra_links=[
        replace(MANAGED_DATABASE_LINK, activities=frozenset({3, 4}), exemption_evidence=True),
    ]))

    assert result.status is Status.COMPLIANT
    assert described(result, "coverage.exempt_under_parent") == [("coverage.exempt_under_parent", 4, None, 4)]


def test_exemption_without_a_parent_link_covers_nothing():
    result = evaluate(editor_case(extra_links=[replace(MANAGED_DATABASE_LINK, parent_id=None,
                                                       exemption_evidence=True)]))

    assert described(result, "coverage.activity_not_covered", "coverage.exempt_under_parent") == [
        ("coverage.activity_not_covered", 4, 4, 4),
    ]


def test_editor_on_a_certified_datacenter_is_not_covered_for_activity_5():
    result = evaluate(case(EDITOR, links=[link(1, SELF, {5}, stores_health_data=False),
                                          link(2, DATACENTER, {1, 2})],
                           certificates=[certificate(2, DATACENTER, {1, 2})]))

    assert described(result, "self.activity_not_covered", "coverage.activity_not_covered") == [
        ("self.activity_not_covered", 1, 5, None),
    ]


def test_own_activity_uncovered_concerns_no_supplier():
    result = evaluate(editor_case(own_certificates=[certificate(1, SELF, {6})]))

    assert described(result, "self.activity_not_covered", "coverage.activity_not_covered") == [
        ("self.activity_not_covered", 1, 5, None),
    ]


# 4. Backup


def test_backup_flag_adds_activity_6():
    result = evaluate(editor_case(backup=replace(BACKUP_LINK, activities=frozenset({2})),
                                  backup_certificates=[certificate(3, 3, {2})]))

    assert described(result, "backup.activity_6_missing", "coverage.activity_not_covered") == [
        ("coverage.activity_not_covered", 3, 6, 3),
        ("backup.activity_6_missing", 3, 6, 3),
    ]


# 5. Validity


@pytest.mark.parametrize(("version", "v1"), [
    ("v1", True), ("V1", True), ("1", True), ("1.0", True), ("HDS v1", True), (" v1.1 ", True),
    ("v2", False), ("v2.1", False), ("2", False), ("10", False), ("", False),
])
def test_referential_v1_detection(version, v1):
    assert is_referential_v1(version) is v1


@pytest.mark.parametrize(("changes", "on", "problems"), [
    ({"expires_on": ON}, ON, ()),
    ({"expires_on": ON - DAY}, ON, ("validity.certificate_expired",)),
    ({"issued_on": ON}, ON, ()),
    ({"issued_on": ON + DAY}, ON, ("validity.certificate_not_yet_valid",)),
    ({"issued_on": None}, ON, ()),
    ({"referential_version": "v1"}, V1_DEADLINE, ()),
    ({"referential_version": "v1"}, V1_DEADLINE + DAY, ("validity.certificate_v1_obsolete",)),
    ({"referential_version": "v2"}, V1_DEADLINE + DAY, ()),
    ({"status": "suspended", "expires_on": ON - DAY}, ON,
     ("validity.certificate_suspended", "validity.certificate_expired")),
    ({"status": "withdrawn"}, ON, ("validity.certificate_withdrawn",)),
])
def test_certificate_problems(changes, on, problems):
    assert certificate_problems(iaas_certificate(**changes), on) == problems


def test_invalid_certificate_reported_once_per_link_with_its_number():
    result = evaluate(editor_case(iaas_certificates=[iaas_certificate(expires_on=ON - DAY)]))

    expired = only(result, "validity.certificate_expired")
    assert (expired.link, expired.activity, expired.supplier) == (2, None, IAAS)
    assert expired.message_fr == "Le certificat HDS n° HDS-0002 de Nuage Souverain a expiré le 01/06/2025."
    assert expired.message_en == "HDS certificate no. HDS-0002 of Nuage Souverain expired on 2025-06-01."
    assert len(described(result, "coverage.activity_not_covered")) == 4


def test_invalid_certificate_for_other_activities_is_not_reported():
    result = evaluate(editor_case(iaas_certificates=[iaas_certificate(activities=frozenset({6}),
                                                                      status="withdrawn")]))

    assert {finding.code for finding in result.findings} == {"coverage.activity_not_covered"}


def test_the_certificate_expiring_last_is_the_one_used():
    result = evaluate(editor_case(iaas_certificates=[
        iaas_certificate(id=20, expires_on=ON + 10 * DAY, certifier=""),
        iaas_certificate(id=21),
    ]))

    assert result.findings == ()


# 6. Registry


def test_host_removed_is_an_error_whatever_the_certificate_source():
    result = evaluate(editor_case(actors=[supplier(IAAS, present=False, removed=True)],
                                  iaas_certificates=()))

    assert described(result, "registry.host_removed") == [("registry.host_removed", 2, None, IAAS)]
    assert only(result, "registry.host_removed").severity is Severity.ERROR


def test_no_registry_match_without_a_claimed_certificate_says_nothing_about_the_registry():
    result = evaluate(editor_case(actors=[supplier(IAAS, match="none")]))

    assert result.findings == ()


def test_narrower_registry_activities_are_reported_per_activity():
    result = evaluate(editor_case(actors=[supplier(IAAS, listed={1, 2})],
                                  iaas_certificates=[iaas_certificate(source="document", has_document=True)]))

    assert described(result, "registry.activities_narrower") == [
        ("registry.activities_narrower", 2, 3, IAAS),
        ("registry.activities_narrower", 2, 4, IAAS),
    ]


def test_the_organisation_itself_is_not_checked_against_the_registry():
    own = ActorFacts(key=SELF, name="Médilog SAS", registry_match="none")

    assert evaluate(editor_case(actors=[own])).findings == ()


# 7. Sovereignty


def test_storage_outside_the_eea_is_one_error_listing_the_countries():
    result = evaluate(editor_case(
        iaas=iaas_link(storage_countries=("US", "FR", "CN", "US")),
        processing_facts=processing(transfers=(Transfer("US", "CCT"), Transfer("CN", "CCT"))),
    ))

    outside = only(result, "sovereignty.storage_outside_eea")
    assert (outside.link, outside.supplier, outside.severity) == (2, IAAS, Severity.ERROR)
    assert "(CN, US)" in outside.message_fr


def test_own_link_storing_outside_the_eea_concerns_no_supplier():
    result = evaluate(editor_case(operation=link(1, SELF, {5}, storage_countries=("SG",)),
                                  processing_facts=processing(transfers=(Transfer("SG", "CCT"),))))

    assert described(result, "sovereignty.storage_outside_eea") == [("sovereignty.storage_outside_eea", 1, None, None)]


def test_storage_countries_are_not_required_from_a_link_without_health_data():
    result = evaluate(editor_case(iaas=iaas_link(stores_health_data=False, storage_countries=())))

    assert result.findings == ()


# 8. Evidence


def test_expiring_certificate_gives_the_days_left():
    result = evaluate(editor_case(iaas_certificates=[iaas_certificate(expires_on=ON + 30 * DAY)]))

    expiring = only(result, "evidence.certificate_expiring")
    assert (expiring.link, expiring.supplier) == (2, IAAS)
    assert "le 02/07/2025 (jours restants : 30)" in expiring.message_fr
    assert "on 2025-07-02 (days left: 30)" in expiring.message_en


def test_contracts_are_checked_on_direct_suppliers_only():
    result = evaluate(editor_case(
        iaas=iaas_link(has_hosting_contract=False, has_dpa=False),
        extra_links=[replace(MANAGED_DATABASE_LINK, exemption_evidence=True)],
    ))

    assert described(result, "evidence.hosting_contract_missing", "evidence.dpa_missing") == [
        ("evidence.dpa_missing", 2, None, IAAS),
        ("evidence.hosting_contract_missing", 2, None, IAAS),
    ]


def test_missing_clauses_are_listed_with_their_number_in_both_languages():
    result = evaluate(editor_case(iaas=iaas_link(contract_clauses=ALL_CONTRACT_CLAUSES - {
        ContractClause.HOSTING_LOCATIONS, ContractClause.REVERSIBILITY_FORMATS, ContractClause.SUBCONTRACTORS})))

    missing = only(result, "evidence.contract_clauses_missing")
    assert (missing.link, missing.supplier, missing.severity) == (2, IAAS, Severity.ERROR)
    assert missing.message_fr == (
        "Le contrat d'hébergement avec Nuage Souverain ne comporte pas toutes les clauses exigées par "
        "l'article R.1111-11 : manquent 3° lieux d'hébergement; 7° conditions de recours à des sous-traitants; "
        "14° réversibilité : formats lisibles.")
    assert missing.message_en == (
        "The hosting contract with Nuage Souverain lacks clauses required by Article R.1111-11: missing "
        "3° hosting locations; 7° conditions for using subcontractors; 14° reversibility: readable formats.")


def test_location_mismatch_names_the_countries_stored_and_those_the_contract_names():
    result = evaluate(editor_case(iaas=iaas_link(storage_countries=("FR", "DE", "BE"), contract_locations=("FR",))))

    mismatch = only(result, "evidence.contract_location_mismatch")
    assert mismatch.message_fr == (
        "Le contrat d'hébergement avec Nuage Souverain ne mentionne pas, parmi les lieux d'hébergement (FR), des "
        "pays où les données de santé sont stockées : BE, DE.")


def test_own_contract_findings_concern_the_first_own_link_and_no_supplier():
    result = evaluate(editor_case(
        operation=replace(OPERATION_LINK, contract_clauses=ALL_CONTRACT_CLAUSES - {ContractClause.NO_OTHER_USE}),
        extra_links=[link(7, SELF, {6}, storage_countries=("FR",), contract_clauses=None)],
        extra_certificates=[certificate(7, SELF, {6})],
    ))

    missing = only(result, "evidence.contract_clauses_missing")
    assert (missing.link, missing.supplier) == (1, None)
    assert missing.message_en.startswith("Your hosting contract with the controllers you serve lacks clauses")


def test_a_proven_short_term_exemption_needs_no_hosting_contract_but_still_a_dpa():
    result = evaluate(editor_case(extra_links=[link(6, HOST, {5}, exemption_reason="short_term_processing",
                                                    exemption_evidence=True, has_hosting_contract=False,
                                                    has_dpa=False)]))

    assert described(result, "evidence.hosting_contract_missing", "evidence.dpa_missing",
                     "coverage.exempt_short_term_processing") == [
        ("evidence.dpa_missing", 6, None, HOST),
        ("coverage.exempt_short_term_processing", 6, None, HOST),
    ]


def test_an_own_certificate_covers_what_it_covers_whatever_the_exemption():
    result = evaluate(editor_case(extra_links=[link(6, HOST, {5, 6}, exemption_reason="archiving_approved")],
                                  extra_certificates=[certificate(6, HOST, {6})]))

    assert described(result, "coverage.exemption_archiving_unproven") == [
        ("coverage.exemption_archiving_unproven", 6, 5, HOST)]


def test_exempt_under_parent_and_the_exemption_reason_are_one_fact():
    by_flag = LinkFacts(id=1, actor=IAAS, activities={4}, exempt_under_parent=True)
    by_reason = LinkFacts(id=1, actor=IAAS, activities={4}, exemption_reason="covered_by_parent_audit")
    archiving = LinkFacts(id=1, actor=IAAS, activities={4}, exemption_reason="archiving_approved")

    assert by_flag == by_reason
    assert (by_flag.exemption_reason, by_flag.exempt_under_parent) == (ExemptionReason.COVERED_BY_PARENT_AUDIT, True)
    assert (archiving.exempt_under_parent, LinkFacts(id=1, actor=IAAS, activities={4}).exempt_under_parent) == (
        False, False)
    with pytest.raises(ValueError, match="contradicts"):
        LinkFacts(id=1, actor=IAAS, activities={4}, exempt_under_parent=True, exemption_reason="archiving_approved")
    with pytest.raises(ValueError, match="contradicts"):
        replace(by_flag, exempt_under_parent=False)
    with pytest.raises(ValueError, match="not a valid ContractClause"):
        LinkFacts(id=1, actor=IAAS, activities={4}, contract_clauses=["hosting_locations", "price"])
    with pytest.raises(ValueError, match="exemption of a link"):
        processing(exemption_reason="covered_by_parent_audit")


# 9. Register


def test_transfers_not_listed_are_reported_per_supplier_link():
    result = evaluate(editor_case(iaas=iaas_link(storage_countries=("FR", "CH"),
                                                 remote_access=(RemoteAccess("MA", "safeguards"),
                                                                RemoteAccess("BE"))),
                                  processing_facts=processing(transfers=(Transfer("JP"),))))

    not_listed = only(result, "register.transfer_not_listed")
    assert (not_listed.link, not_listed.supplier) == (2, IAAS)
    assert "(CH, MA)" in not_listed.message_fr


# Ordering and output


def messy_case():
    return case(
        PROFESSIONAL,
        processing_facts=processing(art9_condition="", dpia_required=None),
        links=[
            link(9, HOST, {5, 1}, has_dpa=False),
            link(3, IAAS, {3, 4}, storage_countries=()),
            link(5, DATACENTER, {1, 2}),
        ],
        certificates=[certificate(5, DATACENTER, {1, 2}, expires_on=ON + 5 * DAY),
                      certificate(6, IAAS, {3, 4}, certifier="")],
        actors=[supplier(IAAS, match="suggested")],
    )


def test_findings_are_ordered_by_severity_link_activity_and_code():
    result = evaluate(messy_case())

    assert [(finding.severity.value, finding.link, finding.activity, finding.code)
            for finding in result.findings] == [
        ("error", None, None, "register.art9_condition_missing"),
        ("error", 9, None, "evidence.dpa_missing"),
        ("error", 9, 1, "coverage.activity_not_covered"),
        ("error", 9, 5, "coverage.activity_not_covered"),
        ("warning", None, None, "register.dpia_unknown"),
        ("warning", 3, None, "sovereignty.storage_location_unknown"),
        ("warning", 3, None, "validity.certifier_missing"),
        ("warning", 5, None, "evidence.certificate_expiring"),
        ("info", None, None, "backup.none_recorded"),
        ("info", 3, None, "registry.match_suggested"),
    ]
    assert result.status is Status.NON_COMPLIANT


def test_findings_do_not_depend_on_input_order():
    data = messy_case()
    shuffled = replace(data, links=data.links[::-1], certificates=data.certificates[::-1])

    assert evaluate(shuffled) == evaluate(data) == evaluate(data)


def test_result_serialisation():
    result = evaluate(case(PROFESSIONAL, links=[link(7, HOST, {6})]))

    assert result.to_json() == {
        "status": "non_compliant",
        "hosting_status": "non_compliant",
        "register_status": "compliant",
        "findings": [{
            "code": "coverage.activity_not_covered",
            "severity": "error",
            "message": "Hébergeur Régional réalise l'activité 6 (sauvegarde des données de santé) sans "
                       "certificat HDS valide qui la couvre. La certification n'est pas transitive : le "
                       "certificat d'un autre maillon ne la couvre pas.",
            "message_en": "Hébergeur Régional performs activity 6 (backup of health data) without a valid "
                          "HDS certificate covering it. Certification is not transitive: another link's "
                          "certificate does not cover it.",
            "activity": 6,
            "link": 7,
            "supplier": HOST,
            "legal_reference": "CSP art. L.1111-8 et R.1111-9",
        }],
    }
    finding = result.findings[0]
    assert finding.as_dict("en") == {
        "code": "coverage.activity_not_covered",
        "severity": "error",
        "message": finding.message_en,
        "activity": 6,
        "link": 7,
        "supplier": HOST,
        "legal_reference": "CSP art. L.1111-8 et R.1111-9",
    }
    with pytest.raises(ValueError, match="unsupported language 'de'"):
        finding.as_dict("de")
