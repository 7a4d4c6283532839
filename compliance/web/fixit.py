"""What resolves each finding: the page (prefilled where it can be) a person opens to fix it.

Every code of the engine's catalogue has an entry here, an action or ``None`` said explicitly
(for a finding that only informs); tests/compliance/web/test_fixit.py fails on a code without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from compliance.models import EvidenceKind


class Fix(StrEnum):
    UPLOAD = "upload"  # file a piece of evidence, its kind and holder prefilled
    ADD_CERTIFICATE = "add_certificate"  # record a certificate for the holder
    CERTIFICATES = "certificates"  # the holder's certificates, to complete or replace one
    CONFIRM_MATCH = "confirm_match"  # the supplier's match in the ANS list
    SUPPLIER = "supplier"  # the supplier's record (laws it is subject to, DPF)
    LINK = "link"  # the link's editor
    CHAIN = "chain"  # the chain editor
    REGISTER = "register"  # a field of the processing's register entry (the parameter names it)
    CONTRACT = "contract"  # the hosting contracts on file, to check their clauses


@dataclass(frozen=True)
class Action:
    fix: Fix
    parameter: str = ""


def _upload(kind: str) -> Action:
    return Action(Fix.UPLOAD, kind)


def _register(field: str) -> Action:
    return Action(Fix.REGISTER, field)


_INFORMS = None
_CERTIFICATES = Action(Fix.CERTIFICATES)
_LINK = Action(Fix.LINK)
_CHAIN = Action(Fix.CHAIN)
_SUPPLIER = Action(Fix.SUPPLIER)
_MATCH = Action(Fix.CONFIRM_MATCH)
_CONTRACT = Action(Fix.CONTRACT)

ACTIONS: dict[str, Action | None] = {
    "scope.anonymised": _INFORMS,
    "scope.not_health_data": _INFORMS,
    "scope.self_hosted_own_patients": _INFORMS,
    "scope.self_hosting_security": _INFORMS,
    "scope.self_hosting_register": _INFORMS,
    "scope.self_hosting_patient_rights": _INFORMS,
    "scope.self_hosting_privacy_notice": _INFORMS,
    "scope.self_hosting_backups": _INFORMS,
    "scope.pseudonymised_in_scope": _INFORMS,
    "scope.anonymised_contradiction": _register("identifiability"),
    "scope.hosting_mode_unknown": _register("hosting_mode"),
    "scope.chain_empty": _CHAIN,
    "scope.outsourced_without_supplier": _CHAIN,
    "coverage.activity_not_covered": Action(Fix.ADD_CERTIFICATE),
    "coverage.exemption_unproven": _upload(EvidenceKind.EXEMPTION_PROOF),
    "coverage.exempt_under_parent": _INFORMS,
    "coverage.exempt_archiving_approved": _INFORMS,
    "coverage.exempt_short_term_processing": _INFORMS,
    "coverage.exemption_archiving_unproven": _upload(EvidenceKind.EXEMPTION_PROOF),
    "coverage.exemption_short_term_unproven": _upload(EvidenceKind.EXEMPTION_PROOF),
    "coverage.link_activities_missing": _LINK,
    "coverage.certificate_ambiguous": _LINK,
    "self.activity_not_covered": Action(Fix.ADD_CERTIFICATE),
    "backup.activity_6_missing": _LINK,
    "backup.none_recorded": _CHAIN,
    "validity.certificate_expired": Action(Fix.ADD_CERTIFICATE),
    "validity.certificate_not_yet_valid": _CERTIFICATES,
    "validity.certificate_suspended": Action(Fix.ADD_CERTIFICATE),
    "validity.certificate_withdrawn": Action(Fix.ADD_CERTIFICATE),
    "validity.certificate_v1_obsolete": Action(Fix.ADD_CERTIFICATE),
    "validity.certifier_missing": _CERTIFICATES,
    "validity.referential_version_missing": _CERTIFICATES,
    "validity.certificate_period_too_long": _CERTIFICATES,
    "validity.suspended_beside_valid": _CERTIFICATES,
    "validity.withdrawn_beside_valid": _CERTIFICATES,
    "registry.not_found": _MATCH,
    "registry.match_suggested": _MATCH,
    "registry.host_absent": _MATCH,
    "registry.host_removed": _MATCH,
    "registry.activities_narrower": _MATCH,
    "registry.expired_in_list": _MATCH,
    "registry.end_date_earlier_in_list": _MATCH,
    "sovereignty.storage_location_unknown": _LINK,
    "sovereignty.storage_outside_eea": _LINK,
    "sovereignty.remote_access_without_basis": _LINK,
    "sovereignty.remote_access_no_adequacy": _LINK,
    "sovereignty.remote_access_adequacy": _INFORMS,
    "sovereignty.remote_access_dpf_check": _SUPPLIER,
    "sovereignty.non_eu_law_unnamed": _SUPPLIER,
    "sovereignty.non_eu_law_unmitigated": _SUPPLIER,
    "evidence.hosting_contract_missing": _upload(EvidenceKind.HOSTING_CONTRACT),
    "evidence.dpa_missing": _upload(EvidenceKind.DPA),
    "evidence.certificate_document_missing": _CERTIFICATES,
    "evidence.certificate_expiring": Action(Fix.ADD_CERTIFICATE),
    "evidence.own_hosting_contract_missing": _upload(EvidenceKind.HOSTING_CONTRACT),
    "evidence.contract_clauses_unchecked": _CONTRACT,
    "evidence.contract_clauses_missing": _CONTRACT,
    "evidence.contract_locations_unrecorded": _CONTRACT,
    "evidence.contract_location_mismatch": _LINK,
    "completeness.operation_missing": _CHAIN,
    "completeness.site_and_hardware_missing": _CHAIN,
    "completeness.storage_missing": _CHAIN,
    "register.purposes_missing": _register("purposes"),
    "register.data_subject_categories_missing": _register("data_subject_categories"),
    "register.data_categories_missing": _register("data_categories"),
    "register.recipients_missing": _register("recipients"),
    "register.retention_missing": _register("retention"),
    "register.security_measures_missing": _register("security_measures"),
    "register.contact_missing": _register("controller_contact"),
    "register.controllers_served_missing": _register("controllers_served"),
    "register.legal_basis_missing": _register("legal_basis"),
    "register.art9_condition_missing": _register("art9_condition"),
    "register.transfer_safeguard_missing": _register("transfers"),
    "register.transfer_not_listed": _register("transfers"),
    "register.dpia_missing": _register("dpia_done"),
    "register.dpia_unknown": _register("dpia_required"),
    "register.dpia_required_care": _register("dpia_done"),
}


@dataclass(frozen=True)
class FixLink:
    label: str
    url: str


def _holder(finding: dict) -> int | None:
    """The supplier the finding is about, or None for the organisation itself (or nobody)."""
    supplier = finding.get("supplier")
    return supplier if isinstance(supplier, int) else None


def _url(name: str, org: str, query: dict | None = None, anchor: str = "", **kwargs) -> str:
    url = reverse(f"compliance:{name}", kwargs={"org": org, **kwargs})
    query = {key: value for key, value in (query or {}).items() if value not in (None, "")}
    return url + (f"?{urlencode(query)}" if query else "") + (f"#{anchor}" if anchor else "")


def fix_link(finding: dict, *, org: str, processing_id: int, holder_name: str) -> FixLink | None:
    """The action that resolves ``finding`` on the processing ``processing_id``, worded for its holder
    (``holder_name``: the supplier's name or the organisation's), or None when there is nothing to do
    or not enough known to point at it."""
    action = ACTIONS.get(finding.get("code", ""))
    if action is None:
        return None
    supplier, link = _holder(finding), finding.get("link")
    match action.fix:
        case Fix.UPLOAD:
            kind = EvidenceKind(action.parameter)
            label = {
                EvidenceKind.HOSTING_CONTRACT: _("Déposer le contrat d'hébergement de %s"),
                EvidenceKind.DPA: _("Déposer l'accord de sous-traitance de %s"),
            }.get(kind, _("Déposer la preuve d'exemption de %s")) % holder_name
            return FixLink(label, _url("evidence-list", org, {"fournisseur": supplier, "type": kind.value,
                                                              "traitement": processing_id}, "upload-title"))
        case Fix.ADD_CERTIFICATE:
            return FixLink(_("Ajouter le certificat HDS de %s") % holder_name,
                           _url("certificate-create", org, {"fournisseur": supplier}))
        case Fix.CERTIFICATES:
            if supplier is None:
                return FixLink(_("Voir les certificats"), _url("certificate-list", org))
            return FixLink(_("Voir les certificats de %s") % holder_name,
                           _url("supplier-detail", org, anchor="certs-title", pk=supplier))
        case Fix.CONFIRM_MATCH | Fix.SUPPLIER if supplier is None:
            return None
        case Fix.CONFIRM_MATCH:
            return FixLink(_("Vérifier la correspondance ANS de %s") % holder_name,
                           _url("supplier-detail", org, anchor="registry-match", pk=supplier))
        case Fix.SUPPLIER:
            return FixLink(_("Compléter la fiche de %s") % holder_name, _url("supplier-edit", org, pk=supplier))
        case Fix.LINK if link is not None:
            return FixLink(_("Modifier le maillon de %s") % holder_name,
                           _url("chain-link-edit", org, pk=processing_id, link_pk=link))
        case Fix.LINK | Fix.CHAIN:
            return FixLink(_("Compléter la chaîne"), _url("chain-editor", org, pk=processing_id))
        case Fix.REGISTER:
            return FixLink(_("Compléter la fiche du traitement"),
                           _url("processing-edit", org, anchor=f"id_{action.parameter}", pk=processing_id))
        case Fix.CONTRACT:
            return FixLink(_("Vérifier les clauses du contrat de %s") % holder_name,
                           _url("evidence-list", org, {"fournisseur": supplier,
                                                       "type": EvidenceKind.HOSTING_CONTRACT.value}))
    return None
