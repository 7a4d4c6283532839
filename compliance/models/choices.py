"""The vocabulary the database stores: the conformity engine's enums as Django choices, with their labels.

The engine (:mod:`compliance.conformity`, plain Python) owns the values and their order; this
module owns the words, in French, translated through the English catalogue. Model fields, forms,
API filters, pages, alerts and digests all take them from here. Where the database knows a value
the engine does not (an unknown hosting mode, a rejected registry match), it is added here, by
name, in a fixed place.
"""

from collections.abc import Iterable, Mapping
from enum import StrEnum

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from compliance import conformity

Extra = tuple[str, str, Promise]
"""A value the database knows and the engine does not: ``(name, value, label)``."""


def engine_choices(name: str, vocabulary: type[StrEnum], labels: Mapping[StrEnum, Promise], *,
                   before: Iterable[Extra] = (), after: Iterable[Extra] = ()) -> type[models.TextChoices]:
    """``TextChoices`` called ``name`` with the members of the engine's ``vocabulary``, in its order,
    each labelled by ``labels``; ``before`` and ``after`` are values only the database knows."""
    if set(labels) != set(vocabulary):
        raise ValueError(f"{name}: one label for each {vocabulary.__name__} member, got {sorted(labels)}")
    members = [
        *((extra, (value, label)) for extra, value, label in before),
        *((member.name, (member.value, labels[member])) for member in vocabulary),
        *((extra, (value, label)) for extra, value, label in after),
    ]
    choices = models.TextChoices(name, members, module=__name__)
    choices.__doc__ = vocabulary.__doc__
    return choices


ConformityStatus = engine_choices("ConformityStatus", conformity.Status, {
    conformity.Status.NOT_APPLICABLE: _("Non concerné"),
    conformity.Status.COMPLIANT: _("Conforme"),
    conformity.Status.NON_COMPLIANT: _("Non conforme"),
    conformity.Status.INCOMPLETE: _("Incomplet"),
})

STATUS_LABELS = {**dict(ConformityStatus.choices), "": _("Non évalué")}
"""The label of a processing's status; ``""`` before its first evaluation."""

# The severity of findings, and of the alerts raised about them.
AlertSeverity = engine_choices("AlertSeverity", conformity.Severity, {
    conformity.Severity.ERROR: _("Erreur"),
    conformity.Severity.WARNING: _("Avertissement"),
    conformity.Severity.INFO: _("Information"),
})

CertificateKind = engine_choices("CertificateKind", conformity.CertificateKind, {
    conformity.CertificateKind.HDS: _("HDS"),
    conformity.CertificateKind.ISO27001: _("ISO 27001"),
})

CertificateStatus = engine_choices("CertificateStatus", conformity.CertificateStatus, {
    conformity.CertificateStatus.VALID: _("Valide"),
    conformity.CertificateStatus.SUSPENDED: _("Suspendu"),
    conformity.CertificateStatus.WITHDRAWN: _("Retiré"),
})

CertificateSource = engine_choices("CertificateSource", conformity.CertificateSource, {
    conformity.CertificateSource.REGISTRY: _("Liste ANS"),
    conformity.CertificateSource.DOCUMENT: _("Document"),
    conformity.CertificateSource.MANUAL: _("Saisie manuelle"),
    conformity.CertificateSource.PROVIDER: _("Prestataire lié"),
})

ProviderShare = engine_choices("ProviderShare", conformity.ProviderShare, {
    conformity.ProviderShare.NONE: _("—"),
    conformity.ProviderShare.ACTIVE: _("Partage actif"),
    conformity.ProviderShare.ENDED: _("Partage terminé"),
})

Identifiability = engine_choices("Identifiability", conformity.Identifiability, {
    conformity.Identifiability.IDENTIFIED: _("Identifiantes"),
    conformity.Identifiability.PSEUDONYMISED: _("Pseudonymisées"),
    conformity.Identifiability.ANONYMISED: _("Anonymisées"),
})

# The engine reads an unknown hosting mode as None.
HostingMode = engine_choices("HostingMode", conformity.HostingMode, {
    conformity.HostingMode.SELF_HOSTED: _("Auto-hébergé"),
    conformity.HostingMode.OUTSOURCED: _("Externalisé"),
}, before=[("UNKNOWN", "", _("Non renseigné"))])

