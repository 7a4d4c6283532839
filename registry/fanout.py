"""After an import: which organisations to re-check, and re-checking one of them.

The registry knows hosts, not organisations; the organisation side (suppliers matched to hosts)
plugs in through two settings holding dotted paths, so that this app never imports it:

- ``REGISTRY_AFFECTED_ORGANISATIONS``: ``f(host_ids: list[int]) -> Iterable[int]``, the ids of
  the organisations with a supplier matched (confirmed or suggested) to one of these hosts;
- ``REGISTRY_RECHECK_ORGANISATION``: ``f(organisation_id: int, host_ids: list[int]) -> None``,
  re-evaluates that organisation (it sets the organisation context itself).

Unset, nobody is re-checked. ``registry.tasks.after_import`` calls the first and enqueues one
``registry.tasks.recheck_organisation`` per organisation, which calls the second.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def organisations_to_recheck(host_ids: list[int]) -> list[int]:
    """The organisations that depend on any of ``host_ids``, sorted, each once."""
    affected = _configured("REGISTRY_AFFECTED_ORGANISATIONS")
    if affected is None or not host_ids:
        return []
    return sorted({int(organisation_id) for organisation_id in affected(list(host_ids))})


def recheck_organisation(organisation_id: int, host_ids: list[int]) -> None:
    recheck = _configured("REGISTRY_RECHECK_ORGANISATION")
    if recheck is None:
        logger.info("registry: no re-check configured for organisation %s", organisation_id)
        return
    recheck(organisation_id, list(host_ids))


def _configured(name: str) -> Callable | None:
    path = getattr(settings, name, None)
    return import_string(path) if path else None
