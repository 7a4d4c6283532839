"""Unit tests of the conformity engine, rule family by rule family, plus its catalogue and output."""

import re
import string
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

import compliance.conformity
from compliance.conformity import (
    CATALOGUE,
    RULE_CODES,
    SELF,
    ActorFacts,
    EvaluationInput,
    HostingMode,
    Identifiability,
    OrganisationFacts,
    RegistryMatch,
    RegistryView,
    RemoteAccess,
    Severity,
    Status,
    Transfer,
    evaluate,
)
from compliance.conformity import findings as findings_module
from compliance.conformity.adequacy import ADEQUACY_DECISIONS, adequacy_decision, adequate_for
from compliance.conformity.geography import EEA
from compliance.conformity.rules.scope import identifying_categories
from compliance.conformity.rules.validity import certificate_problems, referential_of

from .test_conformity_scenarios import (
    ALL_ACTIVITIES,
    BACKUP,
    BACKUP_LINK,
    BEFORE_V2,
    DATACENTER,
    DAY,
    EDITOR,
    ESTABLISHMENT,
    FOR_PATIENTS,
    HOST,
    HOSTING_PROVIDER,
    IAAS,
    MANAGED_DATABASE_LINK,
    ON,
    OWN_CERTIFICATE,
    PROFESSIONAL,
    SCENARIOS,
    V1_DEADLINE,
    V2_MANDATORY,
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
            "completeness", "register")


def described(result, *codes):
    """(code, link, activity, supplier) of the result's findings with the given codes."""
    return [
        (finding.code, finding.link, finding.activity, finding.supplier)
        for finding in result.findings
        if finding.code in codes
    ]


def codes_of(result):
    return {finding.code for finding in result.findings}


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


@pytest.mark.parametrize(("version", "issued_on", "referential"), [
    # Issued before referential v2 was published: v1 whatever the label says.
    ("v2", BEFORE_V2, "v1"), ("", BEFORE_V2, "v1"), ("v2.1", date(2024, 5, 15), "v1"),
    # Otherwise the (normalised) label decides; a notation kept as data is not v1.
    ("v1", date(2024, 5, 16), "v1"), ("v2", date(2024, 5, 16), "v2"), ("v1", None, "v1"), ("v2", None, "v2"),
    ("v2.1", V2_MANDATORY, "v2.1"),
    # No label: v2 for a certificate issued since new certifications are v2, unknown before that.
    ("", V2_MANDATORY, "v2"), (" ", V2_MANDATORY - DAY, None), ("", date(2024, 5, 16), None), ("", None, None),
])
def test_referential_decided_by_facts(version, issued_on, referential):
    assert referential_of(iaas_certificate(referential_version=version, issued_on=issued_on)) == referential