ProcessingRole = engine_choices("ProcessingRole", conformity.Role, {
    conformity.Role.CONTROLLER: _("Responsable de traitement"),
    conformity.Role.PROCESSOR: _("Sous-traitant"),
})

# A member rejected the suggestion; the host is remembered so it is not suggested again. The engine
# reads a rejected match as no match.
RegistryMatchStatus = engine_choices("RegistryMatchStatus", conformity.RegistryMatch, {
    conformity.RegistryMatch.NONE: _("Aucune correspondance"),
    conformity.RegistryMatch.SUGGESTED: _("Suggérée"),
    conformity.RegistryMatch.CONFIRMED: _("Confirmée"),
}, after=[("REJECTED", "rejected", _("Rejetée"))])

RemoteAccessBasis = engine_choices("RemoteAccessBasis", conformity.TransferBasis, {
    conformity.TransferBasis.ADEQUACY: _("Décision d'adéquation (RGPD art. 45)"),
    conformity.TransferBasis.SAFEGUARDS: _("Garanties appropriées (RGPD art. 46)"),
    conformity.TransferBasis.NONE: _("Aucune base documentée"),
})

# The clauses of a health data hosting contract, numbered as in CSP art. R.1111-11.
ContractClause = engine_choices("ContractClause", conformity.ContractClause, {
    conformity.ContractClause.CERTIFICATE_SCOPE_DATES: _("1° Périmètre du certificat, dates de délivrance et de "
                                                         "renouvellement"),
    conformity.ContractClause.SERVICES: _("2° Prestations réalisées et résultats attendus"),
    conformity.ContractClause.HOSTING_LOCATIONS: _("3° Lieux d'hébergement"),
    conformity.ContractClause.DATA_SUBJECT_RIGHTS_BREACH: _("4° Droits des personnes et notification des "
                                                            "violations"),
    conformity.ContractClause.INCIDENT_CONTACT: _("5° Interlocuteur du client pour les incidents"),
    conformity.ContractClause.SERVICE_LEVELS: _("6° Indicateurs et niveaux de service"),
    conformity.ContractClause.SUBCONTRACTORS: _("7° Conditions de recours à des sous-traitants"),
    conformity.ContractClause.ACCESS_RULES: _("8° Modalités d'accès aux données"),
    conformity.ContractClause.CHANGES: _("9° Obligations en cas de modifications ou d'évolutions"),
    conformity.ContractClause.HOST_FAILURE: _("10° Garanties en cas de défaillance de l'hébergeur"),
    conformity.ContractClause.NO_OTHER_USE: _("11° Interdiction de toute autre utilisation des données"),
    conformity.ContractClause.REVERSIBILITY_RESTITUTION: _("12° Réversibilité : restitution des données"),
    conformity.ContractClause.REVERSIBILITY_DESTRUCTION: _("13° Réversibilité : destruction des copies"),
    conformity.ContractClause.REVERSIBILITY_FORMATS: _("14° Réversibilité : formats lisibles"),
})

# Why an actor needs no HDS certificate of its own; the database stores "" for no exemption.
ExemptionReason = engine_choices("ExemptionReason", conformity.ExemptionReason, {
    conformity.ExemptionReason.ARCHIVING_APPROVED: _("Service d'archivage électronique agréé par le ministère de la "
                                                     "Culture (CSP art. L.1111-8)"),
    conformity.ExemptionReason.SHORT_TERM_PROCESSING: _("Réception de courte durée pour saisie, mise en forme, "
                                                        "impression ou dématérialisation (CSP art. R.1111-8-8 I)"),
    conformity.ExemptionReason.COVERED_BY_PARENT_AUDIT: _("Couvert par l'audit de certification du parent "
                                                          "(référentiel HDS v2, EXI 12/14)"),
}, before=[("NONE", "", _("Aucune exemption"))])

PROCESSING_EXEMPTION_REASONS = ("", conformity.ExemptionReason.ARCHIVING_APPROVED.value,
                                conformity.ExemptionReason.SHORT_TERM_PROCESSING.value)
"""The exemptions a processing can carry for the organisation itself: the parent's audit concerns a link."""
