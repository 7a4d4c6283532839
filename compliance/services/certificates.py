"""Writes of certificates, including a certificate recorded together with its document."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from compliance import registry_link
from compliance.models import Certificate, CertificateKind, CertificateSource, Evidence, EvidenceKind
from compliance.services._shared import _check_same_organisation, _processings_of_certificate, _reevaluate, _validate
from compliance.services.evidence import _record_evidence, _stored_upload, evidence_supersede
from hds_platform import audit, writes
from hds_platform.audit import Actor
from hds_platform.errors import ServiceError
from hds_platform.tenancy import require_organisation
from registry.parsing import normalise_referential_version

CERTIFICATE_FIELDS = frozenset({
    "supplier", "kind", "activities", "certificate_number", "certifier", "referential_version", "issued_on",
    "expires_on", "status", "source", "evidence", "perimeter",
})
CERTIFICATE_WITH_DOCUMENT_FIELDS = CERTIFICATE_FIELDS - {"evidence", "source"}
DOCUMENT_KIND_OF_CERTIFICATE = {CertificateKind.HDS: EvidenceKind.HDS_CERTIFICATE,
                                CertificateKind.ISO27001: EvidenceKind.ISO27001_CERTIFICATE}
CERTIFICATE_DOCUMENT_KINDS = frozenset(DOCUMENT_KIND_OF_CERTIFICATE.values())
# The evidence fields of a certificate's document, named as certificate_create_with_document's arguments.
DOCUMENT_ARGUMENTS = {"file": "document", "valid_until": "expires_on"}


def _normalise_certificate_fields(fields: dict) -> dict:
    """The referential written as the ANS list's notation rules read it: "2018", "V1 (2018)" or
    "1.0" is stored "v1", "2024" or "v2.0" "v2", an unknown notation as typed."""
    if "referential_version" not in fields:
        return fields
    return {**fields, "referential_version": normalise_referential_version(fields["referential_version"] or "")}


def _match_registry_by_certificate(certificate: Certificate) -> None:
    """A supplier's certificate number found in the ANS list confirms its host."""
    supplier = certificate.supplier
    if supplier is not None and certificate.certificate_number:
        registry_link.apply_best_candidate(supplier, certificate_numbers=[certificate.certificate_number])


def _check_certificate_evidence(certificate: Certificate) -> None:
    evidence = certificate.evidence
    if evidence is None:
        return
    if evidence.kind not in CERTIFICATE_DOCUMENT_KINDS:
        raise ServiceError(_("La pièce jointe d'un certificat doit être un certificat HDS ou ISO 27001."),
                           code="evidence_kind_mismatch", field="evidence")
    if evidence.supplier_id not in (None, certificate.supplier_id):
        raise ServiceError(_("Ce document concerne un autre fournisseur."), code="evidence_supplier_mismatch",
                           field="evidence")


def _record_new_certificate(*, organisation, actor: Actor, certificate: Certificate) -> None:
    """Validate, save and audit a new certificate. Call inside the write's transaction."""
    _validate(certificate)
    _check_certificate_evidence(certificate)
    certificate.save()
    _match_registry_by_certificate(certificate)
    audit.record(organisation=organisation, actor=actor, action="certificate.created", target=certificate,
                 changes={"supplier": certificate.supplier_id, "kind": certificate.kind,
                          "certificate_number": certificate.certificate_number,
                          "activities": certificate.activities, "expires_on": certificate.expires_on})


def certificate_create(*, actor: Actor, **fields) -> Certificate:
    writes.refuse_unknown_fields(fields, CERTIFICATE_FIELDS)
    organisation = require_organisation()
    _check_same_organisation(organisation, supplier=fields.get("supplier"), evidence=fields.get("evidence"))
    with transaction.atomic():
        certificate = Certificate(organisation=organisation)
        writes.assign_changes(certificate, _normalise_certificate_fields(fields))
        _record_new_certificate(organisation=organisation, actor=actor, certificate=certificate)
        _reevaluate(organisation, _processings_of_certificate(certificate))
    return certificate


@contextmanager
def _refusals_named(names: dict[str, str]) -> Iterator[None]:
    """Name the fields of a refusal raised in the block as the caller knows them."""
    try:
        yield
    except ServiceError as exc:
        exc.field = names.get(exc.field, exc.field)
        raise
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError({names.get(name, name): errors for name, errors in exc.error_dict.items()}) from exc


