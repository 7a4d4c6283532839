"""Words only the pages show: activities and the states of the chain diagram's links.

The labels of the stored vocabulary (statuses, severities...) are the models' choices
(:mod:`compliance.models.choices`).
"""

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

STATE_LABELS = {
    LinkState.OK: _("Couvert"),
    LinkState.WARNING: _("À vérifier"),
    LinkState.ERROR: _("Non couvert"),
    LinkState.PENDING: _("En attente d'évaluation"),
}
