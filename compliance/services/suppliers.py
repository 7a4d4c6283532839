"""Writes of suppliers, and the confirmation or rejection of their host in the ANS list."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from compliance import registry_link, signals
from compliance.models import ChainLink, Evidence, EvidenceRequest, RegistryMatchMethod, RegistryMatchStatus, Supplier
from compliance.services._shared import (
    _check_same_organisation,
    _discard_files_on_commit,
    _reevaluate,
    _validate,
    processings_using_suppliers,
)
from hds_platform import audit, writes
from hds_platform.audit import Actor
from hds_platform.errors import Conflict
from hds_platform.tenancy import require_organisation

SUPPLIER_FIELDS = frozenset({
    "name", "siren", "siret", "vat_number", "country", "subject_to_non_eu_law", "non_eu_laws",
    "non_eu_law_mitigations", "transparency_url", "dpf_certified", "contact_email", "external_id",
})


def _compact(value: str) -> str:
    return "".join((value or "").split())


def _normalise_supplier_fields(fields: dict) -> dict:
    fields = dict(fields)
    for key in ("siren", "siret"):
        if key in fields:
            fields[key] = _compact(fields[key])
    if "vat_number" in fields:
        fields["vat_number"] = _compact(fields["vat_number"]).upper()
    if "country" in fields:
        fields["country"] = (fields["country"] or "").strip().upper()
    if "name" in fields:
        fields["name"] = " ".join((fields["name"] or "").split())
    if "contact_email" in fields:
        fields["contact_email"] = (fields["contact_email"] or "").strip().lower()
    return fields


def supplier_create(*, actor: Actor, **fields) -> Supplier:
    writes.refuse_unknown_fields(fields, SUPPLIER_FIELDS)
    organisation = require_organisation()
    with transaction.atomic():
        supplier = Supplier(organisation=organisation)
        writes.assign_changes(supplier, _normalise_supplier_fields(fields))
        _validate(supplier)
        supplier.save()
        _match_registry(supplier)
        audit.record(organisation=organisation, actor=actor, action="supplier.created", target=supplier,
                     changes={"name": supplier.name, "siren": supplier.siren, "country": supplier.country,
                              "registry_match": supplier.registry_match_status})
        signals.supplier_changed.send(Supplier, supplier=supplier, change=signals.CREATED)
    return supplier


def supplier_update(*, supplier: Supplier, actor: Actor, **fields) -> Supplier:
    writes.refuse_unknown_fields(fields, SUPPLIER_FIELDS)
    organisation = require_organisation()
    _check_same_organisation(organisation, supplier=supplier)
    with transaction.atomic():
        changes = writes.assign_changes(supplier, _normalise_supplier_fields(fields))
        if not changes:
            return supplier
        _validate(supplier)
        supplier.save()
        if {"name", "siren"} & set(changes) and supplier.registry_match_status != RegistryMatchStatus.CONFIRMED:
            before = [supplier.registry_match_status, supplier.registry_host_id]
            _match_registry(supplier)
            after = [supplier.registry_match_status, supplier.registry_host_id]
            if after != before:
                changes["registry_match"] = [before, after]
        audit.record(organisation=organisation, actor=actor, action="supplier.updated", target=supplier,
                     changes=changes)
        signals.supplier_changed.send(Supplier, supplier=supplier, change=signals.UPDATED)
        _reevaluate(organisation, processings_using_suppliers([supplier.pk]))
    return supplier


def supplier_delete(*, supplier: Supplier, actor: Actor) -> None:
    organisation = require_organisation()
    _check_same_organisation(organisation, supplier=supplier)
    with transaction.atomic():
        if ChainLink.objects.filter(supplier=supplier).exists():
            raise Conflict(_("Ce fournisseur figure dans une chaîne d'hébergement : retirez-le d'abord des chaînes."),
                           code="supplier_in_use")
        files = list(Evidence.objects.filter(supplier=supplier).values_list("file", flat=True))
        files += EvidenceRequest.objects.filter(supplier=supplier).exclude(submitted_file="").values_list(
            "submitted_file", flat=True)
        audit.record(organisation=organisation, actor=actor, action="supplier.deleted", target=supplier,
                     changes={"name": supplier.name, "evidence_deleted": len(files)})
        signals.supplier_changed.send(Supplier, supplier=supplier, change=signals.DELETED)
        supplier.delete()
        _discard_files_on_commit(files)


# Registry match ------------------------------------------------------------------------------


def _match_registry(supplier: Supplier) -> None:
    """Look the supplier up in the ANS list (not yet confirmed suppliers only)."""
    registry_link.apply_best_candidate(supplier)


def supplier_registry_match_confirm(*, supplier: Supplier, actor: Actor, host=None) -> Supplier:
    """Confirm the suggested host, or ``host`` chosen by a member; copy its published certificates."""
    organisation = require_organisation()
    _check_same_organisation(organisation, supplier=supplier)
    with transaction.atomic():
        if host is None:
            if supplier.registry_match_status != RegistryMatchStatus.SUGGESTED or supplier.registry_host_id is None:
                raise Conflict(_("Aucun hébergeur n'est suggéré pour ce fournisseur : choisissez-en un."),
                               code="no_suggestion")
            host = supplier.registry_host
        method = supplier.registry_match_method if host.pk == supplier.registry_host_id else RegistryMatchMethod.MANUAL
        score = supplier.registry_match_score if host.pk == supplier.registry_host_id else None
        before = [supplier.registry_match_status, supplier.registry_host_id]
        supplier.registry_match_status = RegistryMatchStatus.CONFIRMED
        supplier.registry_host = host
        supplier.registry_match_method = method
        supplier.registry_match_score = score
        supplier.registry_rejected_hosts = [pk for pk in supplier.registry_rejected_hosts if pk != host.pk]
        _validate(supplier)
        supplier.save()
        copied = registry_link.refresh_registry_certificates([supplier])
        audit.record(organisation=organisation, actor=actor, action="supplier.registry_match_confirmed",
                     target=supplier, changes={"registry_match": [before, [supplier.registry_match_status, host.pk]],
                                               "host": host.name, "certificates": copied})
        signals.supplier_changed.send(Supplier, supplier=supplier, change=signals.UPDATED)
        _reevaluate(organisation, processings_using_suppliers([supplier.pk]))
    return supplier


def supplier_create_from_registry(*, actor: Actor, host) -> Supplier:
    """The supplier for ``host`` of the ANS list, its match already confirmed (a member picked the
    host itself); the organisation's existing supplier when one is already matched to it."""
    require_organisation()
    existing = Supplier.objects.filter(registry_host=host, registry_match_status=RegistryMatchStatus.CONFIRMED).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        supplier = supplier_create(actor=actor, name=host.name)
        return supplier_registry_match_confirm(supplier=supplier, actor=actor, host=host)


