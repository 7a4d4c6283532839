"""Rule 4, external backup is activity 6.

A link flagged as an external backup service is checked for activity 6 even when its recorded
activities omit it (the chain adds it), and the inconsistency is reported as a warning. When HDS
applies and no link of the chain performs activity 6, an information finding reminds that
outsourced backups need a provider certified for it. (Self-hosting organisations get the
equivalent reminder from `scope`.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding, make_finding
from ..inputs import BACKUP_ACTIVITY
from .scope import Scope

if TYPE_CHECKING:
    from ..chain import Chain


def check(chain: Chain) -> Iterator[Finding]:
    for view in chain.hds_views:
        if view.link.is_backup and BACKUP_ACTIVITY not in view.link.activities:
            yield make_finding(
                "backup.activity_6_missing", link=view.link.id, activity=BACKUP_ACTIVITY,
                supplier=view.supplier, actor=view.actor.name,
            )
    if (
        chain.scope is Scope.APPLIES
        and chain.hds_views
        and not chain.self_hosting_own_data
        and not any(BACKUP_ACTIVITY in view.activities for view in chain.views)
    ):
        yield make_finding("backup.none_recorded")
