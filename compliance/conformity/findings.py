"""Findings and their catalogue.

Every finding code is `family.snake_case_name` and is stable: the API, stored results, alerts and
webhooks carry it. Messages are `str.format` templates in French and English filled with named
fields; `{activity_label}` is filled from the finding's activity in the matching language, and a
parameter given as `Localised(fr, en)` (a phrase chosen by the rule, such as the noun for the
organisation's kind) fills each message with its own language. French messages write dates
dd/mm/yyyy, English ones yyyy-mm-dd.
"Inc." marks findings that mean information is missing: they make a result `incomplete`
(unless an error makes it `non_compliant`). Why a finding is an error rather than a warning is
argued in the docstring of its rule module (`rules/<family>.py`; `self.*` lives in
`rules/own_certificate.py`).

========================================  ========  ====  ======================================
code                                      severity  inc.  when
========================================  ========  ====  ======================================
scope.anonymised                          info            anonymised data: neither HDS nor GDPR
scope.not_health_data                     info            personal data that are not health data
scope.self_hosted_own_patients            info            professional/establishment self-hosting
scope.self_hosting_security               info            GDPR duty kept when self-hosting
scope.self_hosting_register               info            GDPR duty kept when self-hosting
scope.self_hosting_patient_rights         info            GDPR duty kept when self-hosting
scope.self_hosting_privacy_notice         info            GDPR duty kept when self-hosting
scope.self_hosting_backups                info            GDPR duty kept when self-hosting
scope.pseudonymised_in_scope              info            pseudonymised data remain in scope
scope.anonymised_contradiction            warning   yes   "anonymised" with identifying categories
scope.hosting_mode_unknown                warning   yes   health data, hosting mode not recorded
scope.chain_empty                         warning   yes   HDS applies and the chain has no link
scope.outsourced_without_supplier         warning   yes   outsourced but no supplier in the chain
coverage.activity_not_covered             error           supplier activity without valid cert.
coverage.provider_share_ended             warning   yes   linked provider's share ended/withdrawn
coverage.exemption_unproven               error           exempt under parent, no evidence
coverage.exempt_under_parent              info            exemption under parent, with evidence
coverage.exempt_archiving_approved        info            approved archiving, approval on file
coverage.exempt_short_term_processing     info            short-term processing, proof on file
coverage.exemption_archiving_unproven     error           approved archiving claimed, no approval
coverage.exemption_short_term_unproven    error           short-term processing claimed, no proof
coverage.link_activities_missing          warning   yes   in-scope link without activities
coverage.certificate_ambiguous            warning   yes   certificates of different perimeters
self.activity_not_covered                 error           own activity for others, no own cert.
backup.activity_6_missing                 warning         backup link without activity 6
backup.none_recorded                      info            no link performs activity 6
validity.certificate_expired              error           expired before the evaluation date
validity.certificate_not_yet_valid        error           issued after the evaluation date
validity.certificate_suspended            error           suspended
validity.certificate_withdrawn            error           withdrawn
validity.certificate_v1_obsolete          error           referential v1 after 2026-05-16
validity.certifier_missing                warning   yes   certificate used, certifier not named
validity.referential_version_missing      warning   yes   v1 or v2 unknown after 2026-05-16
validity.certificate_period_too_long      warning   yes   issued to expiry over three years
validity.suspended_beside_valid           warning         suspended cert. masked by a valid one
validity.withdrawn_beside_valid           warning         withdrawn cert. masked by a valid one
registry.not_found                        warning         claimed cert., no registry match
registry.match_suggested                  info      yes   registry match awaiting confirmation
registry.host_absent                      warning   yes   confirmed host absent from latest list
registry.host_removed                     error           confirmed host removed from the list
registry.activities_narrower              warning   yes   list lacks a claimed activity
registry.expired_in_list                  warning   yes   list shows an end date already past
registry.end_date_earlier_in_list         warning   yes   list shows an earlier end date, ahead
sovereignty.storage_location_unknown      warning   yes   health data stored, countries unknown
sovereignty.storage_outside_eea           error           health data stored outside the EEA
sovereignty.remote_access_without_basis   error           non-EEA access, no legal basis
sovereignty.remote_access_no_adequacy     error           adequacy claimed, country has none
sovereignty.remote_access_adequacy        info            access under an adequacy decision
sovereignty.remote_access_dpf_check       warning   yes   US access, DPF certification unknown
sovereignty.non_eu_law_unnamed            warning         non-EU law exposure, laws not named
sovereignty.non_eu_law_unmitigated        warning         non-EU law named, no mitigations
evidence.hosting_contract_missing         error           direct host, no hosting contract
evidence.dpa_missing                      error           direct processor, no DPA
evidence.certificate_document_missing     warning         cert. used, not from registry, no copy
evidence.certificate_expiring             warning         cert. used expires within the horizon
evidence.own_hosting_contract_missing     error           own host role, no contract with clients
evidence.contract_clauses_unchecked       warning   yes   contract on file, clauses not checked
evidence.contract_clauses_missing         error           contract lacks R.1111-11 clauses
evidence.contract_locations_unrecorded    warning   yes   3° present, locations not recorded
evidence.contract_location_mismatch       error           stored where the contract does not say
completeness.operation_missing            error           hosts for others, nobody performs 5
completeness.site_and_hardware_missing    warning   yes   stored data, nobody below performs 1-2
completeness.storage_missing              warning   yes   no link of the chain stores the data
register.purposes_missing                 warning   yes   art. 30 field empty
register.data_subject_categories_missing  warning   yes   art. 30 field empty
register.data_categories_missing          warning   yes   art. 30 field empty
register.recipients_missing               warning   yes   art. 30 field empty
register.retention_missing                warning   yes   art. 30 field empty
register.security_measures_missing        warning   yes   art. 30 field empty
register.contact_missing                  warning   yes   art. 30 field empty
register.controllers_served_missing       warning   yes   processor: controllers not listed
register.legal_basis_missing              warning   yes   no art. 6 legal basis recorded
register.art9_condition_missing           warning   yes   health data, no art. 9(2) condition
register.transfer_safeguard_missing       error           listed transfer without basis
register.transfer_not_listed              warning   yes   chain transfer absent from the register
register.dpia_missing                     error           DPIA required and not done
register.dpia_unknown                     warning   yes   DPIA need not assessed
register.dpia_required_care               error           establishment's care, no DPIA
========================================  ========  ====  ======================================
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from .inputs import ActorKey, ContractClause


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}

# The activities as CSP art. R.1111-9 words them (shortened), the one source of their labels: the
# pages show them too (`compliance.web.labels`).
ACTIVITY_LABELS_FR = {
    1: "mise à disposition et maintien en condition opérationnelle des sites physiques",
    2: "infrastructure matérielle",
    3: "infrastructure virtuelle",
    4: "plateforme d'hébergement d'applications",
    5: "administration et exploitation du système d'information",
    6: "sauvegarde des données de santé",
}
ACTIVITY_LABELS_EN = {
    1: "provision and operational maintenance of the physical sites",
    2: "hardware infrastructure",
    3: "virtual infrastructure",
    4: "application hosting platform",
    5: "administration and operation of the information system",
    6: "backup of health data",
}


class Localised(NamedTuple):
    """A message parameter worded in each language."""

    fr: str
    en: str


CONTRACT_CLAUSE_LABELS_FR = {
    ContractClause.CERTIFICATE_SCOPE_DATES: "périmètre du certificat et dates de délivrance et de renouvellement",
    ContractClause.SERVICES: "prestations réalisées et résultats attendus",
    ContractClause.HOSTING_LOCATIONS: "lieux d'hébergement",
    ContractClause.DATA_SUBJECT_RIGHTS_BREACH: "droits des personnes et notification des violations",
    ContractClause.INCIDENT_CONTACT: "interlocuteur du client pour les incidents",
    ContractClause.SERVICE_LEVELS: "indicateurs et niveaux de service",
    ContractClause.SUBCONTRACTORS: "conditions de recours à des sous-traitants",
    ContractClause.ACCESS_RULES: "modalités d'accès aux données",
    ContractClause.CHANGES: "obligations en cas de modifications ou d'évolutions",
    ContractClause.HOST_FAILURE: "garanties en cas de défaillance de l'hébergeur",
    ContractClause.NO_OTHER_USE: "interdiction de toute autre utilisation des données",
    ContractClause.REVERSIBILITY_RESTITUTION: "réversibilité : restitution des données",
    ContractClause.REVERSIBILITY_DESTRUCTION: "réversibilité : destruction des copies",
    ContractClause.REVERSIBILITY_FORMATS: "réversibilité : formats lisibles",
}
CONTRACT_CLAUSE_LABELS_EN = {
    ContractClause.CERTIFICATE_SCOPE_DATES: "certificate perimeter, issue and renewal dates",
    ContractClause.SERVICES: "services and expected results",
    ContractClause.HOSTING_LOCATIONS: "hosting locations",
    ContractClause.DATA_SUBJECT_RIGHTS_BREACH: "data-subject rights and breach notification",
    ContractClause.INCIDENT_CONTACT: "the customer's contact for incidents",
    ContractClause.SERVICE_LEVELS: "service indicators and levels",
    ContractClause.SUBCONTRACTORS: "conditions for using subcontractors",
    ContractClause.ACCESS_RULES: "rules for access to the data",
    ContractClause.CHANGES: "obligations when things change",
    ContractClause.HOST_FAILURE: "guarantees if the host fails",
    ContractClause.NO_OTHER_USE: "ban on any other use of the data",
    ContractClause.REVERSIBILITY_RESTITUTION: "reversibility: restitution of the data",
    ContractClause.REVERSIBILITY_DESTRUCTION: "reversibility: destruction of copies",
    ContractClause.REVERSIBILITY_FORMATS: "reversibility: readable formats",
}


@dataclass(frozen=True, slots=True)
class FindingSpec:
    """A catalogue entry: what a code means, how bad it is and what it cites."""

    code: str
    severity: Severity
    message_fr: str
    message_en: str
    legal_reference: str
    incomplete: bool = False


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the engine has to say about a processing, a link, an activity or a supplier.

    `supplier` is the supplier id the finding concerns; it is None for the organisation itself.
    """

    code: str
    severity: Severity
    message_fr: str
    message_en: str
    legal_reference: str
    activity: int | None = None
    link: int | None = None
    supplier: ActorKey | None = None

    @property
    def incomplete(self) -> bool:
        return CATALOGUE[self.code].incomplete

    def sort_key(self) -> tuple:
        return (
            SEVERITY_RANK[self.severity],
            -1 if self.link is None else self.link,
            0 if self.activity is None else self.activity,
            self.code,
            self.message_en,
        )

    def as_dict(self, lang: str = "fr") -> dict:
        """The finding with its message in one language ("fr" or "en")."""
        if lang not in ("fr", "en"):
            raise ValueError(f"unsupported language {lang!r}")
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message_fr if lang == "fr" else self.message_en,
            "activity": self.activity,
            "link": self.link,
            "supplier": self.supplier,
            "legal_reference": self.legal_reference,
        }

    def to_json(self) -> dict:
        """The stored and API form: French message plus `message_en`."""
        data = self.as_dict("fr")
        data["message_en"] = self.message_en
        return data


