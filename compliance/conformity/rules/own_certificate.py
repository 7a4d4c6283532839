"""Rule 3, the organisation's own certificate.

An organisation that handles health data on behalf of others (software editor, hosting
provider, or any organisation in the processor role) performs HDS activities itself (typically
5, administration and operation, often 6) and needs its own certificate for each of them: its
hosts' certificates do not cover it (CA Montpellier, 13 June 2024, RG 22/01303). A health
professional or establishment acting for its own patients (or any other organisation acting as
controller for its own purposes) needs none: its own links are then out of HDS scope (see
`scope`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding, make_finding
from ..views import Outcome

if TYPE_CHECKING:
    from ..chain import Chain


def check(chain: Chain) -> Iterator[Finding]:
    for view in chain.hds_views:
        if view.supplier is not None:
            continue
        for resolution in view.resolutions:
            if resolution.outcome is Outcome.NONE:
                yield make_finding("self.activity_not_covered", link=view.link.id, activity=resolution.activity)
