"""Forms of the monitoring pages: the alerts inbox's filters, notification preferences, webhooks.
They only parse what a person typed; the services of compliance.monitoring decide."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from compliance.models import AlertKind, AlertSeverity, AlertStatus, DigestFrequency
from compliance.monitoring.webhooks import catalogue, events
from hds_platform.forms import MaillonForm


class AlertFilterForm(MaillonForm):
    UNRESOLVED = "unresolved"

    status = forms.ChoiceField(label=_("État"), required=False, initial=UNRESOLVED, choices=[
        (UNRESOLVED, _("Non résolues")), ("", _("Toutes")), *AlertStatus.choices])
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Tous")), *AlertKind.choices])
    severity = forms.ChoiceField(label=_("Gravité"), required=False,
                                 choices=[("", _("Toutes")), *AlertSeverity.choices])


class NotificationPreferenceForm(MaillonForm):
    digest = forms.ChoiceField(label=_("Résumé des nouvelles alertes par e-mail"), required=False,
                               choices=DigestFrequency.choices,
                               help_text=_("Selon le rôle : quotidien pour les propriétaires, administrateurs et "
                                           "éditeurs, hebdomadaire pour les lecteurs et auditeurs."))
    kinds = forms.MultipleChoiceField(label=_("Types d'alertes dans le résumé"), required=False,
                                      choices=AlertKind.choices, widget=forms.CheckboxSelectMultiple,
                                      help_text=_("Aucun coché : tous les types."))
    language = forms.ChoiceField(label=_("Langue des e-mails"), choices=settings.LANGUAGES)


EVENT_LABELS = {
    events.CONFORMITY_CHANGED: _("Statut de conformité d'un traitement modifié"),
    events.CERTIFICATE_EXPIRING: _("Certificat bientôt expiré"),
    events.CERTIFICATE_EXPIRED: _("Certificat expiré"),
    events.REGISTRY_HOST_CHANGED: _("Hébergeur modifié dans la liste ANS"),
    events.EVIDENCE_UPLOADED: _("Pièce justificative déposée"),
    catalogue.EVIDENCE_EXPIRING: _("Pièce justificative bientôt expirée"),
    catalogue.EVIDENCE_EXPIRED: _("Pièce justificative expirée"),
    catalogue.SUPPLIER_CREATED: _("Fournisseur ajouté"),
    catalogue.SUPPLIER_UPDATED: _("Fournisseur modifié (dont sa correspondance dans la liste ANS)"),
    catalogue.SUPPLIER_DELETED: _("Fournisseur supprimé"),
    catalogue.ALERT_RAISED: _("Alerte levée"),
    catalogue.ALERT_RESOLVED: _("Alerte résolue"),
    catalogue.EVIDENCE_REQUEST_ANSWERED: _("Demande de pièces satisfaite"),
    catalogue.PROVIDER_CERTIFICATE_CHANGED: _("Certificat d'un prestataire lié modifié"),
}


class WebhookEndpointForm(MaillonForm):
    url = forms.URLField(label=_("Adresse (HTTPS)"), max_length=500, assume_scheme="https",
                         widget=forms.URLInput(attrs={"placeholder": "https://"}))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(label=_("Événements"),
                                       choices=[(event, EVENT_LABELS[event]) for event in events.EVENTS],
                                       widget=forms.CheckboxSelectMultiple)
