"""Scenario table of the conformity engine: for each case, the status and the exact set of codes.

The reference chain is a software editor (activity 5, certified) over an IaaS certified 1–4 and
a backup provider certified 1, 2 and 6 (the backups sit in its own datacenter), with contracts,
DPAs and a complete register: compliant with no finding. Most cases change one thing in it.
"""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from compliance.conformity import (
    ALL_CONTRACT_CLAUSES,
    SELF,
    ActorFacts,
    CertificateFacts,
    ContractClause,
    EvaluationInput,
    LinkFacts,
    OrganisationFacts,
    ProcessingFacts,
    RegistryView,
    RemoteAccess,
    Status,
    Transfer,
    evaluate,
)

ON = date(2025, 6, 2)
DAY = timedelta(days=1)
ALL_ACTIVITIES = frozenset(range(1, 7))

EDITOR = OrganisationFacts(name="Médilog SAS", kind="software_editor")
PROFESSIONAL = OrganisationFacts(name="Cabinet du Dr Lefèvre", kind="health_professional")
ESTABLISHMENT = OrganisationFacts(name="Clinique des Tilleuls", kind="health_establishment")
HOSTING_PROVIDER = OrganisationFacts(name="Hébergement Santé SA", kind="hosting_provider")
DIGITISATION = OrganisationFacts(name="Numérisation Express", kind="other")

DATACENTER, IAAS, BACKUP, MANAGED_DATABASE, HOST, ARCHIVE, SCANNING = 1, 2, 3, 4, 5, 6, 7
SUPPLIER_NAMES = {
    DATACENTER: "DataCentre Nord",
    IAAS: "Nuage Souverain",
    BACKUP: "Sauvegarde Sûre",
    MANAGED_DATABASE: "BaseGérée",
    HOST: "Hébergeur Régional",
    ARCHIVE: "Archives Numériques Agréées",
    SCANNING: "Scan Santé",
}


def processing(**changes) -> ProcessingFacts:
    """A complete controller register entry for outsourced, identified health data."""
    fields = {
        "id": 1,
        "name": "Dossier patient informatisé",
        "health_data": True,
        "identifiability": "identified",
        "hosting_mode": "outsourced",
        "role": "controller",
        "purposes": ("Suivi des patients",),
        "legal_basis": "Art. 6(1)(c) obligation légale",
        "art9_condition": "Art. 9(2)(h) soins, sous secret professionnel",
        "data_subject_categories": ("Patients",),
        "data_categories": ("Identité", "Données de santé"),
        "recipients": ("Professionnels de santé de l'équipe de soins",),
        "retention": "20 ans après le dernier passage",
        "security_measures": "Chiffrement au repos, authentification forte, journalisation",
        "controller_contact": "dpo@medilog.example",
        "dpia_required": False,
        "dpia_done": False,
    }
    fields.update(changes)
    return ProcessingFacts(**fields)


def processor_processing(**changes) -> ProcessingFacts:
    """A complete processor (art. 30(2)) register entry."""
    fields = {
        "role": "processor",
        "controllers_served": ("Clinique des Tilleuls",),
        "legal_basis": "",
        "art9_condition": "",
        "data_subject_categories": (),
        "data_categories": (),
        "recipients": (),
        "retention": "",
        "dpia_required": None,
    }
    fields.update(changes)
    return processing(**fields)


def supplier(key, *, match="confirmed", present=True, removed=False, listed=ALL_ACTIVITIES,
             list_expires_on=None, **changes) -> ActorFacts:
    """A French supplier; by default confirmed in the ANS list for every activity."""
    view = RegistryView(present, removed, frozenset(listed), list_expires_on) if match == "confirmed" else None
    fields = {"key": key, "name": SUPPLIER_NAMES[key], "country": "FR", "registry_match": match,
              "registry": view}
    fields.update(changes)
    return ActorFacts(**fields)


def certificate(id, actor, activities, **changes) -> CertificateFacts:
    """A valid HDS v2 certificate taken from the registry."""
    fields = {
        "id": id,
        "actor": actor,
        "kind": "hds",
        "activities": frozenset(activities),
        "number": f"HDS-{id:04d}",
        "certifier": "LNE",
        "referential_version": "v2",
        "issued_on": date(2024, 12, 2),
        "expires_on": date(2027, 12, 1),
        "status": "valid",
        "source": "registry",
        "has_document": False,
    }
    fields.update(changes)
    return CertificateFacts(**fields)


def link(id, actor, activities, **changes) -> LinkFacts:
    """A link storing health data in France, with hosting contract and DPA on file; the contract
    was checked to hold every R.1111-11 clause and names the link's storage countries (France when
    they are unknown)."""
    fields = {
        "id": id,
        "actor": actor,
        "activities": frozenset(activities),
        "storage_countries": ("FR",),
        "has_hosting_contract": True,
        "has_dpa": True,
        "contract_clauses": ALL_CONTRACT_CLAUSES,
    }
    fields.update(changes)
    fields.setdefault("contract_locations", fields["storage_countries"] or ("FR",))
    return LinkFacts(**fields)


def case(organisation, *, processing_facts=None, links=(), certificates=(), actors=(), on=ON):
    """An evaluation input; suppliers used by links and not given get `supplier(key)`."""
    by_key = {actor.key: actor for actor in actors}
    for chain_link in links:
        if chain_link.actor != SELF and chain_link.actor not in by_key:
            by_key[chain_link.actor] = supplier(chain_link.actor)
    return EvaluationInput(
        organisation=organisation,
        processing=processing_facts or processing(),
        on=on,
        links=tuple(links),
        actors=by_key,
        certificates=tuple(certificates),
    )


# The reference chain of the software editor.
OPERATION_LINK = link(1, SELF, {5}, stores_health_data=False, storage_countries=())
IAAS_LINK = link(2, IAAS, {1, 2, 3, 4})
BACKUP_LINK = link(3, BACKUP, {1, 2, 6}, is_backup=True)  # backups kept in its own datacenter
OWN_CERTIFICATE = certificate(1, SELF, {5}, source="document", has_document=True)
IAAS_CERTIFICATE = certificate(2, IAAS, {1, 2, 3, 4})
BACKUP_CERTIFICATE = certificate(3, BACKUP, {1, 2, 6})


def iaas_link(**changes) -> LinkFacts:
    """The IaaS link changed; its contract names the storage countries given, unless told otherwise."""
    if "storage_countries" in changes:
        changes.setdefault("contract_locations", changes["storage_countries"] or IAAS_LINK.contract_locations)
    return replace(IAAS_LINK, **changes)


def iaas_certificate(**changes) -> CertificateFacts:
    return replace(IAAS_CERTIFICATE, **changes)