def certificate_create_with_document(*, actor: Actor, document, **fields) -> Certificate:
    """Record a certificate and file ``document``, the certificate itself, as its evidence.

    ``document`` is an uploaded file, checked by content like any evidence; ``fields`` are those
    of :func:`certificate_create` but ``evidence`` and ``source``, which this function decides.
    The document is filed as an HDS or ISO 27001 certificate (after the certificate's kind) of
    the same holder, titled after the number and valid from ``issued_on`` to ``expires_on``.
    Both rows are written and audited in one transaction; if anything fails, neither row nor
    file remains. A refusal of the document names its fields as this function's arguments
    (``document``, ``issued_on``, ``expires_on``).
    """
    writes.refuse_unknown_fields(fields, CERTIFICATE_WITH_DOCUMENT_FIELDS)
    organisation = require_organisation()
    _check_same_organisation(organisation, supplier=fields.get("supplier"))
    certificate = Certificate(organisation=organisation, source=CertificateSource.DOCUMENT)
    writes.assign_changes(certificate, _normalise_certificate_fields(fields))
    # The document's kind follows the certificate's: an unknown kind is refused before any file is stored.
    certificate.clean_fields(exclude=[field.name for field in Certificate._meta.fields if field.name != "kind"])
    number = certificate.certificate_number
    document_fields = {
        "kind": DOCUMENT_KIND_OF_CERTIFICATE[certificate.kind], "title": _("Certificat %s") % number if number else "",
        "supplier": certificate.supplier, "issued_on": certificate.issued_on, "valid_until": certificate.expires_on,
    }
    with _refusals_named(DOCUMENT_ARGUMENTS), _stored_upload(organisation, document) as (detected, stored):
        with transaction.atomic():
            evidence, affected = _record_evidence(organisation=organisation, actor=actor, upload=document,
                                                  detected=detected, stored=stored, fields=document_fields,
                                                  previous=None)
            certificate.evidence = evidence
            _record_new_certificate(organisation=organisation, actor=actor, certificate=certificate)
            _reevaluate(organisation, affected | _processings_of_certificate(certificate))
    return certificate


def certificate_attach_document(*, certificate: Certificate, actor: Actor, document) -> Evidence:
    """File ``document`` as the certificate's copy, whatever its source (one taken from the ANS list
    too): its first document, or a new version that supersedes the current one wherever it is cited."""
    organisation = require_organisation()
    _check_same_organisation(organisation, certificate=certificate)
    if certificate.evidence_id is not None:
        return evidence_supersede(evidence=certificate.evidence, actor=actor, file=document)
    number = certificate.certificate_number
    fields = {"kind": DOCUMENT_KIND_OF_CERTIFICATE[certificate.kind],
              "title": _("Certificat %s") % number if number else "", "supplier": certificate.supplier,
              "issued_on": certificate.issued_on,
              "valid_until": certificate.expires_on}
    # One transaction for both rows, the file discarded if either fails.
    with _refusals_named({"file": "document"}), _stored_upload(organisation, document) as (detected, stored):
        with transaction.atomic():
            evidence, affected = _record_evidence(organisation=organisation, actor=actor, upload=document,
                                                  detected=detected, stored=stored, fields=fields, previous=None)
            certificate_update(certificate=certificate, actor=actor, evidence=evidence)
            _reevaluate(organisation, affected)
    return evidence


def certificate_update(*, certificate: Certificate, actor: Actor, **fields) -> Certificate:
    writes.refuse_unknown_fields(fields, CERTIFICATE_FIELDS)
    organisation = require_organisation()
    _check_same_organisation(organisation, certificate=certificate, supplier=fields.get("supplier"),
                             evidence=fields.get("evidence"))
    with transaction.atomic():
        affected = _processings_of_certificate(certificate)
        changes = writes.assign_changes(certificate, _normalise_certificate_fields(fields))
        if not changes:
            return certificate
        _validate(certificate)
        _check_certificate_evidence(certificate)
        certificate.save()
        if "certificate_number" in changes or "supplier" in changes:
            _match_registry_by_certificate(certificate)
        audit.record(organisation=organisation, actor=actor, action="certificate.updated", target=certificate,
                     changes=changes)
        _reevaluate(organisation, affected | _processings_of_certificate(certificate))
    return certificate


def certificate_delete(*, certificate: Certificate, actor: Actor) -> None:
    organisation = require_organisation()
    _check_same_organisation(organisation, certificate=certificate)
    with transaction.atomic():
        affected = _processings_of_certificate(certificate)
        audit.record(organisation=organisation, actor=actor, action="certificate.deleted", target=certificate,
                     changes={"supplier": certificate.supplier_id,
                              "certificate_number": certificate.certificate_number})
        certificate.delete()
        _reevaluate(organisation, affected)
