"""Writes of the processing register and of each processing's hosting chain, link by link."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from compliance.models import Certificate, CertificateKind, ChainLink, Evidence, ExemptionReason, Processing
from compliance.services._shared import _check_same_organisation, _discard_files_on_commit, _reevaluate, _validate
from hds_platform import audit, writes
from hds_platform.audit import Actor
from hds_platform.errors import Conflict, ServiceError
from hds_platform.tenancy import require_organisation

PROCESSING_FIELDS = frozenset({
    "name", "purposes", "legal_basis", "art9_condition", "data_subject_categories", "data_categories",
    "recipients", "transfers", "retention", "security_measures", "controller_contact", "dpo_contact",
    "dpia_required", "dpia_done", "role", "controllers_served", "health_data", "identifiability", "hosting_mode",
    "hosts_for_patients", "exemption_reason", "exemption_evidence", "external_id",
})
CHAIN_LINK_FIELDS = frozenset({
    "supplier", "parent", "activities", "stores_health_data", "storage_countries", "remote_access",
    "exempt_under_parent", "exemption_reason", "exemption_evidence", "is_backup", "certificates", "external_id",
})
PARENT_AUDIT = ExemptionReason.COVERED_BY_PARENT_AUDIT.value


def _without_stale_exemption_evidence(fields: dict) -> dict:
    """Dropping the exemption drops its evidence, unless the write names some."""
    if "exemption_reason" in fields and not fields["exemption_reason"] and "exemption_evidence" not in fields:
        fields["exemption_evidence"] = None
    return fields


# Processings ---------------------------------------------------------------------------------


def processing_create(*, actor: Actor, **fields) -> Processing:
    writes.refuse_unknown_fields(fields, PROCESSING_FIELDS)
    organisation = require_organisation()
    _check_same_organisation(organisation, exemption_evidence=fields.get("exemption_evidence"))
    with transaction.atomic():
        processing = Processing(organisation=organisation)
        writes.assign_changes(processing, _without_stale_exemption_evidence(dict(fields)))
        _validate(processing)
        processing.save()
        audit.record(organisation=organisation, actor=actor, action="processing.created", target=processing,
                     changes={"name": processing.name, "health_data": processing.health_data,
                              "hosting_mode": processing.hosting_mode, "role": processing.role})
        _reevaluate(organisation, [processing.pk])
    return processing


def processing_update(*, processing: Processing, actor: Actor, **fields) -> Processing:
    writes.refuse_unknown_fields(fields, PROCESSING_FIELDS)
    organisation = require_organisation()
    _check_same_organisation(organisation, processing=processing, exemption_evidence=fields.get("exemption_evidence"))
    with transaction.atomic():
        changes = writes.assign_changes(processing, _without_stale_exemption_evidence(dict(fields)))
        if not changes:
            return processing
        _validate(processing)
        processing.save()
        audit.record(organisation=organisation, actor=actor, action="processing.updated", target=processing,
                     changes=changes)
        _reevaluate(organisation, [processing.pk])
    return processing


def processing_delete(*, processing: Processing, actor: Actor) -> None:
    organisation = require_organisation()
    _check_same_organisation(organisation, processing=processing)
    with transaction.atomic():
        files = list(Evidence.objects.filter(processing=processing).values_list("file", flat=True))
        audit.record(organisation=organisation, actor=actor, action="processing.deleted", target=processing,
                     changes={"name": processing.name, "evidence_deleted": len(files)})
        processing.delete()
        _discard_files_on_commit(files)


# Chain links ---------------------------------------------------------------------------------


def _check_link_structure(link: ChainLink) -> None:
    parent = link.parent
    if parent is None:
        return
    if parent.processing_id != link.processing_id:
        raise ServiceError(_("Le maillon parent appartient à un autre traitement."), code="parent_other_processing",
                           field="parent")
    if link.pk is None:
        return
    # Walking up from the new parent must never come back to this link.
    ancestors = dict(ChainLink.objects.filter(processing_id=link.processing_id).values_list("id", "parent_id"))
    current, seen = parent.pk, set()
    while current is not None and current not in seen:
        if current == link.pk:
            raise ServiceError(_("Ce parent créerait un cycle dans la chaîne."), code="chain_cycle", field="parent")
        seen.add(current)
        current = ancestors.get(current)


def _exemption_fields(fields: dict, current_reason: str) -> dict:
    """``exempt_under_parent`` (the API's older field) and ``exemption_reason`` are one fact: either
    sets the other, and both given must agree. Unticking ``exempt_under_parent`` drops only the
    parent's-audit reason, never another exemption."""
    flag, reason = fields.get("exempt_under_parent"), fields.get("exemption_reason")
    if "exemption_reason" in fields:
        reason = reason or ""
        if flag is not None and flag != (reason == PARENT_AUDIT):
            raise ServiceError(_("« Exempté sous le parent » et le motif d'exemption se contredisent."),
                               code="exemption_conflict", field="exemption_reason")
        fields["exemption_reason"] = reason
        fields["exempt_under_parent"] = reason == PARENT_AUDIT
    elif flag is True:
        fields["exemption_reason"] = PARENT_AUDIT
    elif flag is False and current_reason == PARENT_AUDIT:
        fields["exemption_reason"] = ""
    return _without_stale_exemption_evidence(fields)


def _normalise_link_fields(fields: dict, current_reason: str = "") -> dict:
    fields = _exemption_fields(dict(fields), current_reason)
    if "storage_countries" in fields:
        fields["storage_countries"] = [str(code).strip().upper() for code in fields["storage_countries"] or []]
    if "remote_access" in fields:
        fields["remote_access"] = [
            {"country": str(item.get("country", "")).strip().upper(), "basis": item.get("basis", "") or ""}
            if isinstance(item, dict) else item
            for item in fields["remote_access"] or []
        ]
    return fields


def _check_relied_on_certificates(organisation, link: ChainLink, certificates: list[Certificate]) -> None:
    """The certificates a link names are HDS certificates of the link's own actor."""
    for certificate in certificates:
        _check_same_organisation(organisation, certificates=certificate)
        if certificate.supplier_id != link.supplier_id:
            raise ServiceError(_("Le certificat %(number)s n'est pas un certificat de l'acteur de ce maillon.")
                               % {"number": certificate.certificate_number or certificate.pk},
                               code="certificate_other_actor", field="certificates")
        if certificate.kind != CertificateKind.HDS:
            raise ServiceError(_("Un maillon ne peut s'appuyer que sur des certificats HDS."),
                               code="certificate_not_hds", field="certificates")


def _relied_on_changes(link: ChainLink, certificates: list[Certificate] | None,
                       supplier_changed: bool) -> tuple[list[Certificate] | None, dict]:
    """The certificates to store on the link (None: leave them) and the audit change they make.

    When the link's actor changes and no certificates are given, those named before belong to the
    former actor: they are dropped."""
    before = sorted(link.certificates.values_list("id", flat=True))
    if certificates is None:
        if not (supplier_changed and before):
            return None, {}
        certificates = []
    after = sorted({certificate.pk for certificate in certificates})
    if after == before:
        return None, {}
    return certificates, {"certificates": [before, after]}


def _store_relied_on(link: ChainLink, certificates: list[Certificate] | None) -> None:
    if certificates is not None:
        link.certificates.set(certificates, through_defaults={"organisation": link.organisation})


def chain_link_create(*, actor: Actor, processing: Processing, **fields) -> ChainLink:
    writes.refuse_unknown_fields(fields, CHAIN_LINK_FIELDS)
    organisation = require_organisation()
    certificates = fields.pop("certificates", None)
    _check_same_organisation(organisation, processing=processing, supplier=fields.get("supplier"),
                             parent=fields.get("parent"), exemption_evidence=fields.get("exemption_evidence"))
    with transaction.atomic():
        link = ChainLink(organisation=organisation, processing=processing)
        writes.assign_changes(link, _normalise_link_fields(fields))
        _validate(link)
        _check_link_structure(link)
        _check_relied_on_certificates(organisation, link, certificates or [])
        link.save()
        _store_relied_on(link, certificates or None)
        audit.record(organisation=organisation, actor=actor, action="chain_link.created", target=link,
                     changes={"processing": processing.pk, "supplier": link.supplier_id, "parent": link.parent_id,
                              "activities": link.activities,
                              "certificates": sorted({certificate.pk for certificate in certificates or []})})
        _reevaluate(organisation, [processing.pk])
    return link


def chain_link_update(*, link: ChainLink, actor: Actor, **fields) -> ChainLink:
    writes.refuse_unknown_fields(fields, CHAIN_LINK_FIELDS)
    organisation = require_organisation()
    certificates = fields.pop("certificates", None)
    _check_same_organisation(organisation, link=link, supplier=fields.get("supplier"), parent=fields.get("parent"),
                             exemption_evidence=fields.get("exemption_evidence"))
    with transaction.atomic():
        changes = writes.assign_changes(link, _normalise_link_fields(fields, link.exemption_reason))
        certificates, relied_on = _relied_on_changes(link, certificates, supplier_changed="supplier" in changes)
        changes.update(relied_on)
        if not changes:
            return link
        _validate(link)
        _check_link_structure(link)
        _check_relied_on_certificates(organisation, link, certificates or [])
        link.save()
        _store_relied_on(link, certificates)
        audit.record(organisation=organisation, actor=actor, action="chain_link.updated", target=link,
                     changes=changes)
        _reevaluate(organisation, [link.processing_id])
    return link


def chain_link_delete(*, link: ChainLink, actor: Actor) -> None:
    organisation = require_organisation()
    _check_same_organisation(organisation, link=link)
    with transaction.atomic():
        if ChainLink.objects.filter(parent=link).exists():
            raise Conflict(_("Ce maillon a des sous-traitants : supprimez-les ou rattachez-les ailleurs d'abord."),
                           code="link_has_children")
        audit.record(organisation=organisation, actor=actor, action="chain_link.deleted", target=link,
                     changes={"processing": link.processing_id, "supplier": link.supplier_id})
        link.delete()
        _reevaluate(organisation, [link.processing_id])