def editor_case(*, operation=OPERATION_LINK, iaas=IAAS_LINK, backup=BACKUP_LINK, extra_links=(),
                own_certificates=(OWN_CERTIFICATE,), iaas_certificates=(IAAS_CERTIFICATE,),
                backup_certificates=(BACKUP_CERTIFICATE,), extra_certificates=(), actors=(),
                processing_facts=None, on=ON) -> EvaluationInput:
    """The reference editor chain with the given parts replaced (None drops a link). Unless another
    operation link is given, the editor's own contract with its customers names every country
    where the chain stores the data."""
    links = [chain_link for chain_link in (iaas, backup, *extra_links) if chain_link is not None]
    if operation is OPERATION_LINK:
        stored = {country for chain_link in links if chain_link.stores_health_data
                  for country in chain_link.storage_countries}
        operation = replace(operation, contract_locations=tuple(sorted(stored)) or ("FR",))
    links = [chain_link for chain_link in (operation, iaas, backup) if chain_link is not None]
    return case(
        EDITOR,
        processing_facts=processing_facts,
        links=[*links, *extra_links],
        certificates=[*own_certificates, *iaas_certificates, *backup_certificates, *extra_certificates],
        actors=actors,
        on=on,
    )


SELF_HOSTING_DUTIES = {
    "scope.self_hosting_security",
    "scope.self_hosting_register",
    "scope.self_hosting_patient_rights",
    "scope.self_hosting_privacy_notice",
    "scope.self_hosting_backups",
}
V1_DEADLINE = date(2026, 5, 16)
BEFORE_V2 = date(2024, 3, 1)  # referential v2 was published on 2024-05-16
V2_MANDATORY = date(2024, 11, 16)
UK_DECISIONS_LAPSE = date(2031, 12, 27)  # the renewal of 19 December 2025 runs until then
# The reference chain renewed in 2030, evaluated the day after the UK decisions run out.
AFTER_UK_DECISIONS = {
    "on": UK_DECISIONS_LAPSE + DAY,
    **{f"{part}_certificates": [replace(template, issued_on=date(2030, 1, 2), expires_on=date(2033, 1, 1))]
       for part, template in (("own", OWN_CERTIFICATE), ("iaas", IAAS_CERTIFICATE), ("backup", BACKUP_CERTIFICATE))},
}
ANONYMOUS_CATEGORIES = ("Tranche d'âge", "Diagnostics codés")
FOR_PATIENTS = processing(hosting_mode="self_hosted", hosts_for_patients=True, dpia_done=True)
SELF_HOSTED = processing(hosting_mode="self_hosted")
MANAGED_DATABASE_LINK = link(4, MANAGED_DATABASE, {4}, parent_id=2, exempt_under_parent=True,
                             has_hosting_contract=False, has_dpa=False)
ALL_REGISTER_FIELDS_MISSING = processing(
    purposes=(), data_subject_categories=(), data_categories=(" ",), recipients=(), retention="",
    security_measures=" ", controller_contact="", legal_basis="",
)

# The clauses most often missing or stale (CSP R.1111-11 1°, 3°, 7°, 12° to 14°).
OFTEN_MISSING_CLAUSES = frozenset({
    ContractClause.CERTIFICATE_SCOPE_DATES, ContractClause.HOSTING_LOCATIONS, ContractClause.SUBCONTRACTORS,
    ContractClause.REVERSIBILITY_RESTITUTION, ContractClause.REVERSIBILITY_DESTRUCTION,
    ContractClause.REVERSIBILITY_FORMATS,
})
# Suppliers with no certificate and no match in the ANS list: an exemption is all they can rely on.
UNLISTED = [supplier(ARCHIVE, match="none"), supplier(SCANNING, match="none")]
ARCHIVE_LINK = link(5, ARCHIVE, {1, 2, 6}, exemption_reason="archiving_approved", exemption_evidence=True,
                    has_hosting_contract=False)
SCANNING_LINK = link(6, SCANNING, {5}, exemption_reason="short_term_processing", exemption_evidence=True,
                     has_hosting_contract=False)
DIGITISING_FOR_CLIENTS = processor_processing(hosting_mode="self_hosted", exemption_reason="short_term_processing",
                                              exemption_evidence=True)

NON_COMPLIANT, COMPLIANT = Status.NON_COMPLIANT, Status.COMPLIANT
INCOMPLETE, NOT_APPLICABLE = Status.INCOMPLETE, Status.NOT_APPLICABLE

