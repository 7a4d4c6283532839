"""What the compliance pages share: who acts, which refusals a page reports, and how it reports them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError

from hds_platform.audit import Actor
from hds_platform.errors import ServiceError

REFUSALS = (ServiceError, ValidationError)


def _actor(request) -> Actor:
    return Actor.for_user(request.user)


def _refused(request, exc: ServiceError | ValidationError) -> None:
    text = exc.message if isinstance(exc, ServiceError) else "; ".join(exc.messages)
    messages.error(request, text)
