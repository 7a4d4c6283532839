"""Words the pages show for the engine's codes (the engine itself stays free of Django)."""

from django.utils.translation import gettext_lazy as _

from compliance.web.diagram import LinkState

ACTIVITY_LABELS = {
    1: _("Hébergement des sites physiques"),
    2: _("Infrastructure matérielle"),
    3: _("Infrastructure virtuelle"),
    4: _("Plateforme d'hébergement d'applications"),
    5: _("Administration et exploitation du système d'information"),
    6: _("Sauvegarde des données de santé"),
}

# "" is a processing that has not been evaluated yet.
STATUS_LABELS = {
    "compliant": _("Conforme"),
    "non_compliant": _("Non conforme"),
    "incomplete": _("Incomplet"),
    "not_applicable": _("Non concerné"),
    "": _("Non évalué"),
}

SEVERITY_LABELS = {
    "error": _("Bloquant"),
    "warning": _("À vérifier"),
    "info": _("Information"),
}

STATE_LABELS = {
    LinkState.OK: _("Couvert"),
    LinkState.WARNING: _("À vérifier"),
    LinkState.ERROR: _("Non couvert"),
    LinkState.PENDING: _("En attente d'évaluation"),
}
