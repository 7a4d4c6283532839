"""Writes of evidence: uploading a document or a new version of it, describing it, deleting it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance import evidence_files
from compliance.models import (
    Certificate,
    ChainLink,
    ContractClause,
    Evidence,
    EvidenceKind,
    Processing,
    evidence_storage_name,
)
from compliance.services._shared import (
    _check_same_organisation,
    _discard_files_on_commit,
    _processings_of_evidence,
    _reevaluate,
    _validate,
)
from compliance.signals import evidence_stored
from hds_platform import audit, writes
from hds_platform.audit import Actor
from hds_platform.errors import Conflict, ServiceError
from hds_platform.tenancy import require_organisation

EVIDENCE_FIELDS = frozenset({"kind", "title", "issued_on", "valid_until", "supplier", "processing", "certificate",
                             "contract_clauses", "contract_locations", "external_id"})
CLAUSE_ORDER = {value: position for position, value in enumerate(ContractClause.values)}


def _normalise_evidence_fields(fields: dict) -> dict:
    """Clauses in the article's order (unknown codes last, for validation to name them) and
    country codes in upper case."""
    fields = dict(fields)
    clauses = fields.get("contract_clauses")
    if isinstance(clauses, list | tuple):
        fields["contract_clauses"] = sorted(clauses, key=lambda code: CLAUSE_ORDER.get(code, len(CLAUSE_ORDER)))
    if isinstance(fields.get("contract_locations"), list | tuple):
        fields["contract_locations"] = [str(code).strip().upper() for code in fields["contract_locations"]]
    elif "contract_locations" in fields and fields["contract_locations"] is None:
        fields["contract_locations"] = []
    return fields


def _check_evidence_links(evidence: Evidence) -> None:
    certificate = evidence.certificate
    if certificate is not None and evidence.supplier_id is not None and certificate.supplier_id != evidence.supplier_id:
        raise ServiceError(_("Ce certificat appartient à un autre fournisseur."), code="certificate_supplier_mismatch",
                           field="certificate")


@contextmanager
def _stored_upload(organisation, upload) -> Iterator[tuple[evidence_files.AllowedType, evidence_files.StoredFile]]:
    """Check and store ``upload``; the file is deleted again if the block fails.

    Wrap the whole transaction that records it: a rolled-back row must not leave its file.
    """
    detected = evidence_files.check_upload(upload)
    stored = evidence_files.store(upload, evidence_storage_name(organisation.pk) + detected.storage_suffix)
    try:
        yield detected, stored
    except BaseException:
        evidence_files.discard(stored.name)
        raise


def _record_evidence(*, organisation, actor: Actor, upload, detected, stored, fields: dict,
                     previous: Evidence | None) -> tuple[Evidence, set[int]]:
    """The row of a stored file, validated, audited and announced; returns it with the processings
    to re-evaluate. Call inside the write's transaction."""
    evidence = Evidence(
        organisation=organisation,
        file=stored.name,
        original_name=(upload.name or "document")[-255:],
        sha256=stored.sha256,
        size=stored.size,
        content_type=detected.content_type,
        uploaded_by=actor.user,
        uploaded_at=timezone.now(),
        version=1 if previous is None else previous.version + 1,
    )
    if previous is not None:
        # What a contract says is not inherited: a new version is a new text, checked again.
        for name in ("kind", "title", "issued_on", "valid_until", "supplier_id", "processing_id",
                     "certificate_id"):
            setattr(evidence, name, getattr(previous, name))
        if previous.external_id is not None and "external_id" not in fields:
            # The integrator's id follows the current version of the document.
            evidence.external_id, previous.external_id = previous.external_id, None
            previous.save(update_fields=["external_id"])
    writes.assign_changes(evidence, _normalise_evidence_fields(fields))
    if not evidence.title:
        evidence.title = evidence.original_name[:200]
    _validate(evidence)
    _check_evidence_links(evidence)
    evidence.save()
    affected = _processings_of_evidence(evidence)
    if previous is not None:
        previous.superseded_by = evidence
        previous.save(update_fields=["superseded_by", "updated_at"])
        # Whoever pointed at the old version now points at the new one.
        now = timezone.now()
        Certificate.objects.filter(evidence=previous).update(evidence=evidence, updated_at=now)
        ChainLink.objects.filter(exemption_evidence=previous).update(exemption_evidence=evidence, updated_at=now)
        Processing.objects.filter(exemption_evidence=previous).update(exemption_evidence=evidence, updated_at=now)
        affected |= _processings_of_evidence(previous)
    changes = {"kind": evidence.kind, "title": evidence.title, "sha256": evidence.sha256,
               "size": evidence.size, "content_type": evidence.content_type,
               "supplier": evidence.supplier_id, "processing": evidence.processing_id,
               "certificate": evidence.certificate_id, "version": evidence.version,
               "supersedes": previous.pk if previous is not None else None}
    if evidence.kind == EvidenceKind.HOSTING_CONTRACT:
        changes.update(contract_clauses=evidence.contract_clauses, contract_locations=evidence.contract_locations)
    audit.record(
        organisation=organisation, actor=actor,
        action="evidence.uploaded" if previous is None else "evidence.superseded", target=evidence,
        changes=changes,
    )
    evidence_stored.send(sender=Evidence, evidence=evidence, supersedes=previous)
    return evidence, affected


