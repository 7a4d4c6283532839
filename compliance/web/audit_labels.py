"""How the audit log words compliance's events and links their objects (see hds_platform.audit_display)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hds_platform.audit_display import register_actions, register_target

ACTIONS = {
    "alert.acknowledged": _("Alerte prise en compte"),
    "alert.resolved": _("Alerte résolue"),
    "certificate.created": _("Certificat ajouté"),
    "certificate.deleted": _("Certificat supprimé"),
    "certificate.registry_refreshed": _("Certificat mis à jour depuis la liste ANS"),
    "certificate.updated": _("Certificat modifié"),
    "chain_link.created": _("Maillon ajouté"),
    "chain_link.deleted": _("Maillon retiré"),
    "chain_link.updated": _("Maillon modifié"),
    "client_invitation.created": _("Client invité"),
    "client_invitation.revoked": _("Invitation d'un client révoquée"),
    "client_link.created": _("Client relié"),
    "client_link.ended": _("Lien avec un client terminé"),
    "evidence.deleted": _("Pièce supprimée"),
    "evidence.updated": _("Pièce modifiée"),
    "evidence.uploaded": _("Pièce déposée"),
    "evidence_request.accepted": _("Pièce demandée acceptée"),
    "evidence_request.cancelled": _("Demande de pièces annulée"),
    "evidence_request.created": _("Pièces demandées à un fournisseur"),
    "evidence_request.expired": _("Lien de dépôt expiré"),
    "evidence_request.overdue": _("Demande de pièces en retard"),
    "evidence_request.rejected": _("Pièce demandée refusée"),
    "evidence_request.reminded": _("Relance de demande de pièces envoyée"),
    "evidence_request.submitted": _("Pièce demandée déposée"),
    "incoming_evidence_request.answered": _("Demande reçue : pièce envoyée"),
    "incoming_evidence_request.received": _("Demande de pièces reçue d'un client"),
    "notification_preference.updated": _("Préférences de notification modifiées"),
    "offer.applied": _("Offre appliquée à un traitement"),
    "offer.created": _("Offre créée"),
    "offer.deleted": _("Offre supprimée"),
    "offer.updated": _("Offre modifiée"),
    "processing.created": _("Traitement créé"),
    "processing.deleted": _("Traitement supprimé"),
    "processing.updated": _("Traitement modifié"),
    "provider_link.created": _("Prestataire relié"),
    "provider_link.share_status_changed": _("Partage du statut avec le prestataire modifié"),
    "provider_profile.updated": _("Profil de prestataire modifié"),
    "report.requested": _("Rapport demandé"),
    "supplier.created": _("Fournisseur créé"),
    "supplier.deleted": _("Fournisseur supprimé"),
    "supplier.imported": _("Fournisseurs importés"),
    "supplier.registry_match_confirmed": _("Correspondance ANS confirmée"),
    "supplier.registry_match_rejected": _("Correspondance ANS rejetée"),
    "supplier.updated": _("Fournisseur modifié"),
    "webhook.created": _("Webhook créé"),
    "webhook.deleted": _("Webhook supprimé"),
    "webhook.disabled": _("Webhook désactivé"),
    "webhook.reassigned": _("Webhook réattribué"),
    "webhook.redelivered": _("Livraison de webhook relancée"),
    "webhook.secret_rotated": _("Secret du webhook renouvelé"),
    "webhook.test_sent": _("Webhook testé"),
    "webhook.updated": _("Webhook modifié"),
}


def _link_name(link) -> str:
    actor = link.supplier.name if link.supplier_id else _("votre organisation")
    return f"{actor} → {link.processing.name}"


def register() -> None:
    register_actions(ACTIONS)
    register_target("compliance.supplier", _("Fournisseur"), lambda obj, org: reverse(
        "compliance:supplier-detail", kwargs={"org": org, "pk": obj.pk}))
    register_target("compliance.processing", _("Traitement"), lambda obj, org: reverse(
        "compliance:processing-detail", kwargs={"org": org, "pk": obj.pk}))
    register_target("compliance.chainlink", _("Maillon"), lambda obj, org: reverse(
        "compliance:chain-link-edit", kwargs={"org": org, "pk": obj.processing_id, "link_pk": obj.pk}),
        name=_link_name, related=("supplier", "processing"))
    register_target("compliance.certificate", _("Certificat"), lambda obj, org: reverse(
        "compliance:supplier-detail", kwargs={"org": org, "pk": obj.supplier_id}) if obj.supplier_id else reverse(
        "compliance:certificate-list", kwargs={"org": org}))
    register_target("compliance.evidence", _("Pièce"), lambda obj, org: reverse(
        "compliance:evidence-download", kwargs={"org": org, "pk": obj.pk}))
    register_target("compliance.evidencerequest", _("Demande de pièces"), lambda obj, org: reverse(
        "compliance:evidence-request-detail", kwargs={"org": org, "pk": obj.pk}),
        name=lambda obj: obj.supplier.name, related=("supplier",))
    register_target("compliance.offer", _("Offre"), lambda obj, org: reverse(
        "compliance:offer-detail", kwargs={"org": org, "pk": obj.pk}))
    register_target("compliance.clientlink", _("Lien client"), lambda obj, org: reverse(
        "compliance:client-list", kwargs={"org": org}),
        name=lambda obj: obj.client_organisation.name, related=("client_organisation",))
