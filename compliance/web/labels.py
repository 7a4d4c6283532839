"""Words the pages show: the activities (in the engine's words) and the states of the chain diagram's links.

The labels of the stored vocabulary (statuses, severities...) are the models' choices
(:mod:`compliance.models.choices`).
"""

from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from compliance.conformity.findings import ACTIVITY_LABELS_EN, ACTIVITY_LABELS_FR
from compliance.conformity.inputs import ALL_ACTIVITIES
from compliance.web.diagram import LinkState


def _activity_label(number: int) -> str:
    """The engine's wording of the activity (CSP art. R.1111-9), in the active language."""
    english = (get_language() or "fr").startswith("en")
    return capfirst((ACTIVITY_LABELS_EN if english else ACTIVITY_LABELS_FR)[number])


# One source for the activities' words: the engine's, which its findings quote too.
ACTIVITY_LABELS = {number: lazy(_activity_label, str)(number) for number in sorted(ALL_ACTIVITIES)}

STATE_LABELS = {
    LinkState.OK: _("Couvert"),
    LinkState.WARNING: _("À vérifier"),
    LinkState.ERROR: _("Non couvert"),
    LinkState.PENDING: _("En attente d'évaluation"),
}