def _store_evidence(*, organisation, actor: Actor, upload, fields: dict, previous: Evidence | None) -> Evidence:
    """Check, store and record one evidence file; the file is deleted again if anything fails."""
    with _stored_upload(organisation, upload) as (detected, stored), transaction.atomic():
        evidence, affected = _record_evidence(organisation=organisation, actor=actor, upload=upload,
                                              detected=detected, stored=stored, fields=fields, previous=previous)
        _reevaluate(organisation, affected)
    return evidence


def evidence_upload(*, actor: Actor, file, **fields) -> Evidence:
    """Upload a document. ``file`` is an uploaded file; its type is checked from its content."""
    writes.refuse_unknown_fields(fields, EVIDENCE_FIELDS)
    organisation = require_organisation()
    _check_same_organisation(organisation, supplier=fields.get("supplier"), processing=fields.get("processing"),
                             certificate=fields.get("certificate"))
    if not fields.get("kind"):
        raise ServiceError(_("Indiquez le type de pièce."), code="required", field="kind")
    return _store_evidence(organisation=organisation, actor=actor, upload=file, fields=fields, previous=None)


def evidence_supersede(*, evidence: Evidence, actor: Actor, file, **fields) -> Evidence:
    """Upload a new version of ``evidence``: it inherits the old one's kind, title, dates and
    links (unless given) and replaces it wherever it was cited. A contract's clauses and
    locations are not inherited: the new text is checked again."""
    writes.refuse_unknown_fields(fields, EVIDENCE_FIELDS)
    organisation = require_organisation()
    _check_same_organisation(organisation, evidence=evidence, supplier=fields.get("supplier"),
                             processing=fields.get("processing"), certificate=fields.get("certificate"))
    if evidence.superseded_by_id is not None:
        raise Conflict(_("Cette pièce a déjà été remplacée : remplacez la version en cours."),
                       code="evidence_already_superseded")
    return _store_evidence(organisation=organisation, actor=actor, upload=file, fields=fields, previous=evidence)


def evidence_update(*, evidence: Evidence, actor: Actor, **fields) -> Evidence:
    """Change the description of a document (never its file: upload a new version instead)."""
    writes.refuse_unknown_fields(fields, EVIDENCE_FIELDS)
    organisation = require_organisation()
    _check_same_organisation(organisation, evidence=evidence, supplier=fields.get("supplier"),
                             processing=fields.get("processing"), certificate=fields.get("certificate"))
    with transaction.atomic():
        affected = _processings_of_evidence(evidence)
        changes = writes.assign_changes(evidence, _normalise_evidence_fields(fields))
        if not changes:
            return evidence
        _validate(evidence)
        _check_evidence_links(evidence)
        evidence.save()
        audit.record(organisation=organisation, actor=actor, action="evidence.updated", target=evidence,
                     changes=changes)
        _reevaluate(organisation, affected | _processings_of_evidence(evidence))
    return evidence


def evidence_delete(*, evidence: Evidence, actor: Actor) -> None:
    """Delete one version; the version it replaced, if any, becomes current again."""
    organisation = require_organisation()
    _check_same_organisation(organisation, evidence=evidence)
    with transaction.atomic():
        affected = _processings_of_evidence(evidence)
        previous = Evidence.objects.filter(superseded_by=evidence).first()
        if previous is not None:
            now = timezone.now()
            Certificate.objects.filter(evidence=evidence).update(evidence=previous, updated_at=now)
            ChainLink.objects.filter(exemption_evidence=evidence).update(exemption_evidence=previous, updated_at=now)
            Processing.objects.filter(exemption_evidence=evidence).update(exemption_evidence=previous, updated_at=now)
        audit.record(organisation=organisation, actor=actor, action="evidence.deleted", target=evidence,
                     changes={"kind": evidence.kind, "title": evidence.title, "sha256": evidence.sha256,
                              "restored": previous.pk if previous is not None else None})
        name = evidence.file.name
        evidence.delete()
        _discard_files_on_commit([name])
        _reevaluate(organisation, affected)
