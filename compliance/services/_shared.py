"""What the compliance writes share: refusing another organisation's rows, validating, knowing
which processings a write may change and re-evaluating them after commit, and deleting stored
files only once a deletion has committed."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction
from django.utils.translation import gettext as _

from compliance import evidence_files
from compliance.models import Certificate, ChainLink, Evidence, EvidenceKind, Processing
from hds_platform import outbox
from hds_platform.errors import ServiceError


def _check_same_organisation(organisation, **related) -> None:
    """Refuse a related row of another organisation (the API's scoped fields already do; a
    service may be called from elsewhere)."""
    for name, value in related.items():
        if value is not None and value.organisation_id != organisation.pk:
            raise ServiceError(_("Objet introuvable."), code="does_not_exist", field=name)


class ReadOnlyShared(ServiceError):
    status_code = 409
    code = "shared_read_only"


def refuse_shared(row) -> None:
    """A copy shared by a linked provider is read-only: it follows the provider."""
    if getattr(row, "shared_from_id", None) is not None:
        raise ReadOnlyShared(_("Cet élément est partagé par votre prestataire : il suit ses mises à jour et ne "
                               "peut pas être modifié ici."))


def _validate(instance: models.Model) -> None:
    instance.full_clean()


def _reevaluate(organisation, processing_ids: Iterable[int]) -> None:
    """Re-evaluate after commit. The outbox row commits with the write, so a broker outage
    delays the re-evaluation instead of losing it."""

    ids = sorted(set(processing_ids))
    if ids:
        outbox.enqueue("compliance.tasks.evaluate_processings_task", organisation.pk, ids)


def processings_using_suppliers(supplier_ids: Iterable[int]) -> set[int]:
    return set(ChainLink.objects.filter(supplier_id__in=list(supplier_ids)).values_list("processing_id", flat=True))


def processings_with_own_links() -> set[int]:
    return set(ChainLink.objects.filter(supplier__isnull=True).values_list("processing_id", flat=True))


def _processings_of_certificate(certificate: Certificate) -> set[int]:
    if certificate.supplier_id is None:
        return processings_with_own_links()
    return processings_using_suppliers([certificate.supplier_id])


def _processings_of_evidence(evidence: Evidence) -> set[int]:
    affected: set[int] = set()
    if evidence.supplier_id is not None:
        affected |= processings_using_suppliers([evidence.supplier_id])
    if evidence.processing_id is not None:
        affected.add(evidence.processing_id)
    certificate_ids = set(Certificate.objects.filter(evidence=evidence).values_list("id", flat=True))
    if evidence.certificate_id is not None:
        certificate_ids.add(evidence.certificate_id)
    for certificate in Certificate.objects.filter(id__in=certificate_ids):
        affected |= _processings_of_certificate(certificate)
    affected |= set(ChainLink.objects.filter(exemption_evidence=evidence).values_list("processing_id", flat=True))
    affected |= set(Processing.objects.filter(exemption_evidence=evidence).values_list("id", flat=True))
    own_contract = evidence.kind == EvidenceKind.HOSTING_CONTRACT and evidence.supplier_id is None
    if own_contract and evidence.processing_id is None:
        # The organisation's own contract with the controllers it serves, for all its processings.
        affected |= processings_with_own_links()
    return affected


def _discard_files_on_commit(names: Iterable[str]) -> None:
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: [evidence_files.discard(name) for name in names])