def supplier_registry_match_reject(*, supplier: Supplier, actor: Actor) -> Supplier:
    """Reject the suggested (or confirmed) host; it will not be suggested again for this supplier."""
    organisation = require_organisation()
    _check_same_organisation(organisation, supplier=supplier)
    with transaction.atomic():
        if supplier.registry_host_id is None:
            raise Conflict(_("Aucun hébergeur n'est associé à ce fournisseur."), code="no_registry_match")
        rejected = supplier.registry_host_id
        before = supplier.registry_match_status
        supplier.registry_rejected_hosts = sorted({*supplier.registry_rejected_hosts, rejected})
        supplier.registry_match_status = RegistryMatchStatus.REJECTED
        supplier.registry_host = None
        supplier.registry_match_score = None
        supplier.registry_match_method = RegistryMatchMethod.NONE
        _validate(supplier)
        supplier.save()
        removed = registry_link.refresh_registry_certificates([supplier])
        audit.record(organisation=organisation, actor=actor, action="supplier.registry_match_rejected",
                     target=supplier, changes={"registry_match": [before, supplier.registry_match_status],
                                               "host": rejected, "certificates": removed})
        signals.supplier_changed.send(Supplier, supplier=supplier, change=signals.UPDATED)
        _reevaluate(organisation, processings_using_suppliers([supplier.pk]))
    return supplier
