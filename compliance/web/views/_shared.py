"""What the compliance pages share: who acts, which refusals a page reports, and how it reports them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404

from hds_platform.audit import Actor
from hds_platform.errors import ServiceError
from hds_platform.params import parse_id
from registry.models import CertifiedHost

REFUSALS = (ServiceError, ValidationError)


def _actor(request) -> Actor:
    return Actor.for_user(request.user)


def _refused(request, exc: ServiceError | ValidationError) -> None:
    text = exc.message if isinstance(exc, ServiceError) else "; ".join(exc.messages)
    messages.error(request, text)


def registry_host_or_404(value: str) -> CertifiedHost:
    host_id = parse_id(value)
    host = CertifiedHost.objects.filter(pk=host_id).first() if host_id is not None else None
    if host is None:
        raise Http404
    return host