@pytest.mark.parametrize(("changes", "on", "problems"), [
    ({"expires_on": ON}, ON, ()),
    ({"expires_on": ON - DAY}, ON, ("validity.certificate_expired",)),
    ({"issued_on": ON}, ON, ()),
    ({"issued_on": ON + DAY}, ON, ("validity.certificate_not_yet_valid",)),
    ({"issued_on": None}, ON, ()),
    ({"referential_version": "v1"}, V1_DEADLINE, ()),
    ({"referential_version": "v1"}, V1_DEADLINE + DAY, ("validity.certificate_v1_obsolete",)),
    ({"referential_version": "v2"}, V1_DEADLINE + DAY, ()),
    ({"referential_version": "v2", "issued_on": BEFORE_V2}, V1_DEADLINE, ()),
    ({"referential_version": "v2", "issued_on": BEFORE_V2}, V1_DEADLINE + DAY, ("validity.certificate_v1_obsolete",)),
    ({"referential_version": "", "issued_on": None}, V1_DEADLINE + DAY, ()),
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
    assert expired.message_fr == "Le certificat HDS n° HDS-0002 de Nuage Souverain était valable jusqu'au 01/06/2025."
    assert expired.message_en == "HDS certificate no. HDS-0002 of Nuage Souverain was valid until 2025-06-01."
    assert len(described(result, "coverage.activity_not_covered")) == 4


def test_v1_by_facts_names_the_issue_date_and_the_publication_of_v2():
    result = evaluate(editor_case(iaas_certificates=[iaas_certificate(referential_version="v2", issued_on=BEFORE_V2)],
                                  on=V1_DEADLINE + DAY))

    obsolete = only(result, "validity.certificate_v1_obsolete")
    assert obsolete.message_fr == (
        "Le certificat HDS n° HDS-0002 de Nuage Souverain relève du référentiel v1 (délivré le 01/03/2024, "
        "avant la publication du référentiel v2 le 16/05/2024), accepté jusqu'au 16/05/2026 seulement : un "
        "certificat selon le référentiel v2 est exigé."
    )
    assert obsolete.message_en == (
        "HDS certificate no. HDS-0002 of Nuage Souverain falls under referential v1 (issued on 2024-03-01, "
        "before referential v2 was published on 2024-05-16), accepted only until 2026-05-16: a certificate "
        "under referential v2 is required."
    )


def test_v1_by_its_label_says_so():
    result = evaluate(editor_case(iaas_certificates=[iaas_certificate(referential_version="v1")],
                                  on=V1_DEADLINE + DAY))

    assert "relève du référentiel v1 (version enregistrée : v1)" in only(
        result, "validity.certificate_v1_obsolete").message_fr


def test_period_over_three_years_gives_both_dates():
    result = evaluate(editor_case(iaas_certificates=[iaas_certificate(expires_on=date(2029, 12, 1))]))

    too_long = only(result, "validity.certificate_period_too_long")
    assert (too_long.link, too_long.supplier, too_long.severity) == (2, IAAS, Severity.WARNING)
    assert "valable du 02/12/2024 au 01/12/2029, soit plus de trois ans" in too_long.message_fr
    assert "valid from 2024-12-02 to 2029-12-01, more than three years" in too_long.message_en


def test_period_from_a_29_february_ends_on_28_february():
    leap = iaas_certificate(issued_on=date(2028, 2, 29), expires_on=date(2031, 2, 28))
    later = iaas_certificate(issued_on=date(2028, 2, 29), expires_on=date(2031, 3, 1))
    on = date(2028, 3, 1)

    assert "validity.certificate_period_too_long" not in codes_of(evaluate(editor_case(iaas_certificates=[leap],
                                                                                       on=on)))
    assert "validity.certificate_period_too_long" in codes_of(evaluate(editor_case(iaas_certificates=[later], on=on)))


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


def test_ambiguous_perimeters_are_one_finding_per_link_naming_activities_and_candidates():
    result = evaluate(editor_case(iaas_certificates=[
        iaas_certificate(id=21, number="HDS-0021", activities=frozenset({1, 2, 3}), perimeter="Cloud public"),
        iaas_certificate(id=20, number="HDS-0020", perimeter="Cloud de confiance santé"),
    ]))

    assert described(result, "coverage.certificate_ambiguous") == [("coverage.certificate_ambiguous", 2, None, IAAS)]
    assert only(result, "coverage.certificate_ambiguous").message_fr == (
        "Nuage Souverain détient plusieurs certificats HDS valides, de périmètres différents, qui pourraient "
        "chacun couvrir les activités 1, 2, 3 de ce maillon : HDS-0020 — Cloud de confiance santé ; "
        "HDS-0021 — Cloud public. Un certificat ne vaut que pour son périmètre : indiquez sur ce maillon "
        "celui dont relève le service utilisé.")
    assert result.status is Status.INCOMPLETE


def test_ambiguous_activities_are_not_covered_by_a_guess():
    """Evidence and registry checks look at the certificate relied on: none for an ambiguous activity."""
    result = evaluate(editor_case(
        actors=[supplier(IAAS, match="none")],
        iaas_certificates=[iaas_certificate(perimeter="Cloud public", source="document", expires_on=ON + DAY),
                           iaas_certificate(id=20, perimeter="Cloud santé", source="document")],
    ))

    assert sorted(finding.code for finding in result.findings) == ["coverage.certificate_ambiguous"]


def test_own_certificates_of_different_perimeters_are_ambiguous_too():
    result = evaluate(editor_case(own_certificates=[
        replace(OWN_CERTIFICATE, perimeter="Logiciel de cabinet"),
        replace(OWN_CERTIFICATE, id=30, number="HDS-0030", perimeter="Plateforme de télésanté"),
    ]))

    assert described(result, "coverage.certificate_ambiguous") == [("coverage.certificate_ambiguous", 1, None, None)]
    assert only(result, "coverage.certificate_ambiguous").message_en.startswith(
        "Médilog SAS holds several valid HDS certificates with different perimeters, each of which could cover "
        "activities 5 of this link: HDS-0001 — Logiciel de cabinet ; HDS-0030 — Plateforme de télésanté.")


def test_a_suspended_certificate_beside_a_valid_one_names_both():
    result = evaluate(editor_case(iaas_certificates=[
        iaas_certificate(id=20, number="HDS-0020", status="suspended", activities=frozenset({3, 4, 5})),
        iaas_certificate(),
    ]))

    assert described(result, "validity.suspended_beside_valid") == [("validity.suspended_beside_valid", 2, None, IAAS)]
    assert only(result, "validity.suspended_beside_valid").message_fr == (
        "Le certificat HDS n° HDS-0020 de Nuage Souverain est suspendu ; il vise les activités 3, 4 de ce "
        "maillon, que couvre encore le certificat n° HDS-0002. Vérifiez que le service utilisé relève bien du "
        "périmètre de ce dernier et demandez à Nuage Souverain la raison de la suspension.")
    assert result.status is Status.COMPLIANT


def test_a_suspended_certificate_already_reported_as_the_reason_is_not_repeated():
    result = evaluate(editor_case(iaas=iaas_link(activities=frozenset(ALL_ACTIVITIES - {6})), iaas_certificates=[
        iaas_certificate(id=20, status="withdrawn", activities=frozenset({1, 2, 3, 4, 5})),
        iaas_certificate(),
    ]))

    assert described(result, "validity.certificate_withdrawn", "validity.withdrawn_beside_valid",
                     "coverage.activity_not_covered") == [
        ("validity.certificate_withdrawn", 2, None, IAAS),
        ("coverage.activity_not_covered", 2, 5, IAAS),
    ]


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


def test_no_registry_match_says_not_matched_rather_than_absent():
    result = evaluate(editor_case(actors=[supplier(IAAS, match="none")],
                                  iaas_certificates=[iaas_certificate(source="document", has_document=True)]))

    finding = only(result, "registry.not_found")
    assert finding.message_fr == (
        "Nuage Souverain déclare un certificat HDS, mais n'a pas été rapproché de la liste officielle des "
        "hébergeurs certifiés publiée par l'ANS : confirmez l'hébergeur de la liste auquel il correspond pour "
        "que son certificat y soit vérifié.")
    assert "has not been matched with the official list" in finding.message_en


def test_the_list_contradicting_a_claim_shows_both_versions():
    claimed = [iaas_certificate(source="document", has_document=True)]
    absent = only(evaluate(editor_case(actors=[supplier(IAAS, present=False)], iaas_certificates=claimed)),
                  "registry.host_absent")
    narrower = evaluate(editor_case(actors=[supplier(IAAS, listed={1, 2, 3})], iaas_certificates=claimed))
    earlier = only(evaluate(editor_case(actors=[supplier(IAAS, list_expires_on=date(2026, 6, 30))],
                                        iaas_certificates=claimed)), "registry.end_date_earlier_in_list")
    ended = only(evaluate(editor_case(actors=[supplier(IAAS, list_expires_on=ON - DAY)], iaas_certificates=claimed)),
                 "registry.expired_in_list")

    assert absent.message_fr == (
        "Nuage Souverain ne figure pas dans la dernière liste officielle de l'ANS, alors que le certificat "
        "déclaré n° HDS-0002 couvrirait les activités 1, 2, 3, 4 jusqu'au 01/12/2027. La liste officielle prime "
        "sur le certificat présenté : faites confirmer par Nuage Souverain que sa certification est toujours en "
        "vigueur.")
    assert only(narrower, "registry.activities_narrower").message_en == (
        "The official ANS list shows activities 1, 2, 3 for Nuage Souverain, without activity 4 (application "
        "hosting platform) that the claimed certificate no. HDS-0002 covers. The official list prevails: have "
        "Nuage Souverain explain the difference.")
    assert earlier.message_fr == (
        "Selon la liste officielle de l'ANS, la certification de Nuage Souverain prend fin le 30/06/2026, avant "
        "la date du certificat déclaré n° HDS-0002 (valable jusqu'au 01/12/2027). La liste officielle prime : "
        "faites confirmer la date par Nuage Souverain.")
    assert ended.message_en == (
        "According to the official ANS list, Nuage Souverain's certification ended on 2025-06-01, although the "
        "claimed certificate no. HDS-0002 runs until 2027-12-01. The official list prevails: ask Nuage Souverain "
        "for its renewed certificate or an explanation of the difference.")
    assert all(CATALOGUE[code].incomplete for code in (
        "registry.host_absent", "registry.activities_narrower", "registry.end_date_earlier_in_list",
        "registry.expired_in_list"))


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


def test_aland_and_outermost_regions_are_in_the_eea_not_the_overseas_territories():
    assert {"AX", "GF", "GP", "MQ", "RE", "YT", "MF", "IS", "LI", "NO"} <= EEA
    assert not {"CH", "GB", "MC", "AD", "PF", "NC", "WF", "PM", "BL"} & EEA


def test_adequacy_decisions_are_data_with_dates():
    assert {decision.country for decision in ADEQUACY_DECISIONS} == {
        "AD", "AR", "CA", "CH", "FO", "GB", "GG", "IL", "IM", "JE", "JP", "KR", "NZ", "US", "UY"}
    assert adequacy_decision("US", date(2023, 7, 9)) is None
    assert adequacy_decision("US", date(2023, 7, 10)).reference_fr == (
        "décision d'exécution (UE) 2023/1795 du 10 juillet 2023")
    assert adequacy_decision("GB", date(2025, 6, 2)).reference_en.startswith("Implementing Decision (EU) 2021/1772")
    assert adequacy_decision("GB", date(2025, 12, 20)).reference_fr == (
        "décision de renouvellement de la Commission du 19 décembre 2025")
    assert adequacy_decision("GB", date(2031, 12, 27)) is not None
    assert adequacy_decision("GB", date(2031, 12, 28)) is None
    assert adequacy_decision("IN", date(2026, 1, 1)) is None
    assert adequacy_decision("FR", date(2026, 1, 1)) is None  # the EEA needs none
    assert (adequate_for("US", ON, certified=False), adequate_for("US", ON, certified=True)) == (False, True)
    assert adequate_for("CA", ON, certified=False)


def test_remote_access_under_adequacy_names_each_decision_and_its_scope():
    result = evaluate(editor_case(iaas=iaas_link(remote_access=(RemoteAccess("JP"), RemoteAccess("CA", "adequacy"),
                                                                RemoteAccess("JP", "adequacy"))),
                                  processing_facts=processing(transfers=(Transfer("JP"), Transfer("CA")))))

    adequacy = only(result, "sovereignty.remote_access_adequacy")
    assert (adequacy.link, adequacy.supplier, adequacy.severity) == (2, IAAS, Severity.INFO)
    assert adequacy.message_fr == (
        "Nuage Souverain accède aux données depuis un pays tiers couvert par une décision d'adéquation de la "
        "Commission européenne, qui suffit sans autre garantie (CA : décision 2002/2/CE du 20 décembre 2001, "
        "organisations commerciales soumises à la LPRPDE ; JP : décision d'exécution (UE) 2019/419 du "
        "23 janvier 2019, opérateurs privés soumis à l'APPI)."
    )
    assert adequacy.message_en == (
        "Nuage Souverain accesses the data from a third country covered by a European Commission adequacy "
        "decision, which suffices without other safeguards (CA: Decision 2002/2/EC of 20 December 2001, "
        "commercial organisations subject to PIPEDA; JP: Implementing Decision (EU) 2019/419 of 23 January "
        "2019, business operators subject to the APPI)."
    )


def test_remote_access_without_basis_no_longer_claims_there_is_no_decision_for_an_adequate_country():
    result = evaluate(editor_case(iaas=iaas_link(remote_access=(RemoteAccess("CH"), RemoteAccess("IN"))),
                                  processing_facts=processing(transfers=(Transfer("CH"), Transfer("IN", "CCT")))))

    without_basis = only(result, "sovereignty.remote_access_without_basis")
    assert without_basis.message_fr == (
        "Nuage Souverain accède aux données depuis un pays tiers (IN) qui ne bénéficie d'aucune décision "
        "d'adéquation en vigueur, sans garanties appropriées documentées (article 46)."
    )
    assert codes_of(result) == {"sovereignty.remote_access_without_basis", "sovereignty.remote_access_adequacy"}


def test_us_access_without_dpf_certification_asks_to_record_it():
    result = evaluate(editor_case(iaas=iaas_link(remote_access=(RemoteAccess("US"),)),
                                  processing_facts=processing(transfers=(Transfer("US"),))))

    dpf = only(result, "sovereignty.remote_access_dpf_check")
    assert (dpf.severity, dpf.link, dpf.supplier) == (Severity.WARNING, 2, IAAS)
    assert dpf.message_fr == (
        "L'accès de Nuage Souverain depuis un pays tiers (US) ne repose sur la décision d'adéquation (US : "
        "décision d'exécution (UE) 2023/1795 du 10 juillet 2023, organisations certifiées au Data Privacy "
        "Framework UE–États-Unis) que si Nuage Souverain est certifié au Data Privacy Framework : enregistrez "
        "sa certification, ou documentez des garanties appropriées (article 46)."
    )
    assert result.hosting_status is Status.INCOMPLETE


@pytest.mark.parametrize(("country", "dpf_certified", "exposed"), [
    ("FR", False, False), ("", False, False), ("CH", False, False), ("JP", False, False), ("GB", False, False),
    ("US", False, True), ("US", True, False), ("IN", False, True), ("CN", True, True),
])
def test_exi_30_exposure_only_for_third_countries_without_adequacy(country, dpf_certified, exposed):
    result = evaluate(editor_case(actors=[supplier(IAAS, country=country, dpf_certified=dpf_certified)]))

    assert ("sovereignty.non_eu_law_unnamed" in codes_of(result)) is exposed


def test_storage_countries_are_not_required_from_a_link_without_health_data():
    result = evaluate(editor_case(iaas=iaas_link(stores_health_data=False, storage_countries=())))

    assert result.findings == ()


# 8. Evidence


def test_expiring_certificate_gives_the_days_left():
    result = evaluate(editor_case(iaas_certificates=[iaas_certificate(expires_on=ON + 30 * DAY)]))

    expiring = only(result, "evidence.certificate_expiring")
    assert (expiring.link, expiring.supplier) == (2, IAAS)
    assert "est valable jusqu'au 02/07/2025 (jours restants : 30)" in expiring.message_fr
    assert "is valid until 2025-07-02 (days left: 30)" in expiring.message_en


def test_contracts_are_checked_on_direct_suppliers_only():
    result = evaluate(editor_case(
        iaas=iaas_link(has_hosting_contract=False, has_dpa=False),
        extra_links=[replace(MANAGED_DATABASE_LINK, exemption_evidence=True)],
    ))

    assert described(result, "evidence.hosting_contract_missing", "evidence.dpa_missing") == [
        ("evidence.dpa_missing", 2, None, IAAS),
        ("evidence.hosting_contract_missing", 2, None, IAAS),
    ]


# 9. Register


def test_transfers_not_listed_are_reported_per_supplier_link():
    result = evaluate(editor_case(iaas=iaas_link(storage_countries=("FR", "CH"),
                                                 remote_access=(RemoteAccess("MA", "safeguards"),
                                                                RemoteAccess("BE"))),
                                  processing_facts=processing(transfers=(Transfer("JP"),))))

    not_listed = only(result, "register.transfer_not_listed")
    assert (not_listed.link, not_listed.supplier) == (2, IAAS)
    assert "(CH, MA)" in not_listed.message_fr


# Messages a lawyer would sign


def test_own_activity_uncovered_cites_the_court_for_an_editor():
    result = evaluate(case(EDITOR, links=[link(1, SELF, {5}, stores_health_data=False, storage_countries=()),
                                          link(2, DATACENTER, {1, 2})],
                           certificates=[certificate(2, DATACENTER, {1, 2})]))

    uncovered = only(result, "self.activity_not_covered")
    assert uncovered.message_fr == (
        "Votre organisation réalise l'activité 5 (administration et exploitation du système d'information) pour "
        "le compte de ses clients sans certificat HDS valide qui la couvre. Un éditeur de logiciel qui traite, "
        "stocke ou donne accès aux données de santé de ses clients est lui-même hébergeur et doit être certifié "
        "pour ce qu'il fait (CA Montpellier, 13 juin 2024, RG n° 22/01303)."
    )
    assert uncovered.message_en == (
        "Your organisation performs activity 5 (administration and operation of the information system) on "
        "behalf of its customers without a valid HDS certificate covering it. A software editor that processes, "
        "stores or gives access to its customers' health data is itself a host and must be certified for what "
        "it does (Montpellier Court of Appeal, 13 June 2024, RG no. 22/01303)."
    )


def test_own_activity_uncovered_speaks_to_a_hospital_as_a_hospital():
    result = evaluate(case(ESTABLISHMENT, processing_facts=FOR_PATIENTS, links=[link(1, SELF, {1})]))

    uncovered = only(result, "self.activity_not_covered")
    assert uncovered.message_fr == (
        "Votre organisation réalise l'activité 1 (mise à disposition et maintien en condition opérationnelle des "
        "sites physiques) pour le compte des patients eux-mêmes sans certificat HDS valide qui la couvre. Un "
        "établissement de santé n'est dispensé de certification que pour son propre système d'information et "
        "les données de ses propres patients : lorsqu'il héberge des données de santé pour le compte d'autrui ou "
        "des patients eux-mêmes, il est hébergeur pour cette activité."
    )
    assert "éditeur" not in uncovered.message_fr and "editor" not in uncovered.message_en
    assert "(provision and operational maintenance of the physical sites) on behalf of the patients themselves" \
        in uncovered.message_en


@pytest.mark.parametrize(("organisation", "processing_facts", "on_behalf", "noun"), [
    (HOSTING_PROVIDER, processing(), "pour le compte de ses clients", "Un hébergeur doit être certifié"),
    (PROFESSIONAL, processing(role="processor", controllers_served=("Clinique",)),
     "pour le compte des responsables de traitement qu'elle sert", "Un professionnel de santé n'est dispensé"),
])
def test_own_activity_uncovered_wording_follows_role_and_kind(organisation, processing_facts, on_behalf, noun):
    result = evaluate(case(organisation, processing_facts=processing_facts, links=[link(1, SELF, {6})]))

    message = only(result, "self.activity_not_covered").message_fr
    assert f"(sauvegarde des données de santé) {on_behalf} sans certificat" in message
    assert noun in message


@pytest.mark.parametrize(("organisation", "start_fr", "start_en"), [
    (PROFESSIONAL, "Les données de vos propres patients sont hébergées sur vos propres équipements : ",
     "Your own patients' data are hosted on your own equipment: "),
    (ESTABLISHMENT, "L'établissement héberge les données de ses propres patients sur son propre système "
                    "d'information : ",
     "The establishment hosts its own patients' data on its own information system: "),
    (OrganisationFacts(name="Mutuelle", kind="other"), "Vous hébergez vous-même, pour votre propre compte, les "
     "données de santé que vous traitez : ", "You host the health data you process yourself, on your own behalf: "),
])
def test_self_hosting_sentence_follows_the_organisation_kind(organisation, start_fr, start_en):
    result = evaluate(case(organisation, processing_facts=processing(hosting_mode="self_hosted", dpia_done=True)))

    self_hosted = only(result, "scope.self_hosted_own_patients")
    assert self_hosted.message_fr.startswith(start_fr)
    assert self_hosted.message_en.startswith(start_en)


def test_contradiction_lists_the_identifying_categories_as_written():
    result = evaluate(case(PROFESSIONAL, processing_facts=processing(
        identifiability="anonymised",
        data_categories=("Identité", "N° de sécurité sociale", "Coordonnées", "Âge", "Identifiant pseudonyme"))))

    contradiction = only(result, "scope.anonymised_contradiction")
    assert "(Identité, N° de sécurité sociale, Coordonnées)" in contradiction.message_fr
    assert "(Identité, N° de sécurité sociale, Coordonnées)" in contradiction.message_en


@pytest.mark.parametrize(("category", "identifying"), [
    ("Identité", True), ("État civil", True), ("Nom et prénom", True), ("Nom de famille", True), ("Full name", True),
    ("NIR", True), ("INS", True), ("N° de sécurité sociale", True), ("Coordonnées", True), ("Adresse postale", True),
    ("Téléphone", True), ("E-mail", True), ("Courriel", True),
    ("Nom du médicament", False), ("Identifiant pseudonyme", False), ("Données de santé", False),
    ("Tranche d'âge", False), ("Inscription au programme", False),
])
def test_identifying_categories_are_read_from_the_register_wording(category, identifying):
    assert identifying_categories((category,)) == ([category] if identifying else [])


def test_missing_art9_condition_names_9_2_h_and_9_3_and_prohibits_nothing():
    result = evaluate(editor_case(processing_facts=processing(art9_condition=" ")))

    missing = only(result, "register.art9_condition_missing")
    assert (missing.severity, missing.legal_reference) == (Severity.WARNING, "RGPD art. 9(2)(h) et 9(3)")
    assert "article 9(2)(h)" in missing.message_fr and "(article 9(3))" in missing.message_fr
    assert "interdit" not in missing.message_fr and "prohibited" not in missing.message_en


def test_establishment_care_dpia_cites_the_cnil_list():
    result = evaluate(case(ESTABLISHMENT, processing_facts=processing(dpia_required=False),
                           links=[link(1, HOST, ALL_ACTIVITIES)], certificates=[certificate(5, HOST, ALL_ACTIVITIES)]))

    dpia = only(result, "register.dpia_required_care")
    assert dpia.legal_reference == "RGPD art. 35(4) ; délibération CNIL n° 2018-327"
    assert "(délibération CNIL n° 2018-327)" in dpia.message_fr


def test_exi_references_name_the_requirement_of_the_v2_referential():
    references = {CATALOGUE[code].legal_reference for code in RULE_CODES if "EXI" in CATALOGUE[code].legal_reference}

    assert references == {
        "Référentiel HDS v2, exigence EXI 28",
        "Référentiel HDS v2, exigence EXI 29 ; RGPD art. 45 et 46",
        "RGPD art. 45 ; référentiel HDS v2, exigence EXI 29",
        "Référentiel HDS v2, exigence EXI 30",
        "CSP art. R.1111-8-8 II ; référentiel HDS v2, exigence EXI 12",
    }


def test_french_messages_write_dates_the_french_way():
    for spec in CATALOGUE.values():
        assert "%Y-%m-%d" not in spec.message_fr, spec.code
        assert "%d/%m/%Y" not in spec.message_en, spec.code
# 10. Completeness


def test_operation_missing_is_not_raised_on_an_empty_chain():
    result = evaluate(case(EDITOR, processing_facts=processing(hosting_mode="self_hosted")))

    assert [finding.code for finding in result.findings] == ["scope.chain_empty"]


def test_operation_missing_is_not_raised_for_a_controller_acting_for_itself():
    result = evaluate(case(PROFESSIONAL, links=[link(2, DATACENTER, {1, 2})],
                           certificates=[certificate(2, DATACENTER, {1, 2})]))

    assert "completeness.operation_missing" not in {finding.code for finding in result.findings}


def test_site_and_hardware_missing_names_only_the_missing_activity_and_each_link():
    result = evaluate(case(PROFESSIONAL, links=[
        link(5, HOST, {2, 5}), link(6, IAAS, {3, 4}), link(7, DATACENTER, {1}, parent_id=5),
        link(8, BACKUP, {6}, stores_health_data=False),
    ], certificates=[certificate(5, HOST, {2, 5}), certificate(6, IAAS, {3, 4}), certificate(7, DATACENTER, {1})]))

    assert described(result, "completeness.site_and_hardware_missing") == [
        ("completeness.site_and_hardware_missing", 6, None, IAAS)]
    assert "(activities missing: 1, 2)" in only(result, "completeness.site_and_hardware_missing").message_en


def test_site_and_hardware_walk_survives_a_cycle_through_the_own_link():
    result = evaluate(case(EDITOR, links=[
        link(1, SELF, {5}, parent_id=2), link(2, HOST, {3, 4}),
    ], certificates=[certificate(1, SELF, {5}), certificate(2, HOST, {3, 4})]))

    assert described(result, "completeness.site_and_hardware_missing") == [
        ("completeness.site_and_hardware_missing", 1, None, None),
        ("completeness.site_and_hardware_missing", 2, None, HOST),
    ]


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
        ("error", 9, None, "evidence.dpa_missing"),
        ("error", 9, 1, "coverage.activity_not_covered"),
        ("error", 9, 5, "coverage.activity_not_covered"),
        ("warning", None, None, "register.art9_condition_missing"),
        ("warning", None, None, "register.dpia_unknown"),
        ("warning", 3, None, "completeness.site_and_hardware_missing"),
        ("warning", 3, None, "sovereignty.storage_location_unknown"),
        ("warning", 3, None, "validity.certifier_missing"),
        ("warning", 5, None, "evidence.certificate_expiring"),
        ("warning", 9, None, "completeness.site_and_hardware_missing"),
        ("info", None, None, "backup.none_recorded"),
        ("info", 3, None, "registry.match_suggested"),
    ]
    assert result.status is Status.NON_COMPLIANT


def test_findings_do_not_depend_on_input_order():
    data = messy_case()
    shuffled = replace(data, links=data.links[::-1], certificates=data.certificates[::-1])

    assert evaluate(shuffled) == evaluate(data) == evaluate(data)


def test_result_serialisation():
    result = evaluate(case(PROFESSIONAL, links=[link(7, HOST, {1, 2, 6})],
                           certificates=[certificate(5, HOST, {1, 2})]))

    assert result.to_json() == {
        "status": "non_compliant",
        "hosting_status": "non_compliant",
        "register_status": "compliant",
        # The host's certificate, relied on for 1-2, enters the 90-day expiry horizon that day.
        "valid_until": "2027-09-02",
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