def make_finding(
    code: str,
    *,
    link: int | None = None,
    activity: int | None = None,
    supplier: ActorKey | None = None,
    **params,
) -> Finding:
    """Build the finding `code` with its messages filled from `params` (a `Localised` value
    fills each message in its language)."""
    spec = CATALOGUE[code]
    if activity is not None:
        params["activity"] = activity
        params["activity_label"] = Localised(ACTIVITY_LABELS_FR[activity], ACTIVITY_LABELS_EN[activity])
    message_fr = spec.message_fr.format_map(_in_language(params, 0))
    message_en = spec.message_en.format_map(_in_language(params, 1))
    return Finding(
        code=code,
        severity=spec.severity,
        message_fr=message_fr,
        message_en=message_en,
        legal_reference=spec.legal_reference,
        activity=activity,
        link=link,
        supplier=supplier,
    )


def _in_language(params: dict, index: int) -> dict:
    """`params` with each `Localised` value in one language (0: French, 1: English)."""
    return {key: value[index] if type(value) is Localised else value for key, value in params.items()}


ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

_ENTRIES = (
    # Scope (rule 1)
    FindingSpec(
        "scope.anonymised", INFO,
        "Les données sont anonymisées : ce ne sont plus des données personnelles, ni le RGPD ni "
        "la certification HDS ne s'appliquent. Vérifiez que la ré-identification est "
        "raisonnablement impossible.",
        "The data are anonymised: they are no longer personal data, so neither the GDPR nor HDS "
        "certification applies. Check that re-identification is reasonably impossible.",
        "RGPD considérant 26",
    ),
    FindingSpec(
        "scope.not_health_data", INFO,
        "Le traitement ne porte pas sur des données de santé : la certification HDS ne "
        "s'applique pas, le RGPD reste applicable.",
        "The processing holds no health data: HDS certification does not apply, the GDPR still "
        "does.",
        "CSP art. L.1111-8",
    ),
    FindingSpec(
        "scope.self_hosted_own_patients", INFO,
        "{self_hosting} : aucun certificat HDS n'est exigé pour cet auto-hébergement. Tout "
        "prestataire externe (cloud, infogérance, sauvegarde externalisée) relèverait en "
        "revanche de la certification.",
        "{self_hosting}: no HDS certificate is required for this self-hosting. Any outside "
        "provider (cloud, managed services, external backup) would need one.",
        "CSP art. L.1111-8",
    ),
    FindingSpec(
        "scope.self_hosting_security", INFO,
        "Auto-hébergement : assurez la sécurité des données (contrôle d'accès, chiffrement, "
        "mises à jour, journalisation).",
        "Self-hosting: secure the data (access control, encryption, updates, logging).",
        "RGPD art. 32",
    ),
    FindingSpec(
        "scope.self_hosting_register", INFO,
        "Auto-hébergement : tenez ce traitement à jour dans votre registre des activités de "
        "traitement.",
        "Self-hosting: keep this processing up to date in your record of processing activities.",
        "RGPD art. 30",
    ),
    FindingSpec(
        "scope.self_hosting_patient_rights", INFO,
        "Auto-hébergement : organisez l'exercice des droits des patients (accès, rectification, "
        "limitation, opposition).",
        "Self-hosting: make sure patients can exercise their rights (access, rectification, "
        "restriction, objection).",
        "RGPD art. 15 à 22",
    ),
    FindingSpec(
        "scope.self_hosting_privacy_notice", INFO,
        "Auto-hébergement : informez les patients du traitement de leurs données (mention "
        "d'information).",
        "Self-hosting: inform patients about the processing of their data (privacy notice).",
        "RGPD art. 13 et 14",
    ),
    FindingSpec(
        "scope.self_hosting_backups", INFO,
        "Auto-hébergement : sauvegardez régulièrement les données et testez leur restauration. "
        "Une sauvegarde confiée à un prestataire externe relève de l'activité HDS 6.",
        "Self-hosting: back the data up regularly and test restoring them. A backup entrusted "
        "to an outside provider is HDS activity 6.",
        "RGPD art. 32(1)(c)",
    ),
    FindingSpec(
        "scope.pseudonymised_in_scope", INFO,
        "Les données pseudonymisées restent des données personnelles de santé : leur "
        "hébergement relève de la certification HDS.",
        "Pseudonymised data remain personal health data: hosting them requires HDS "
        "certification.",
        "RGPD art. 4(5) et considérant 26",
    ),
    FindingSpec(
        "scope.anonymised_contradiction", WARNING,
        "Le traitement est déclaré anonymisé, mais ses catégories de données comprennent des "
        "données identifiantes ({categories}) : des données qui identifient les personnes ne "
        "sont pas anonymes. Elles sont évaluées comme des données personnelles tant que la "
        "déclaration ou les catégories ne sont pas corrigées.",
        "The processing is declared anonymised, but its data categories include identifying "
        "data ({categories}): data that identify people are not anonymous. They are evaluated "
        "as personal data until the declaration or the categories are corrected.",
        "RGPD art. 4(1) et considérant 26",
        incomplete=True,
    ),
    FindingSpec(
        "scope.hosting_mode_unknown", WARNING,
        "Le mode d'hébergement (auto-hébergé ou externalisé) n'est pas renseigné : impossible "
        "de dire si la certification HDS s'applique.",
        "The hosting mode (self-hosted or outsourced) is not recorded: whether HDS "
        "certification applies cannot be decided.",
        "CSP art. L.1111-8",
        incomplete=True,
    ),
    FindingSpec(
        "scope.chain_empty", WARNING,
        "L'hébergement de ces données de santé relève de la certification HDS, mais la chaîne "
        "d'hébergement est vide : indiquez qui héberge, exploite et sauvegarde les données.",
        "Hosting these health data requires HDS certification, but the hosting chain is empty: "
        "record who hosts, operates and backs up the data.",
        "CSP art. R.1111-8-8 II",
        incomplete=True,
    ),
    FindingSpec(
        "scope.outsourced_without_supplier", WARNING,
        "L'hébergement est déclaré externalisé, mais aucun prestataire n'est renseigné dans la "
        "chaîne.",
        "Hosting is declared outsourced, but no supplier is recorded in the chain.",
        "CSP art. R.1111-8-8 II",
        incomplete=True,
    ),
    # Coverage (rule 2)
    FindingSpec(
        "coverage.activity_not_covered", ERROR,
        "{actor} réalise l'activité {activity} ({activity_label}) sans certificat HDS valide "
        "qui la couvre. La certification n'est pas transitive : le certificat d'un autre "
        "maillon ne la couvre pas.",
        "{actor} performs activity {activity} ({activity_label}) without a valid HDS "
        "certificate covering it. Certification is not transitive: another link's certificate "
        "does not cover it.",
        "CSP art. L.1111-8 et R.1111-9",
    ),
    FindingSpec(
        "coverage.provider_share_ended", WARNING,
        "{actor} ne partage plus ses certificats avec vous (le lien avec ce prestataire a pris fin "
        "ou le partage a été retiré) : on ne sait plus quel certificat couvre les activités "
        "{activities} de ce maillon. Renouez le lien ou enregistrez vous-même son certificat HDS.",
        "{actor} no longer shares its certificates with you (the link with this provider ended or "
        "the share was withdrawn): which certificate covers activities {activities} of this link is "
        "no longer known. Link again or record its HDS certificate yourself.",
        "CSP art. R.1111-8-8 II ; référentiel HDS v2, exigence EXI 12",
        incomplete=True,
    ),
    FindingSpec(
        "coverage.exemption_unproven", ERROR,
        "L'exemption de {actor} sous la certification de {parent} pour l'activité {activity} "
        "({activity_label}) n'est prouvée par aucun document au dossier (tableau de garanties "
        "ou attestation de l'hébergeur certifié).",
        "{actor} is declared exempt under {parent}'s certification for activity {activity} "
        "({activity_label}), but no evidence of the exemption is on file (guarantee table or "
        "statement from the certified host).",
        "CSP art. L.1111-8 ; référentiel HDS v2",
    ),
    FindingSpec(
        "coverage.exempt_under_parent", INFO,
        "L'audit de certification de {parent} couvre {actor} (exemption documentée).",
        "{actor} is covered by {parent}'s certification audit (documented exemption).",
        "CSP art. L.1111-8 ; référentiel HDS v2",
    ),
    FindingSpec(
        "coverage.exempt_archiving_approved", INFO,
        "{actor} est un service d'archivage électronique agréé par le ministère de la Culture "
        "(agrément au dossier) : c'est cet agrément, et non un certificat HDS, que la loi exige "
        "pour ses activités.",
        "{actor} is an electronic archiving service approved by the Ministry of Culture "
        "(approval on file): the law requires that approval, not an HDS certificate, for its "
        "activities.",
        "CSP art. L.1111-8",
    ),
    FindingSpec(
        "coverage.exempt_short_term_processing", INFO,
        "{actor} n'assure qu'une réception de courte durée des données pour leur saisie, leur "
        "mise en forme, leur impression ou leur dématérialisation (justificatif au dossier) : ce "
        "n'est pas une activité d'hébergement, aucun certificat HDS n'est exigé.",
        "{actor} only receives the data for a short time, to enter, format, print or digitise "
        "them (proof on file): this is not a hosting activity, no HDS certificate is required.",
        "CSP art. R.1111-8-8 I",
    ),
    FindingSpec(
        "coverage.exemption_archiving_unproven", ERROR,
        "{actor} est déclaré service d'archivage agréé par le ministère de la Culture pour "
        "l'activité {activity} ({activity_label}), mais aucun agrément n'est au dossier : en "
        "l'état, ni agrément ni certificat HDS ne couvre cette activité.",
        "{actor} is declared an archiving service approved by the Ministry of Culture for "
        "activity {activity} ({activity_label}), but no approval is on file: as it stands, "
        "neither an approval nor an HDS certificate covers this activity.",
        "CSP art. L.1111-8 et R.1111-8-8 II",
    ),
    FindingSpec(
        "coverage.exemption_short_term_unproven", ERROR,
        "{actor} est déclaré n'assurer qu'une réception de courte durée des données pour "
        "l'activité {activity} ({activity_label}), mais aucun justificatif n'est au dossier : en "
        "l'état, aucun certificat HDS ne couvre cette activité.",
        "{actor} is declared to receive the data only for a short time for activity {activity} "
        "({activity_label}), but no proof is on file: as it stands, no HDS certificate covers "
        "this activity.",
        "CSP art. R.1111-8-8 I et II",
    ),
    FindingSpec(
        "coverage.link_activities_missing", WARNING,
        "Les activités HDS réalisées par {actor} ne sont pas renseignées : impossible de "
        "vérifier sa certification.",
        "The HDS activities performed by {actor} are not recorded: its certification cannot be "
        "checked.",
        "CSP art. R.1111-9",
        incomplete=True,
    ),
    FindingSpec(
        "coverage.certificate_ambiguous", WARNING,
        "{actor} détient plusieurs certificats HDS valides, de périmètres différents, qui "
        "pourraient chacun couvrir les activités {activities} de ce maillon : {candidates}. Un "
        "certificat ne vaut que pour son périmètre : indiquez sur ce maillon celui dont relève le "
        "service utilisé.",
        "{actor} holds several valid HDS certificates with different perimeters, each of which "
        "could cover activities {activities} of this link: {candidates}. A certificate only "
        "covers its perimeter: name on this link the one the service used falls under.",
        "CSP art. L.1111-8 et R.1111-8-8 II",
        incomplete=True,
    ),
    # The organisation's own certification (rule 3)
    FindingSpec(
        "self.activity_not_covered", ERROR,
        "Votre organisation réalise l'activité {activity} ({activity_label}) {on_behalf} sans "
        "certificat HDS valide qui la couvre. {why}",
        "Your organisation performs activity {activity} ({activity_label}) {on_behalf} without a "
        "valid HDS certificate covering it. {why}",
        "CSP art. L.1111-8 et R.1111-9",
    ),
    # External backup (rule 4)
    FindingSpec(
        "backup.activity_6_missing", WARNING,
        "{actor} assure une sauvegarde externalisée, mais l'activité 6 ne figure pas parmi ses "
        "activités ; elle est vérifiée comme si elle y figurait.",
        "{actor} is declared an external backup provider, but activity 6 is not among its "
        "activities; it is checked as if it were.",
        "CSP art. R.1111-9 (6°)",
    ),
    FindingSpec(
        "backup.none_recorded", INFO,
        "Aucune sauvegarde n'est renseignée dans la chaîne. Si les sauvegardes sont "
        "externalisées, leur prestataire réalise l'activité 6 et doit être certifié pour elle.",
        "No backup is recorded in the chain. If backups are outsourced, their provider performs "
        "activity 6 and must be certified for it.",
        "CSP art. R.1111-9 (6°) ; RGPD art. 32(1)(c)",
    ),
    # Validity (rule 5)
    FindingSpec(
        "validity.certificate_expired", ERROR,
        "Le certificat HDS n° {number} de {actor} était valable jusqu'au {expires_on:%d/%m/%Y}.",
        "HDS certificate no. {number} of {actor} was valid until {expires_on:%Y-%m-%d}.",
        "CSP art. L.1111-8",
    ),
    FindingSpec(
        "validity.certificate_not_yet_valid", ERROR,
        "Le certificat HDS n° {number} de {actor} ne prend effet que le "
        "{issued_on:%d/%m/%Y}.",
        "HDS certificate no. {number} of {actor} only takes effect on {issued_on:%Y-%m-%d}.",
        "CSP art. L.1111-8",
    ),
    FindingSpec(
        "validity.certificate_suspended", ERROR,
        "Le certificat HDS n° {number} de {actor} est suspendu.",
        "HDS certificate no. {number} of {actor} is suspended.",
        "CSP art. L.1111-8",
    ),
    FindingSpec(
        "validity.certificate_withdrawn", ERROR,
        "Le certificat HDS n° {number} de {actor} a été retiré.",
        "HDS certificate no. {number} of {actor} has been withdrawn.",
        "CSP art. L.1111-8",
    ),
    FindingSpec(
        "validity.certificate_v1_obsolete", ERROR,
        "Le certificat HDS n° {number} de {actor} relève du référentiel v1 ({v1_reason}), "
        "accepté jusqu'au 16/05/2026 seulement : un certificat selon le référentiel v2 est exigé.",
        "HDS certificate no. {number} of {actor} falls under referential v1 ({v1_reason}), "
        "accepted only until 2026-05-16: a certificate under referential v2 is required.",
        "Arrêté du 26 avril 2024 (référentiel HDS v2)",
    ),
    FindingSpec(
        "validity.referential_version_missing", WARNING,
        "Le référentiel (v1 ou v2) du certificat HDS n° {number} de {actor} n'est pas renseigné "
        "et sa date de délivrance ne permet pas de le déduire, alors qu'un certificat v1 n'est "
        "plus accepté depuis le 16/05/2026 : indiquez la version figurant sur le certificat.",
        "The referential (v1 or v2) of HDS certificate no. {number} of {actor} is not recorded "
        "and its issue date does not tell, while a v1 certificate is no longer accepted after "
        "2026-05-16: record the version shown on the certificate.",
        "Arrêté du 26 avril 2024 (référentiel HDS v2)",
        incomplete=True,
    ),
    FindingSpec(
        "validity.certificate_period_too_long", WARNING,
        "Le certificat HDS n° {number} de {actor} est enregistré comme valable du "
        "{issued_on:%d/%m/%Y} au {expires_on:%d/%m/%Y}, soit plus de trois ans, alors qu'un "
        "certificat HDS est délivré pour trois ans : vérifiez ces dates sur le certificat.",
        "HDS certificate no. {number} of {actor} is recorded as valid from {issued_on:%Y-%m-%d} "
        "to {expires_on:%Y-%m-%d}, more than three years, while an HDS certificate is issued for "
        "three years: check these dates on the certificate.",
        "Arrêté du 26 avril 2024 (référentiel de certification HDS)",
        incomplete=True,
    ),
    FindingSpec(
        "validity.certifier_missing", WARNING,
        "L'organisme certificateur du certificat HDS n° {number} de {actor} n'est pas "
        "renseigné : il doit s'agir d'un organisme accrédité (COFRAC ou équivalent européen).",
        "The certification body of HDS certificate no. {number} of {actor} is not recorded: it "
        "must be an accredited body (COFRAC or a European equivalent).",
        "CSP art. L.1111-8",
        incomplete=True,
    ),
    FindingSpec(
        "validity.suspended_beside_valid", WARNING,
        "Le certificat HDS n° {number} de {actor} est suspendu ; il vise les activités "
        "{activities} de ce maillon, que couvre encore le certificat n° {covering}. Vérifiez que "
        "le service utilisé relève bien du périmètre de ce dernier et demandez à {actor} la "
        "raison de la suspension.",
        "HDS certificate no. {number} of {actor} is suspended; it concerns activities "
        "{activities} of this link, which certificate no. {covering} still covers. Check that "
        "the service used is within the latter's perimeter and ask {actor} why the certificate "
        "was suspended.",
        "CSP art. L.1111-8 et R.1111-8-8 II",
    ),
    FindingSpec(
        "validity.withdrawn_beside_valid", WARNING,
        "Le certificat HDS n° {number} de {actor} a été retiré ; il visait les activités "
        "{activities} de ce maillon, que couvre encore le certificat n° {covering}. Vérifiez que "
        "le service utilisé relève bien du périmètre de ce dernier et demandez à {actor} la "
        "raison du retrait.",
        "HDS certificate no. {number} of {actor} has been withdrawn; it concerned activities "
        "{activities} of this link, which certificate no. {covering} still covers. Check that "
        "the service used is within the latter's perimeter and ask {actor} why the certificate "
        "was withdrawn.",
        "CSP art. L.1111-8 et R.1111-8-8 II",
    ),
    # Registry agreement (rule 6)
    FindingSpec(
        "registry.not_found", WARNING,
        "{actor} déclare un certificat HDS, mais n'a pas été rapproché de la liste officielle des "
        "hébergeurs certifiés publiée par l'ANS : confirmez l'hébergeur de la liste auquel il "
        "correspond pour que son certificat y soit vérifié.",
        "{actor} claims an HDS certificate but has not been matched with the official list of "
        "certified hosts published by the ANS: confirm which host of the list it is so that its "
        "certificate can be checked against it.",
        "CSP art. R.1111-8-8 II",
    ),
    FindingSpec(
        "registry.match_suggested", INFO,
        "Une correspondance entre {actor} et la liste officielle de l'ANS est seulement "
        "suggérée : confirmez-la ou rejetez-la.",
        "A match between {actor} and the official ANS list is only suggested: confirm or "
        "reject it.",
        "CSP art. R.1111-8-8 II",
        incomplete=True,
    ),
    FindingSpec(
        "registry.host_absent", WARNING,
        "{actor} ne figure pas dans la dernière liste officielle de l'ANS, alors que le "
        "certificat déclaré n° {number} couvrirait les activités {activities} jusqu'au "
        "{expires_on:%d/%m/%Y}. La liste officielle prime sur le certificat présenté : faites "
        "confirmer par {actor} que sa certification est toujours en vigueur.",
        "{actor} is not in the latest official ANS list, although the claimed certificate no. "
        "{number} would cover activities {activities} until {expires_on:%Y-%m-%d}. The official "
        "list outranks the certificate presented: have {actor} confirm that its certification "
        "is still in force.",
        "CSP art. R.1111-8-8 II",
        incomplete=True,
    ),
    FindingSpec(
        "registry.host_removed", ERROR,
        "{actor} ne figure plus dans la liste officielle des hébergeurs certifiés de l'ANS : "
        "son certificat a pu être suspendu, retiré ou ne pas être renouvelé.",
        "{actor} has been removed from the official ANS list of certified hosts: its "
        "certificate may have been suspended, withdrawn or not renewed.",
        "CSP art. L.1111-8 et R.1111-8-8 II",
    ),
    FindingSpec(
        "registry.activities_narrower", WARNING,
        "La liste officielle de l'ANS montre pour {actor} les activités {listed_activities}, sans "
        "l'activité {activity} ({activity_label}) que couvre le certificat déclaré n° {number}. "
        "La liste officielle prime : faites justifier l'écart par {actor}.",
        "The official ANS list shows activities {listed_activities} for {actor}, without "
        "activity {activity} ({activity_label}) that the claimed certificate no. {number} "
        "covers. The official list prevails: have {actor} explain the difference.",
        "CSP art. R.1111-8-8 II",
        incomplete=True,
    ),
    FindingSpec(
        "registry.expired_in_list", WARNING,
        "Selon la liste officielle de l'ANS, la certification de {actor} a pris fin le "
        "{registry_expires_on:%d/%m/%Y}, alors que le certificat déclaré n° {number} court "
        "jusqu'au {expires_on:%d/%m/%Y}. La liste officielle prime : demandez à {actor} son "
        "certificat renouvelé ou l'explication de l'écart.",
        "According to the official ANS list, {actor}'s certification ended on "
        "{registry_expires_on:%Y-%m-%d}, although the claimed certificate no. {number} runs "
        "until {expires_on:%Y-%m-%d}. The official list prevails: ask {actor} for its renewed "
        "certificate or an explanation of the difference.",
        "CSP art. R.1111-8-8 II",
        incomplete=True,
    ),
    FindingSpec(
        "registry.end_date_earlier_in_list", WARNING,
        "Selon la liste officielle de l'ANS, la certification de {actor} prend fin le "
        "{registry_expires_on:%d/%m/%Y}, avant la date du certificat déclaré n° {number} "
        "(valable jusqu'au {expires_on:%d/%m/%Y}). La liste officielle prime : faites confirmer "
        "la date par {actor}.",
        "According to the official ANS list, {actor}'s certification ends on "
        "{registry_expires_on:%Y-%m-%d}, earlier than the claimed certificate no. {number} "
        "(valid until {expires_on:%Y-%m-%d}). The official list prevails: have {actor} confirm "
        "the date.",
        "CSP art. R.1111-8-8 II",
        incomplete=True,
    ),
    # Sovereignty (rule 7)
    FindingSpec(
        "sovereignty.storage_location_unknown", WARNING,
        "Les pays où {actor} stocke les données de santé ne sont pas renseignés.",
        "The countries where {actor} stores the health data are not recorded.",
        "Référentiel HDS v2, exigence EXI 28",
        incomplete=True,
    ),
    FindingSpec(
        "sovereignty.storage_outside_eea", ERROR,
        "{actor} stocke des données de santé hors de l'Espace économique européen "
        "({countries}) : le référentiel HDS v2 (exigence EXI 28) impose un stockage dans l'EEE.",
        "{actor} stores health data outside the European Economic Area ({countries}): HDS "
        "referential v2 (requirement EXI 28) requires storage within the EEA.",
        "Référentiel HDS v2, exigence EXI 28",
    ),
    FindingSpec(
        "sovereignty.remote_access_without_basis", ERROR,
        "{actor} accède aux données depuis un pays tiers ({countries}) qui ne bénéficie d'aucune "
        "décision d'adéquation en vigueur, sans garanties appropriées documentées (article 46).",
        "{actor} accesses the data from a third country ({countries}) with no adequacy decision "
        "in force, and no appropriate safeguards are documented (Article 46).",
        "Référentiel HDS v2, exigence EXI 29 ; RGPD art. 45 et 46",
    ),
    FindingSpec(
        "sovereignty.remote_access_no_adequacy", ERROR,
        "Une décision d'adéquation est invoquée pour l'accès de {actor} depuis un pays tiers "
        "({countries}), mais aucune n'est en vigueur pour ce pays : des garanties appropriées "
        "(article 46) sont nécessaires.",
        "An adequacy decision is relied on for {actor}'s access from a third country "
        "({countries}), but none is in force for that country: appropriate safeguards "
        "(Article 46) are needed.",
        "Référentiel HDS v2, exigence EXI 29 ; RGPD art. 45 et 46",
    ),
    FindingSpec(
        "sovereignty.remote_access_adequacy", INFO,
        "{actor} accède aux données depuis un pays tiers couvert par une décision d'adéquation "
        "de la Commission européenne, qui suffit sans autre garantie ({decisions}).",
        "{actor} accesses the data from a third country covered by a European Commission "
        "adequacy decision, which suffices without other safeguards ({decisions}).",
        "RGPD art. 45 ; référentiel HDS v2, exigence EXI 29",
    ),
    FindingSpec(
        "sovereignty.remote_access_dpf_check", WARNING,
        "L'accès de {actor} depuis un pays tiers ({countries}) ne repose sur la décision "
        "d'adéquation ({decisions}) que si {actor} est certifié au Data Privacy Framework : "
        "enregistrez sa certification, ou documentez des garanties appropriées (article 46).",
        "{actor}'s access from a third country ({countries}) relies on the adequacy decision "
        "({decisions}) only if {actor} is certified under the Data Privacy Framework: record its "
        "certification, or document appropriate safeguards (Article 46).",
        "RGPD art. 45 ; décision d'exécution (UE) 2023/1795",
        incomplete=True,
    ),
    FindingSpec(
        "sovereignty.non_eu_law_unnamed", WARNING,
        "{actor} relève d'un droit extra-européen, mais les lois concernées ne sont pas "
        "identifiées.",
        "{actor} is exposed to non-EU law, but the laws concerned are not identified.",
        "Référentiel HDS v2, exigence EXI 30",
    ),
    FindingSpec(
        "sovereignty.non_eu_law_unmitigated", WARNING,
        "{actor} relève d'un droit extra-européen ({laws}) : les mesures d'atténuation et le "
        "risque résiduel ne sont pas documentés.",
        "{actor} is subject to non-EU law ({laws}): mitigations and residual risk are not "
        "documented.",
        "Référentiel HDS v2, exigence EXI 30",
    ),
    # Evidence (rule 8)
    FindingSpec(
        "evidence.hosting_contract_missing", ERROR,
        "Aucun contrat d'hébergement de données de santé avec {actor} n'est au dossier.",
        "No health data hosting contract with {actor} is on file.",
        "CSP art. L.1111-8 et R.1111-11",
    ),
    FindingSpec(
        "evidence.dpa_missing", ERROR,
        "Aucun contrat de sous-traitance de données personnelles avec {actor} n'est au dossier.",
        "No data processing agreement with {actor} is on file.",
        "RGPD art. 28(3)",
    ),
    FindingSpec(
        "evidence.certificate_document_missing", WARNING,
        "Le certificat HDS n° {number} de {actor} n'est pas au dossier : demandez-en une copie "
        "à l'hébergeur.",
        "HDS certificate no. {number} of {actor} is not on file: ask the host for a copy.",
        "CSP art. R.1111-8-8 II ; référentiel HDS v2, exigence EXI 12",
    ),
    FindingSpec(
        "evidence.certificate_expiring", WARNING,
        "Le certificat HDS n° {number} de {actor} est valable jusqu'au {expires_on:%d/%m/%Y} "
        "(jours restants : {days}) : demandez le certificat renouvelé.",
        "HDS certificate no. {number} of {actor} is valid until {expires_on:%Y-%m-%d} (days "
        "left: {days}): ask for the renewed certificate.",
        "CSP art. L.1111-8",
    ),
    FindingSpec(
        "evidence.own_hosting_contract_missing", ERROR,
        "Votre organisation héberge ces données de santé pour le compte de responsables de "
        "traitement, mais aucun contrat d'hébergement avec eux n'est au dossier.",
        "Your organisation hosts these health data on behalf of controllers, but no hosting "
        "contract with them is on file.",
        "CSP art. L.1111-8 et R.1111-11",
    ),
    FindingSpec(
        "evidence.contract_clauses_unchecked", WARNING,
        "{contract} est au dossier, mais ses clauses n'ont pas été vérifiées : indiquez celles "
        "de l'article R.1111-11 qu'il comporte.",
        "{contract} is on file, but its clauses have not been checked: record which clauses "
        "of Article R.1111-11 it contains.",
        "CSP art. R.1111-11",
        incomplete=True,
    ),
    FindingSpec(
        "evidence.contract_clauses_missing", ERROR,
        "{contract} ne comporte pas toutes les clauses exigées par l'article R.1111-11 : "
        "manquent {clauses}.",
        "{contract} lacks clauses required by Article R.1111-11: missing {clauses}.",
        "CSP art. R.1111-11",
    ),
    FindingSpec(
        "evidence.contract_locations_unrecorded", WARNING,
        "{contract} indique les lieux d'hébergement, mais ils ne sont pas renseignés : "
        "impossible de les comparer aux pays de stockage.",
        "{contract} states the hosting locations, but they are not recorded: they cannot be "
        "compared with the storage countries.",
        "CSP art. R.1111-11 (3°)",
        incomplete=True,
    ),
    FindingSpec(
        "evidence.contract_location_mismatch", ERROR,
        "{contract} ne mentionne pas, parmi les lieux d'hébergement ({named}), des pays où "
        "les données de santé sont stockées : {countries}.",
        "{contract} does not name, among the hosting locations ({named}), countries where the "
        "health data are stored: {countries}.",
        "CSP art. R.1111-11 (3°)",
    ),
    # Completeness (rule 10)
    FindingSpec(
        "completeness.operation_missing", ERROR,
        "Vous hébergez ces données de santé pour le compte de tiers, mais aucun maillon de la "
        "chaîne n'assure l'activité {activity} ({activity_label}). Être hébergé chez un "
        "prestataire certifié ne suffit pas : déclarez qui administre et exploite le système "
        "(vous, le plus souvent, ou votre infogéreur) et le certificat HDS qui couvre cette "
        "activité.",
        "You host these health data on behalf of others, but no link of the chain performs "
        "activity {activity} ({activity_label}). Being hosted by a certified provider is not "
        "enough: declare who administers and operates the system (you, most likely, or your "
        "managed-services provider) and the HDS certificate that covers it.",
        "CSP art. L.1111-8 et R.1111-9 ; CA Montpellier, 13 juin 2024, RG n° 22/01303",
    ),
    FindingSpec(
        "completeness.site_and_hardware_missing", WARNING,
        "{actor} stocke des données de santé, mais ni ce maillon ni aucun acteur déclaré sous "
        "lui n'assure l'hébergement du site physique et l'infrastructure matérielle (activités "
        "manquantes : {activities}). Quelqu'un les fournit : déclarez sous ce maillon le "
        "datacenter ou l'hébergeur d'infrastructure qui les assure, avec son certificat HDS, ou "
        "ajoutez ces activités au maillon si {actor} les assure lui-même.",
        "{actor} stores health data, but neither this link nor any actor declared under it "
        "provides the physical site and the hardware (activities missing: {activities}). "
        "Someone provides them: declare under this link the datacenter or infrastructure host "
        "that does, with its HDS certificate, or add these activities to the link if {actor} "
        "provides them itself.",
        "CSP art. R.1111-9 (1° et 2°)",
        incomplete=True,
    ),
    FindingSpec(
        "completeness.storage_missing", WARNING,
        "Aucun maillon de la chaîne n'est déclaré comme stockant les données de santé : on ne sait "
        "pas où elles sont hébergées, ni donc qui doit être certifié pour cela. Indiquez quel "
        "maillon les stocke (votre hébergeur, votre propre infrastructure ou celle d'un "
        "sous-traitant) et dans quels pays.",
        "No link of the chain is declared as storing the health data: where they are hosted, and "
        "so who must be certified for it, is unknown. State which link stores them (your host, "
        "your own infrastructure or a subcontractor's) and in which countries.",
        "CSP art. L.1111-8 et R.1111-9",
        incomplete=True,
    ),
    # Register completeness (rule 9)
    FindingSpec(
        "register.purposes_missing", WARNING,
        "Les finalités du traitement (ou, pour un sous-traitant, les catégories de traitements) "
        "ne sont pas renseignées.",
        "The purposes of the processing (or, for a processor, the categories of processing) are "
        "not recorded.",
        "RGPD art. 30(1)(b) et 30(2)(b)",
        incomplete=True,
    ),
    FindingSpec(
        "register.data_subject_categories_missing", WARNING,
        "Les catégories de personnes concernées ne sont pas renseignées.",
        "The categories of data subjects are not recorded.",
        "RGPD art. 30(1)(c)",
        incomplete=True,
    ),
    FindingSpec(
        "register.data_categories_missing", WARNING,
        "Les catégories de données personnelles ne sont pas renseignées.",
        "The categories of personal data are not recorded.",
        "RGPD art. 30(1)(c)",
        incomplete=True,
    ),
    FindingSpec(
        "register.recipients_missing", WARNING,
        "Les catégories de destinataires ne sont pas renseignées.",
        "The categories of recipients are not recorded.",
        "RGPD art. 30(1)(d)",
        incomplete=True,
    ),
    FindingSpec(
        "register.retention_missing", WARNING,
        "Les durées de conservation ne sont pas renseignées.",
        "The retention periods are not recorded.",
        "RGPD art. 30(1)(f)",
        incomplete=True,
    ),
    FindingSpec(
        "register.security_measures_missing", WARNING,
        "Les mesures de sécurité techniques et organisationnelles ne sont pas décrites.",
        "The technical and organisational security measures are not described.",
        "RGPD art. 30(1)(g) et 30(2)(d)",
        incomplete=True,
    ),
    FindingSpec(
        "register.contact_missing", WARNING,
        "Le nom et les coordonnées du responsable du traitement (ou du sous-traitant) ne sont "
        "pas renseignés.",
        "The name and contact details of the controller (or processor) are not recorded.",
        "RGPD art. 30(1)(a) et 30(2)(a)",
        incomplete=True,
    ),
    FindingSpec(
        "register.controllers_served_missing", WARNING,
        "En tant que sous-traitant, indiquez chaque responsable du traitement pour le compte "
        "duquel vous agissez.",
        "As a processor, record each controller on whose behalf you act.",
        "RGPD art. 30(2)(a)",
        incomplete=True,
    ),
    FindingSpec(
        "register.legal_basis_missing", WARNING,
        "La base légale du traitement (article 6) n'est pas renseignée.",
        "The legal basis of the processing (Article 6) is not recorded.",
        "RGPD art. 6(1)",
        incomplete=True,
    ),
    FindingSpec(
        "register.art9_condition_missing", WARNING,
        "Le registre n'indique pas sur quelle condition de l'article 9(2) repose ce traitement "
        "de données de santé. Pour les soins, c'est d'ordinaire l'article 9(2)(h) (diagnostics "
        "médicaux, prise en charge sanitaire ou sociale), les données étant traitées par un "
        "professionnel soumis au secret professionnel (article 9(3)) : indiquez-la.",
        "The register does not say which Article 9(2) condition this processing of health data "
        "relies on. For care it is usually Article 9(2)(h) (medical diagnosis, health or social "
        "care), the data being processed by a professional bound by professional secrecy "
        "(Article 9(3)): record it.",
        "RGPD art. 9(2)(h) et 9(3)",
        incomplete=True,
    ),
    FindingSpec(
        "register.transfer_safeguard_missing", ERROR,
        "Le registre mentionne un transfert vers un pays tiers ({countries}) sans décision "
        "d'adéquation ni garanties appropriées.",
        "The register lists a transfer to a third country ({countries}) with neither an "
        "adequacy decision nor appropriate safeguards.",
        "RGPD art. 30(1)(e), 45 et 46",
    ),
    FindingSpec(
        "register.transfer_not_listed", WARNING,
        "Par {actor}, les données sont stockées ou accessibles depuis un pays tiers "
        "({countries}), mais ce transfert ne figure pas au registre.",
        "Through {actor}, the data are stored in or accessible from a third country "
        "({countries}), but this transfer is not in the register.",
        "RGPD art. 30(1)(e) et 30(2)(c)",
        incomplete=True,
    ),
    FindingSpec(
        "register.dpia_missing", ERROR,
        "Une analyse d'impact relative à la protection des données (AIPD) est requise pour ce "
        "traitement mais n'a pas été réalisée.",
        "A data protection impact assessment (DPIA) is required for this processing but has "
        "not been carried out.",
        "RGPD art. 35",
    ),
    FindingSpec(
        "register.dpia_unknown", WARNING,
        "La nécessité d'une analyse d'impact (AIPD) n'a pas été évaluée. La liste de la CNIL "
        "l'impose notamment pour la prise en charge des patients par les établissements "
        "(délibération n° 2018-327) ; un professionnel exerçant seul en est dispensé "
        "(délibération n° 2019-118).",
        "Whether a data protection impact assessment (DPIA) is needed has not been assessed. "
        "The CNIL list requires one notably for patient care by establishments (deliberation "
        "no. 2018-327); a professional practising alone is exempt (deliberation no. 2019-118).",
        "RGPD art. 35",
        incomplete=True,
    ),
    FindingSpec(
        "register.dpia_required_care", ERROR,
        "La prise en charge des patients par un établissement de santé figure sur la liste des "
        "traitements pour lesquels une analyse d'impact (AIPD) est requise (délibération CNIL "
        "n° 2018-327) : elle est requise pour ce traitement, quoi qu'indique le registre, et "
        "n'a pas été réalisée.",
        "Patient care by a health establishment is on the CNIL list of processing operations "
        "that require a data protection impact assessment (deliberation no. 2018-327): one is "
        "required for this processing, whatever the register says, and it has not been carried "
        "out.",
        "RGPD art. 35(4) ; délibération CNIL n° 2018-327",
    ),
)

CATALOGUE: dict[str, FindingSpec] = {spec.code: spec for spec in _ENTRIES}
RULE_CODES = frozenset(CATALOGUE)