SCENARIOS = [
    # Scope
    pytest.param(
        case(PROFESSIONAL, processing_facts=SELF_HOSTED),
        (COMPLIANT, NOT_APPLICABLE, COMPLIANT), {"scope.self_hosted_own_patients", *SELF_HOSTING_DUTIES},
        id="professional-self-hosting",
    ),
    pytest.param(
        case(PROFESSIONAL, processing_facts=SELF_HOSTED, links=[link(1, SELF, {1, 2, 5, 6})]),
        (COMPLIANT, NOT_APPLICABLE, COMPLIANT), {"scope.self_hosted_own_patients", *SELF_HOSTING_DUTIES},
        id="professional-self-hosting-own-link-needs-no-certificate",
    ),
    pytest.param(
        case(ESTABLISHMENT, processing_facts=processing(hosting_mode="self_hosted", dpia_required=True,
                                                         dpia_done=True)),
        (COMPLIANT, NOT_APPLICABLE, COMPLIANT), {"scope.self_hosted_own_patients", *SELF_HOSTING_DUTIES},
        id="establishment-self-hosting",
    ),
    pytest.param(
        case(PROFESSIONAL, processing_facts=processing(hosting_mode="self_hosted", art9_condition="")),
        (INCOMPLETE, NOT_APPLICABLE, INCOMPLETE),
        {"scope.self_hosted_own_patients", *SELF_HOSTING_DUTIES, "register.art9_condition_missing"},
        id="professional-self-hosting-register-gap-answers-on-the-register",
    ),
    pytest.param(
        case(PROFESSIONAL, processing_facts=SELF_HOSTED,
             links=[link(1, SELF, {1, 2, 5}), link(3, BACKUP, {1, 2, 6})],
             certificates=[BACKUP_CERTIFICATE]),
        (COMPLIANT, COMPLIANT, COMPLIANT), SELF_HOSTING_DUTIES,
        id="professional-self-hosting-with-certified-external-backup",
    ),
    pytest.param(
        case(PROFESSIONAL, processing_facts=SELF_HOSTED, links=[link(3, BACKUP, {1, 2, 6})]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {*SELF_HOSTING_DUTIES, "coverage.activity_not_covered"},
        id="professional-self-hosting-with-uncertified-external-backup",
    ),
    pytest.param(
        case(PROFESSIONAL, links=[link(1, HOST, ALL_ACTIVITIES)]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"coverage.activity_not_covered"},
        id="professional-outsourcing-to-uncertified-host",
    ),
    pytest.param(
        case(PROFESSIONAL, links=[link(1, HOST, ALL_ACTIVITIES)],
             certificates=[certificate(5, HOST, ALL_ACTIVITIES, source="provider", has_document=True)],
             actors=[supplier(HOST, provider_share="active")]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="professional-host-linked-on-the-instance-shares-its-certificate",
    ),
    pytest.param(
        # The link with the host ended: its shared certificate is gone and unknown, not missing.
        case(PROFESSIONAL, links=[link(1, HOST, ALL_ACTIVITIES)],
             actors=[supplier(HOST, match="none", provider_share="ended")]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"coverage.provider_share_ended"},
        id="professional-host-link-ended-is-incomplete-not-compliant",
    ),
    pytest.param(
        # A copy the ended provider shared is still on file: it proves nothing any more.
        case(PROFESSIONAL, links=[link(1, HOST, ALL_ACTIVITIES)],
             certificates=[certificate(5, HOST, ALL_ACTIVITIES, source="provider", has_document=True)],
             actors=[supplier(HOST, match="none", provider_share="ended")]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"coverage.provider_share_ended"},
        id="professional-stale-copy-of-an-ended-provider-is-not-proof",
    ),
    pytest.param(
        case(PROFESSIONAL, links=[link(1, HOST, ALL_ACTIVITIES)],
             certificates=[certificate(5, HOST, ALL_ACTIVITIES)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="professional-outsourcing-to-certified-host",
    ),
    pytest.param(
        case(PROFESSIONAL, processing_facts=processing(identifiability="pseudonymised"),
             links=[link(1, HOST, ALL_ACTIVITIES)]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"scope.pseudonymised_in_scope", "coverage.activity_not_covered"},
        id="pseudonymised-outsourced-to-uncertified-host",
    ),
    pytest.param(
        case(PROFESSIONAL, processing_facts=processing(identifiability="anonymised", art9_condition="",
                                                        data_categories=ANONYMOUS_CATEGORIES),
             links=[link(1, HOST, ALL_ACTIVITIES, has_dpa=False)]),
        (NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE), {"scope.anonymised"},
        id="anonymised",
    ),
    # What the user declares is checked against itself
    pytest.param(
        case(PROFESSIONAL, processing_facts=processing(identifiability="anonymised"),
             links=[link(1, HOST, ALL_ACTIVITIES)], certificates=[certificate(5, HOST, ALL_ACTIVITIES)]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"scope.anonymised_contradiction"},
        id="anonymised-with-identity-is-a-contradiction-not-an-exemption",
    ),
    pytest.param(
        case(PROFESSIONAL, processing_facts=processing(identifiability="anonymised", art9_condition="",
                                                        data_categories=("NIR", "Diagnostics")),
             links=[link(1, HOST, ALL_ACTIVITIES, has_dpa=False)]),
        (NON_COMPLIANT, NON_COMPLIANT, INCOMPLETE),
        {"scope.anonymised_contradiction", "coverage.activity_not_covered", "evidence.dpa_missing",
         "register.art9_condition_missing"},
        id="anonymised-with-nir-is-evaluated-as-personal-data",
    ),
    pytest.param(
        case(PROFESSIONAL, processing_facts=processing(identifiability="anonymised",
                                                        data_categories=("Adresse e-mail", "Mesures")),
             links=[link(1, HOST, ALL_ACTIVITIES)], certificates=[certificate(5, HOST, ALL_ACTIVITIES)]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"scope.anonymised_contradiction"},
        id="anonymised-with-contact-details-is-a-contradiction",
    ),
    pytest.param(
        case(ESTABLISHMENT, processing_facts=FOR_PATIENTS, links=[link(1, SELF, ALL_ACTIVITIES)]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"self.activity_not_covered"},
        id="establishment-hosting-for-patients-own-link-in-scope",
    ),
    pytest.param(
        case(ESTABLISHMENT, processing_facts=FOR_PATIENTS, links=[link(1, SELF, ALL_ACTIVITIES)],
             certificates=[certificate(1, SELF, ALL_ACTIVITIES, source="document", has_document=True)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="establishment-hosting-for-patients-certified-itself",
    ),
    pytest.param(
        case(PROFESSIONAL, processing_facts=processing(hosting_mode="self_hosted", hosts_for_patients=True)),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"scope.chain_empty"},
        id="professional-hosting-for-patients-is-not-self-hosting-own-data",
    ),
    pytest.param(
        case(EDITOR, processing_facts=processing(health_data=False, art9_condition=""),
             links=[link(1, HOST, ALL_ACTIVITIES, has_hosting_contract=False)]),
        (COMPLIANT, NOT_APPLICABLE, COMPLIANT), {"scope.not_health_data"},
        id="not-health-data",
    ),
    pytest.param(
        case(EDITOR, processing_facts=processing(health_data=False),
             links=[link(1, HOST, ALL_ACTIVITIES, has_dpa=False)]),
        (NON_COMPLIANT, NOT_APPLICABLE, NON_COMPLIANT), {"scope.not_health_data", "evidence.dpa_missing"},
        id="not-health-data-dpa-still-required",
    ),
    pytest.param(
        case(PROFESSIONAL, processing_facts=processing(hosting_mode=None)),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"scope.hosting_mode_unknown"},
        id="hosting-mode-unknown",
    ),
    pytest.param(
        case(PROFESSIONAL, processing_facts=processing(hosting_mode=""),
             links=[link(1, HOST, ALL_ACTIVITIES)], certificates=[certificate(5, HOST, ALL_ACTIVITIES)]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"scope.hosting_mode_unknown"},
        id="hosting-mode-unknown-with-certified-host",
    ),
    pytest.param(
        case(PROFESSIONAL),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"scope.chain_empty"},
        id="outsourced-chain-empty",
    ),
    pytest.param(
        case(PROFESSIONAL, links=[link(1, SELF, {5})]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"scope.outsourced_without_supplier"},
        id="outsourced-with-only-own-link",
    ),
    pytest.param(
        case(EDITOR, processing_facts=SELF_HOSTED),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"scope.chain_empty"},
        id="editor-self-hosting-for-customers-chain-empty",
    ),
    # Coverage and the organisation's own certificate
    pytest.param(
        editor_case(),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="editor-certified-5-over-iaas-1-4-and-backup-6",
    ),
    # Nobody declared as storing the data: certified links alone are no proof of where they are.
    pytest.param(
        editor_case(iaas=iaas_link(stores_health_data=False), backup=replace(BACKUP_LINK, stores_health_data=False)),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"completeness.storage_missing"},
        id="certified-chain-where-no-link-stores-the-data",
    ),
    pytest.param(
        case(PROFESSIONAL, links=[link(1, HOST, ALL_ACTIVITIES, stores_health_data=False)],
             certificates=[certificate(5, HOST, ALL_ACTIVITIES)]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"completeness.storage_missing"},
        id="outsourced-to-a-certified-host-that-stores-nothing",
    ),
    # Data kept on the professional's own servers, only administered by a certified provider: stored.
    pytest.param(
        case(PROFESSIONAL, processing_facts=SELF_HOSTED,
             links=[link(1, SELF, {1, 2}), link(2, HOST, {5}, stores_health_data=False)],
             certificates=[certificate(5, HOST, {5})]),
        (COMPLIANT, COMPLIANT, COMPLIANT), SELF_HOSTING_DUTIES,
        id="self-hosted-data-administered-by-a-certified-provider",
    ),
    pytest.param(
        case(EDITOR, links=[OPERATION_LINK, link(2, DATACENTER, {1, 2})],
             certificates=[certificate(2, DATACENTER, {1, 2})]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"self.activity_not_covered", "backup.none_recorded"},
        id="editor-operating-on-certified-datacenter-not-certified-itself",
    ),
    pytest.param(
        case(HOSTING_PROVIDER, processing_facts=SELF_HOSTED, links=[link(1, SELF, ALL_ACTIVITIES)],
             certificates=[certificate(1, SELF, ALL_ACTIVITIES)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="hosting-provider-certified-itself",
    ),
    pytest.param(
        case(PROFESSIONAL, processing_facts=processor_processing(hosting_mode="self_hosted"),
             links=[link(1, SELF, ALL_ACTIVITIES)]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"self.activity_not_covered"},
        id="professional-hosting-as-processor-needs-own-certificate",
    ),
    pytest.param(
        editor_case(iaas=None, extra_links=[link(2, DATACENTER, {1, 2}), link(4, IAAS, {3, 4}, parent_id=2)],
                    iaas_certificates=[certificate(2, DATACENTER, {1, 2})]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"coverage.activity_not_covered"},
        id="datacenter-certificate-does-not-cover-iaas-above-it",
    ),
    pytest.param(
        editor_case(backup_certificates=[certificate(3, BACKUP, {1, 2, 3, 4})]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"coverage.activity_not_covered"},
        id="backup-provider-not-certified-for-6",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(kind="iso27001")]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"coverage.activity_not_covered"},
        id="iso27001-certificate-does-not-cover",
    ),
    pytest.param(
        editor_case(extra_links=[MANAGED_DATABASE_LINK]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"coverage.exemption_unproven"},
        id="subcontractor-exempt-under-parent-without-evidence",
    ),
    pytest.param(
        editor_case(extra_links=[replace(MANAGED_DATABASE_LINK, exemption_evidence=True)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"coverage.exempt_under_parent"},
        id="subcontractor-exempt-under-parent-with-evidence",
    ),
    pytest.param(
        editor_case(extra_links=[replace(MANAGED_DATABASE_LINK, activities=frozenset({5}),
                                         exemption_evidence=True)]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"coverage.activity_not_covered"},
        id="exemption-useless-when-parent-not-certified-for-the-activity",
    ),
    pytest.param(
        editor_case(extra_links=[replace(MANAGED_DATABASE_LINK, exempt_under_parent=False, exemption_reason=None)],
                    extra_certificates=[certificate(4, MANAGED_DATABASE, {4})]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="certified-subcontractor-needs-no-contract-with-the-organisation",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(activities=frozenset())),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"coverage.link_activities_missing"},
        id="link-activities-missing",
    ),
    # Exemptions, each with its proof
    pytest.param(
        editor_case(extra_links=[replace(MANAGED_DATABASE_LINK, exempt_under_parent=None,
                                         exemption_reason="covered_by_parent_audit", exemption_evidence=True)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"coverage.exempt_under_parent"},
        id="exemption-reason-covered-by-parent-audit-with-evidence",
    ),
    pytest.param(
        editor_case(extra_links=[ARCHIVE_LINK], actors=UNLISTED),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"coverage.exempt_archiving_approved"},
        id="approved-archiving-service-with-its-approval",
    ),
    pytest.param(
        editor_case(extra_links=[replace(ARCHIVE_LINK, exemption_evidence=False)], actors=UNLISTED),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT),
        {"coverage.exemption_archiving_unproven", "evidence.hosting_contract_missing"},
        id="approved-archiving-claimed-without-approval",
    ),
    pytest.param(
        editor_case(extra_links=[SCANNING_LINK], actors=UNLISTED),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"coverage.exempt_short_term_processing"},
        id="short-term-digitisation-with-its-proof-is-not-hosting",
    ),
    pytest.param(
        editor_case(extra_links=[replace(SCANNING_LINK, exemption_evidence=False)], actors=UNLISTED),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT),
        # Unproven, it is a host like any other, site and hardware included.
        {"coverage.exemption_short_term_unproven", "evidence.hosting_contract_missing",
         "completeness.site_and_hardware_missing"},
        id="short-term-processing-claimed-without-proof",
    ),
    pytest.param(
        case(DIGITISATION, processing_facts=DIGITISING_FOR_CLIENTS,
             links=[link(1, SELF, {5}, has_hosting_contract=False)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"coverage.exempt_short_term_processing", "backup.none_recorded"},
        id="organisation-digitising-for-clients-with-proof-needs-no-certificate",
    ),
    pytest.param(
        case(DIGITISATION, processing_facts=replace(DIGITISING_FOR_CLIENTS, exemption_evidence=False),
             links=[link(1, SELF, {5}, has_hosting_contract=False)]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT),
        {"coverage.exemption_short_term_unproven", "evidence.own_hosting_contract_missing", "backup.none_recorded",
         "completeness.site_and_hardware_missing"},
        id="organisation-claiming-short-term-processing-without-proof",
    ),
    # External backup
    pytest.param(
        editor_case(backup=replace(BACKUP_LINK, activities=frozenset({1, 2}))),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"backup.activity_6_missing"},
        id="backup-link-without-activity-6-checked-as-6",
    ),
    pytest.param(
        editor_case(backup=replace(BACKUP_LINK, activities=frozenset({1, 2})),
                    backup_certificates=[certificate(3, BACKUP, {1, 2})]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"backup.activity_6_missing", "coverage.activity_not_covered"},
        id="backup-link-without-activity-6-not-certified-for-6",
    ),
    pytest.param(
        editor_case(backup=None, backup_certificates=()),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"backup.none_recorded"},
        id="no-backup-in-chain",
    ),
    # Validity
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(expires_on=ON - DAY)]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"coverage.activity_not_covered", "validity.certificate_expired"},
        id="certificate-expired-yesterday",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(expires_on=ON)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"evidence.certificate_expiring"},
        id="certificate-expiring-today-still-valid",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(id=20, expires_on=ON - DAY), IAAS_CERTIFICATE]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="expired-certificate-replaced-by-renewal",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(issued_on=ON + DAY)]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT),
        {"coverage.activity_not_covered", "validity.certificate_not_yet_valid"},
        id="certificate-not-yet-valid",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(status="suspended")]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"coverage.activity_not_covered", "validity.certificate_suspended"},
        id="certificate-suspended",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(status="withdrawn")]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"coverage.activity_not_covered", "validity.certificate_withdrawn"},
        id="certificate-withdrawn",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(referential_version="v1")], on=V1_DEADLINE + DAY),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT),
        {"coverage.activity_not_covered", "validity.certificate_v1_obsolete"},
        id="hds-v1-after-2026-05-16",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(referential_version="v1")], on=V1_DEADLINE),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="hds-v1-on-2026-05-16",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(referential_version="v2", issued_on=BEFORE_V2)],
                    on=V1_DEADLINE + DAY),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT),
        {"coverage.activity_not_covered", "validity.certificate_v1_obsolete"},
        id="issued-before-v2-is-v1-whatever-its-label",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(referential_version="", issued_on=BEFORE_V2)],
                    on=V1_DEADLINE + DAY),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT),
        {"coverage.activity_not_covered", "validity.certificate_v1_obsolete"},
        id="blank-version-issued-before-v2-is-v1",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(referential_version="", issued_on=V2_MANDATORY - DAY,
                                                                expires_on=date(2027, 11, 14))],
                    on=V1_DEADLINE + DAY),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"validity.referential_version_missing"},
        id="blank-version-issued-in-the-transition-is-missing-information",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(referential_version="", issued_on=None)],
                    on=V1_DEADLINE + DAY),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"validity.referential_version_missing"},
        id="blank-version-issue-date-unknown-is-missing-information",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(referential_version="", issued_on=V2_MANDATORY - DAY,
                                                                expires_on=date(2027, 11, 14))]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="blank-version-before-the-v1-deadline-changes-nothing",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(referential_version="", issued_on=V2_MANDATORY,
                                                                expires_on=date(2027, 11, 15))],
                    on=V1_DEADLINE + DAY),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="blank-version-issued-since-2024-11-16-is-v2",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(referential_version="v2.1")], on=V1_DEADLINE + DAY),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="unknown-version-kept-as-data-is-not-v1",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(expires_on=date(2027, 12, 3))]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"validity.certificate_period_too_long"},
        id="certificate-spanning-more-than-three-years",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(expires_on=date(2027, 12, 2))]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="certificate-spanning-exactly-three-years",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(certifier=" ")]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"validity.certifier_missing"},
        id="certifier-missing",
    ),
    # Registry agreement
    pytest.param(
        editor_case(actors=[supplier(IAAS, present=False, removed=True)]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"registry.host_removed"},
        id="registry-host-removed",
    ),
    pytest.param(
        editor_case(actors=[supplier(IAAS, present=False)],
                    iaas_certificates=[iaas_certificate(source="document", has_document=True)]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"registry.host_absent"},
        id="registry-host-absent-from-latest-list",
    ),
    pytest.param(
        editor_case(actors=[supplier(IAAS, listed={1, 2, 3})],
                    iaas_certificates=[iaas_certificate(source="manual", has_document=True)]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"registry.activities_narrower"},
        id="registry-lists-narrower-activities",
    ),
    pytest.param(
        editor_case(actors=[supplier(IAAS, list_expires_on=ON - DAY)],
                    iaas_certificates=[iaas_certificate(source="document", has_document=True)]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"registry.expired_in_list"},
        id="registry-shows-earlier-expiry",
    ),
    pytest.param(
        editor_case(actors=[supplier(IAAS, match="none")],
                    iaas_certificates=[iaas_certificate(source="document", has_document=True)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"registry.not_found"},
        id="registry-no-match-for-claimed-certificate",
    ),
    pytest.param(
        editor_case(actors=[supplier(IAAS, match="suggested")],
                    iaas_certificates=[iaas_certificate(source="document", has_document=True)]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"registry.match_suggested"},
        id="registry-match-only-suggested",
    ),
    # Sovereignty
    pytest.param(
        editor_case(iaas=iaas_link(storage_countries=("FR", "US")),
                    processing_facts=processing(transfers=(Transfer("US", "CCT 2021/914"),))),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"sovereignty.storage_outside_eea"},
        id="health-data-stored-outside-eea",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(storage_countries=("RE", "NO"))),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="health-data-stored-in-reunion-and-norway",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(storage_countries=())),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"sovereignty.storage_location_unknown"},
        id="storage-countries-unknown",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(remote_access=(RemoteAccess("IN"),)),
                    processing_facts=processing(transfers=(Transfer("IN", "CCT 2021/914"),))),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"sovereignty.remote_access_without_basis"},
        id="remote-access-without-basis",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(remote_access=(RemoteAccess("IN", "adequacy"),)),
                    processing_facts=processing(transfers=(Transfer("IN", "CCT 2021/914"),))),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"sovereignty.remote_access_no_adequacy"},
        id="remote-access-adequacy-claimed-without-decision",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(remote_access=(RemoteAccess("CH", "adequacy"), RemoteAccess("DE"))),
                    processing_facts=processing(transfers=(Transfer("CH"),))),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"sovereignty.remote_access_adequacy"},
        id="remote-access-under-adequacy",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(remote_access=(RemoteAccess("CH"), RemoteAccess("JP"), RemoteAccess("GB"))),
                    processing_facts=processing(transfers=(Transfer("CH"), Transfer("JP"), Transfer("GB")))),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"sovereignty.remote_access_adequacy"},
        id="remote-access-from-adequate-countries-needs-no-typed-basis",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(remote_access=(RemoteAccess("IN", "safeguards"),)),
                    processing_facts=processing(transfers=(Transfer("IN", "CCT 2021/914"),))),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="remote-access-under-safeguards",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(remote_access=(RemoteAccess("US", "adequacy"),)),
                    processing_facts=processing(transfers=(Transfer("US"),))),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"sovereignty.remote_access_dpf_check"},
        id="remote-access-from-us-dpf-certification-not-recorded",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(remote_access=(RemoteAccess("US"),)),
                    processing_facts=processing(transfers=(Transfer("US"),)),
                    actors=[supplier(IAAS, dpf_certified=True)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"sovereignty.remote_access_adequacy"},
        id="remote-access-from-us-dpf-certified",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(remote_access=(RemoteAccess("US", "safeguards"),)),
                    processing_facts=processing(transfers=(Transfer("US", "CCT 2021/914"),))),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="remote-access-from-us-under-safeguards-needs-no-dpf",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(remote_access=(RemoteAccess("GB"),)),
                    processing_facts=processing(transfers=(Transfer("GB", "CCT 2021/914"),)), **AFTER_UK_DECISIONS),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"sovereignty.remote_access_without_basis"},
        id="remote-access-from-gb-after-its-decisions-lapse",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(storage_countries=("AX", "FI"))),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="health-data-stored-in-aland-is-eu",
    ),
    pytest.param(
        editor_case(actors=[supplier(IAAS, subject_to_non_eu_law=True)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"sovereignty.non_eu_law_unnamed"},
        id="non-eu-law-not-named",
    ),
    pytest.param(
        editor_case(actors=[supplier(IAAS, subject_to_non_eu_law=True, non_eu_laws=("CLOUD Act",))]),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"sovereignty.non_eu_law_unmitigated"},
        id="non-eu-law-without-mitigations",
    ),
    pytest.param(
        editor_case(actors=[supplier(IAAS, subject_to_non_eu_law=True, non_eu_laws=("CLOUD Act",),
                                     non_eu_law_mitigations=True)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="non-eu-law-documented",
    ),
    pytest.param(
        editor_case(actors=[supplier(IAAS, country="US")]),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"sovereignty.non_eu_law_unnamed"},
        id="supplier-seated-outside-eea-is-exposed-to-non-eu-law",
    ),
    pytest.param(
        editor_case(actors=[supplier(IAAS, country="CH")]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="supplier-seated-in-an-adequate-country-raises-no-exi-30-warning",
    ),
    pytest.param(
        editor_case(actors=[supplier(IAAS, country="US", dpf_certified=True)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="supplier-seated-in-us-dpf-certified-raises-no-exi-30-warning",
    ),
    # Evidence
    pytest.param(
        editor_case(iaas=iaas_link(has_hosting_contract=False)),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"evidence.hosting_contract_missing"},
        id="hosting-contract-missing",
    ),
    pytest.param(
        editor_case(backup=replace(BACKUP_LINK, has_dpa=False)),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"evidence.dpa_missing"},
        id="dpa-missing",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(parent_id=1, has_hosting_contract=False)),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"evidence.hosting_contract_missing"},
        id="supplier-under-own-link-is-a-direct-contractor",
    ),
    pytest.param(
        editor_case(own_certificates=[replace(OWN_CERTIFICATE, has_document=False)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"evidence.certificate_document_missing"},
        id="own-certificate-document-missing",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(expires_on=ON + 90 * DAY)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"evidence.certificate_expiring"},
        id="certificate-expiring-in-90-days",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(expires_on=ON + 91 * DAY)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="certificate-expiring-in-91-days-beyond-the-horizon",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(expires_on=ON + 91 * DAY)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="certificate-expiring-in-91-days",
    ),
    # What the hosting contracts say (CSP R.1111-11)
    pytest.param(
        editor_case(iaas=iaas_link(contract_clauses=None)),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"evidence.contract_clauses_unchecked"},
        id="contract-on-file-clauses-not-checked",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(contract_clauses=ALL_CONTRACT_CLAUSES - OFTEN_MISSING_CLAUSES)),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"evidence.contract_clauses_missing"},
        id="contract-without-perimeter-locations-subcontractors-reversibility",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(contract_clauses=ALL_CONTRACT_CLAUSES - {ContractClause.INCIDENT_CONTACT})),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"evidence.contract_clauses_missing"},
        id="contract-without-the-incident-contact-clause",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(contract_locations=())),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"evidence.contract_locations_unrecorded"},
        id="contract-hosting-locations-not-recorded",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(storage_countries=("FR", "DE"), contract_locations=("FR",))),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"evidence.contract_location_mismatch"},
        id="data-stored-in-a-country-the-contract-does-not-name",
    ),
    pytest.param(
        editor_case(extra_links=[link(4, MANAGED_DATABASE, {4}, parent_id=2, storage_countries=("DE",),
                                      has_hosting_contract=False, has_dpa=False)],
                    extra_certificates=[certificate(4, MANAGED_DATABASE, {4})]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"evidence.contract_location_mismatch"},
        id="contract-must-name-where-the-subcontractors-store",
    ),
    pytest.param(
        editor_case(operation=replace(OPERATION_LINK, has_hosting_contract=False)),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"evidence.own_hosting_contract_missing"},
        id="editor-without-hosting-contract-with-its-customers",
    ),
    pytest.param(
        editor_case(operation=replace(OPERATION_LINK, contract_clauses=None)),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"evidence.contract_clauses_unchecked"},
        id="editor-contract-with-customers-clauses-not-checked",
    ),
    pytest.param(
        editor_case(operation=replace(OPERATION_LINK, contract_locations=("BE",))),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"evidence.contract_location_mismatch"},
        id="editor-contract-with-customers-names-other-locations",
    ),
    pytest.param(
        case(PROFESSIONAL, processing_facts=processor_processing(hosting_mode="self_hosted"),
             links=[link(1, SELF, ALL_ACTIVITIES, has_hosting_contract=False)],
             certificates=[certificate(1, SELF, ALL_ACTIVITIES)]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"evidence.own_hosting_contract_missing"},
        id="processor-hosting-without-contract-with-the-controllers",
    ),
    pytest.param(
        case(PROFESSIONAL, links=[link(1, SELF, {5}, has_hosting_contract=False), link(2, HOST, ALL_ACTIVITIES)],
             certificates=[certificate(5, HOST, ALL_ACTIVITIES)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="controller-acting-for-itself-owes-no-hosting-contract-to-itself",
    ),
    # Register
    pytest.param(
        editor_case(processing_facts=processing(art9_condition="")),
        (INCOMPLETE, COMPLIANT, INCOMPLETE), {"register.art9_condition_missing"},
        id="art9-condition-missing-is-missing-information",
    ),
    pytest.param(
        case(ESTABLISHMENT, links=[link(1, HOST, ALL_ACTIVITIES)], certificates=[certificate(5, HOST, ALL_ACTIVITIES)]),
        (NON_COMPLIANT, COMPLIANT, NON_COMPLIANT), {"register.dpia_required_care"},
        id="establishment-care-requires-a-dpia-whatever-the-flag",
    ),
    pytest.param(
        case(ESTABLISHMENT, processing_facts=processing(dpia_required=None),
             links=[link(1, HOST, ALL_ACTIVITIES)], certificates=[certificate(5, HOST, ALL_ACTIVITIES)]),
        (NON_COMPLIANT, COMPLIANT, NON_COMPLIANT), {"register.dpia_required_care"},
        id="establishment-care-dpia-need-known-without-assessment",
    ),
    pytest.param(
        case(ESTABLISHMENT, processing_facts=processing(dpia_done=True),
             links=[link(1, HOST, ALL_ACTIVITIES)], certificates=[certificate(5, HOST, ALL_ACTIVITIES)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="establishment-care-with-dpia-done",
    ),
    pytest.param(
        case(ESTABLISHMENT, processing_facts=processing(data_subject_categories=("Salariés",)),
             links=[link(1, HOST, ALL_ACTIVITIES)], certificates=[certificate(5, HOST, ALL_ACTIVITIES)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="establishment-processing-about-staff-is-not-care",
    ),
    pytest.param(
        case(PROFESSIONAL, links=[link(1, HOST, ALL_ACTIVITIES)], certificates=[certificate(5, HOST, ALL_ACTIVITIES)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="professional-practising-alone-is-exempt-from-the-dpia",
    ),
    pytest.param(
        editor_case(processing_facts=processing(dpia_required=True, dpia_done=False)),
        (NON_COMPLIANT, COMPLIANT, NON_COMPLIANT), {"register.dpia_missing"},
        id="dpia-required-not-done",
    ),
    pytest.param(
        editor_case(processing_facts=processing(dpia_required=True, dpia_done=True)),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="dpia-required-and-done",
    ),
    pytest.param(
        editor_case(processing_facts=processing(dpia_required=None)),
        (INCOMPLETE, COMPLIANT, INCOMPLETE), {"register.dpia_unknown"},
        id="dpia-need-unknown",
    ),
    pytest.param(
        editor_case(processing_facts=ALL_REGISTER_FIELDS_MISSING),
        (INCOMPLETE, COMPLIANT, INCOMPLETE),
        {
            "register.purposes_missing",
            "register.data_subject_categories_missing",
            "register.data_categories_missing",
            "register.recipients_missing",
            "register.retention_missing",
            "register.security_measures_missing",
            "register.contact_missing",
            "register.legal_basis_missing",
        },
        id="controller-register-fields-missing",
    ),
    pytest.param(
        editor_case(processing_facts=processor_processing()),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="processor-register-complete",
    ),
    pytest.param(
        editor_case(processing_facts=processor_processing(
            controllers_served=(), purposes=(), security_measures="", controller_contact="")),
        (INCOMPLETE, COMPLIANT, INCOMPLETE),
        {
            "register.controllers_served_missing",
            "register.purposes_missing",
            "register.security_measures_missing",
            "register.contact_missing",
        },
        id="processor-register-fields-missing",
    ),
    pytest.param(
        editor_case(processing_facts=processing(transfers=(Transfer("IN"), Transfer("CH")))),
        (NON_COMPLIANT, COMPLIANT, NON_COMPLIANT), {"register.transfer_safeguard_missing"},
        id="transfer-listed-without-safeguard",
    ),
    pytest.param(
        editor_case(processing_facts=processing(transfers=(Transfer("GB"),)), **AFTER_UK_DECISIONS),
        (NON_COMPLIANT, COMPLIANT, NON_COMPLIANT), {"register.transfer_safeguard_missing"},
        id="transfer-listed-to-gb-after-its-decisions-lapse",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(remote_access=(RemoteAccess("IN", "safeguards"),))),
        (INCOMPLETE, COMPLIANT, INCOMPLETE), {"register.transfer_not_listed"},
        id="transfer-through-supplier-not-in-register",
    ),
    # Completeness (a): who administers and operates the system, for an organisation hosting for others
    pytest.param(
        editor_case(operation=None),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"completeness.operation_missing"},
        id="completeness-editor-without-anyone-for-activity-5",
    ),
    pytest.param(
        editor_case(operation=None, iaas=iaas_link(activities=frozenset({1, 2, 3, 4, 5})),
                    iaas_certificates=[iaas_certificate(activities=frozenset({1, 2, 3, 4, 5}))]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="completeness-editor-whose-managed-services-provider-performs-5",
    ),
    pytest.param(
        editor_case(operation=None, iaas=iaas_link(activities=frozenset({1, 2, 3, 4, 5}))),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"coverage.activity_not_covered"},
        id="completeness-activity-5-declared-but-uncovered-is-reported-once-by-coverage",
    ),
    pytest.param(
        case(PROFESSIONAL, processing_facts=processor_processing(),
             links=[link(2, DATACENTER, {1, 2})], certificates=[certificate(2, DATACENTER, {1, 2})]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"completeness.operation_missing", "backup.none_recorded"},
        id="completeness-professional-in-processor-role-without-anyone-for-activity-5",
    ),
    pytest.param(
        case(PROFESSIONAL, links=[link(2, DATACENTER, {1, 2})], certificates=[certificate(2, DATACENTER, {1, 2})]),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"backup.none_recorded"},
        id="completeness-controller-running-its-own-servers-in-a-certified-datacenter",
    ),
    # Completeness (b): who provides the site and the hardware under a link storing data
    pytest.param(
        case(PROFESSIONAL, links=[link(5, HOST, {5, 6})], certificates=[certificate(5, HOST, {5, 6})]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"completeness.site_and_hardware_missing"},
        id="completeness-saas-storing-data-with-nobody-for-1-2",
    ),
    pytest.param(
        case(PROFESSIONAL, links=[link(5, HOST, {2, 3, 4, 5, 6})],
             certificates=[certificate(5, HOST, {2, 3, 4, 5, 6})]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"completeness.site_and_hardware_missing"},
        id="completeness-nobody-for-activity-1-only",
    ),
    pytest.param(
        case(PROFESSIONAL, links=[link(5, HOST, {3, 4, 5, 6}), link(6, DATACENTER, {1, 2}, parent_id=5)],
             certificates=[certificate(5, HOST, {3, 4, 5, 6}), certificate(6, DATACENTER, {1, 2})]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="completeness-datacenter-declared-under-the-saas",
    ),
    pytest.param(
        case(PROFESSIONAL, links=[link(5, HOST, {3, 4, 5, 6}), link(6, DATACENTER, {1, 2})],
             certificates=[certificate(5, HOST, {3, 4, 5, 6}), certificate(6, DATACENTER, {1, 2})]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"completeness.site_and_hardware_missing"},
        id="completeness-datacenter-beside-the-saas-is-not-under-it",
    ),
    pytest.param(
        editor_case(operation=replace(OPERATION_LINK, stores_health_data=True, storage_countries=("FR",))),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="completeness-own-link-storing-data-over-its-direct-contractors",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(activities=frozenset({3, 4}), stores_health_data=False, storage_countries=()),
                    iaas_certificates=[iaas_certificate(activities=frozenset({3, 4}))],
                    extra_links=[link(4, MANAGED_DATABASE, {4}, parent_id=2, has_hosting_contract=False,
                                      has_dpa=False)],
                    extra_certificates=[certificate(4, MANAGED_DATABASE, {4})]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"completeness.site_and_hardware_missing"},
        id="completeness-subcontractor-storing-data-with-nobody-above-or-below-for-1-2",
    ),
    # Certificate perimeters
    pytest.param(
        case(PROFESSIONAL, links=[link(5, HOST, ALL_ACTIVITIES)],
             certificates=[certificate(5, HOST, {1, 2}, perimeter="Datacenters de Lille"),
                           certificate(6, HOST, {3, 4, 5, 6}, perimeter="Infogérance santé")]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="perimeters-certificates-for-1-2-and-3-6-combine",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(perimeter="Cloud public"),
                                       iaas_certificate(id=20, perimeter="Cloud de confiance santé")]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"coverage.certificate_ambiguous"},
        id="perimeters-two-offers-could-cover-the-link-none-named",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(certificates=frozenset({20})),
                    iaas_certificates=[iaas_certificate(perimeter="Cloud public"),
                                       iaas_certificate(id=20, perimeter="Cloud de confiance santé")]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="perimeters-the-link-names-the-certificate-it-relies-on",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(certificates=frozenset({20})),
                    iaas_certificates=[iaas_certificate(perimeter="Cloud public"),
                                       iaas_certificate(id=20, activities=frozenset({1, 2}),
                                                        perimeter="Datacenters")]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"coverage.activity_not_covered"},
        id="perimeters-only-the-named-certificates-count-for-the-link",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(perimeter="Cloud de confiance"),
                                       iaas_certificate(id=20, perimeter=" cloud de  CONFIANCE ",
                                                        expires_on=ON + 30 * DAY)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="perimeters-same-perimeter-the-latest-expiry-is-taken",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(perimeter="Cloud public"),
                                       iaas_certificate(id=20, expires_on=ON + 30 * DAY)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="perimeters-a-blank-perimeter-is-no-difference",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(perimeter="Cloud public"),
                                       iaas_certificate(id=20, perimeter="Cloud santé", status="suspended")]),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"validity.suspended_beside_valid"},
        id="perimeters-suspended-certificate-beside-a-valid-one-is-not-masked",
    ),
    pytest.param(
        editor_case(iaas_certificates=[iaas_certificate(), iaas_certificate(id=20, status="withdrawn")]),
        (COMPLIANT, COMPLIANT, COMPLIANT), {"validity.withdrawn_beside_valid"},
        id="perimeters-withdrawn-certificate-beside-a-valid-one-is-not-masked",
    ),
    pytest.param(
        editor_case(iaas=iaas_link(certificates=frozenset({20})),
                    iaas_certificates=[iaas_certificate(), iaas_certificate(id=20, status="suspended")]),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT), {"coverage.activity_not_covered", "validity.certificate_suspended"},
        id="perimeters-the-named-certificate-suspended-is-not-replaced-by-another",
    ),
    # The official list outranks a claim
    pytest.param(
        editor_case(actors=[supplier(IAAS, list_expires_on=ON + 100 * DAY)],
                    iaas_certificates=[iaas_certificate(source="document", has_document=True)]),
        (INCOMPLETE, INCOMPLETE, COMPLIANT), {"registry.end_date_earlier_in_list"},
        id="registry-shows-an-earlier-end-date-still-ahead",
    ),
    pytest.param(
        editor_case(actors=[supplier(IAAS, list_expires_on=IAAS_CERTIFICATE.expires_on)],
                    iaas_certificates=[iaas_certificate(source="document", has_document=True)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="registry-shows-the-same-end-date",
    ),
    pytest.param(
        editor_case(actors=[supplier(IAAS, present=False, list_expires_on=ON - DAY)]),
        (COMPLIANT, COMPLIANT, COMPLIANT), set(),
        id="registry-absent-host-with-only-registry-copies-claims-nothing",
    ),
    # Combined
    pytest.param(
        editor_case(iaas=iaas_link(storage_countries=(), has_hosting_contract=False)),
        (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT),
        {"sovereignty.storage_location_unknown", "evidence.hosting_contract_missing"},
        id="error-wins-over-missing-information",
    ),
]


@pytest.mark.parametrize(("data", "statuses", "codes"), SCENARIOS)
def test_scenario(data, statuses, codes):
    """`statuses` is (overall, hosting, register)."""
    result = evaluate(data)

    assert {finding.code for finding in result.findings} == codes
    assert (result.status, result.hosting_status, result.register_status) == statuses
    for finding in result.findings:
        assert "{" not in finding.message_fr and "{" not in finding.message_en



# The three myths of HDS hosting (TAS Cloud Services, « Héberger des données de santé ? Le guide
# de survie 2025 »): each is a chain Maillon must never call compliant.


def test_myth_1_hosted_in_a_certified_datacenter_so_i_am_hds():
    """« Je suis hébergé dans un datacenter certifié HDS, donc je suis HDS » : an editor in the
    processor role, no certificate and no link of its own, over an IaaS certified 1–4."""
    result = evaluate(case(EDITOR, processing_facts=processor_processing(), links=[IAAS_LINK],
                           certificates=[IAAS_CERTIFICATE]))

    assert (result.status, result.hosting_status, result.register_status) == (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT)
    assert sorted(finding.code for finding in result.findings) == [
        "backup.none_recorded", "completeness.operation_missing"]
    missing = result.findings[0]
    assert (missing.code, missing.severity.value, missing.link, missing.supplier, missing.activity) == (
        "completeness.operation_missing", "error", None, None, 5)
    assert missing.message_en == (
        "You host these health data on behalf of others, but no link of the chain performs activity 5 "
        "(administration and operation of the information system). Being hosted by a certified provider is "
        "not enough: declare who administers and operates the system (you, most likely, or your "
        "managed-services provider) and the HDS certificate that covers it.")


def test_myth_2_the_datacenter_is_hds_so_i_can_handle_health_data():
    """« Le datacenter est HDS, donc je peux manipuler des données de santé » : a SaaS editor whose
    chain holds only its datacenter, certified 1–2; the SaaS running inside is not declared."""
    result = evaluate(case(EDITOR, links=[link(2, DATACENTER, {1, 2})],
                           certificates=[certificate(2, DATACENTER, {1, 2})]))

    assert (result.status, result.hosting_status, result.register_status) == (NON_COMPLIANT, NON_COMPLIANT, COMPLIANT)
    assert sorted(finding.code for finding in result.findings) == [
        "backup.none_recorded", "completeness.operation_missing"]

    declared = evaluate(case(EDITOR, links=[link(1, SELF, {3, 4, 5}, parent_id=None), link(2, DATACENTER, {1, 2})],
                             certificates=[certificate(2, DATACENTER, {1, 2})]))
    assert (declared.status, declared.hosting_status, declared.register_status) == (
        NON_COMPLIANT, NON_COMPLIANT, COMPLIANT)
    assert sorted((finding.code, finding.activity) for finding in declared.findings) == [
        ("backup.none_recorded", None), ("self.activity_not_covered", 3), ("self.activity_not_covered", 4),
        ("self.activity_not_covered", 5)]


def test_myth_3_my_saas_says_it_is_hosted_by_an_hds_provider_so_i_am_covered():
    """« Mon outil SaaS me dit qu'il est hébergé chez un prestataire HDS, donc je suis couvert » : the
    SaaS, certified for activity 5 only, stores the data; nobody is declared for the site and the
    hardware (1–2)."""
    result = evaluate(case(PROFESSIONAL, links=[link(5, HOST, {5, 6})], certificates=[certificate(5, HOST, {5, 6})]))

    assert (result.status, result.hosting_status, result.register_status) == (INCOMPLETE, INCOMPLETE, COMPLIANT)
    assert [(finding.code, finding.severity.value, finding.link, finding.supplier) for finding in result.findings] == [
        ("completeness.site_and_hardware_missing", "warning", 5, HOST)]
    assert result.findings[0].message_fr == (
        "Hébergeur Régional stocke des données de santé, mais ni ce maillon ni aucun acteur déclaré sous lui "
        "n'assure l'hébergement du site physique et l'infrastructure matérielle (activités manquantes : 1, 2). "
        "Quelqu'un les fournit : déclarez sous ce maillon le datacenter ou l'hébergeur d'infrastructure qui les "
        "assure, avec son certificat HDS, ou ajoutez ces activités au maillon si Hébergeur Régional les assure "
        "lui-même.")

    uncertified = evaluate(case(PROFESSIONAL, links=[link(5, HOST, {5, 6})]))
    assert (uncertified.status, uncertified.hosting_status, uncertified.register_status) == (
        NON_COMPLIANT, NON_COMPLIANT, COMPLIANT)
    assert sorted((finding.code, finding.activity) for finding in uncertified.findings) == [
        ("completeness.site_and_hardware_missing", None), ("coverage.activity_not_covered", 5),
        ("coverage.activity_not_covered", 6)]
