"""``external_id``: the integrator's own identifier of a row, so that a practice software can find
again what it created (and never create it twice) without keeping Maillon's ids.

At most :data:`EXTERNAL_ID_MAX_LENGTH` characters, unique per organisation and resource, null when
not given. A duplicate answers 400 ``duplicate_external_id``.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

EXTERNAL_ID_MAX_LENGTH = 128
DUPLICATE_EXTERNAL_ID = "duplicate_external_id"


def external_id_field() -> models.CharField:
    return models.CharField(
        _("identifiant externe"), max_length=EXTERNAL_ID_MAX_LENGTH, null=True, blank=True, default=None,
        help_text=_("Your own identifier of this row (at most 128 characters), unique in the organisation for "
                    "this resource; null when not given."),
    )


def unique_external_id(resource: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["organisation", "external_id"], condition=Q(external_id__isnull=False),
        name=f"{resource}_unique_external_id", violation_error_code=DUPLICATE_EXTERNAL_ID,
        violation_error_message=_("Cet identifiant externe est déjà utilisé par une autre ligne de ce type."),
    )
