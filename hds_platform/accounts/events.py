"""Authentication events in the audit log.

An event about a person (login, failure, lockout, second factor, password) is appended to the
audit chain of every organisation they belong to, naming them by id (``user``) with the client
address and request id of the audit log. A failure for an unknown e-mail address, or for a
person without an organisation (platform staff), belongs to no chain: it goes to the
``maillon.security`` log, and django-axes keeps the attempt and the successful logins in its own
tables (``AccessAttempt``, ``AccessLog``).
"""

from __future__ import annotations

import logging

from hds_platform import audit, crossing
from hds_platform.audit import Actor
from hds_platform.models import User
from hds_platform.request_meta import current_meta
from hds_platform.tenancy import organisation_context

logger = logging.getLogger("maillon.security")


def record_for_person(user: User, action: str, changes: dict | None = None, *, actor: Actor | None = None) -> int:
    """Append ``action`` about ``user`` to each of their organisations' audit logs; return how many."""
    memberships = crossing.memberships_of(user)
    payload = {"user": audit.person(user), **(changes or {})}
    for membership in memberships:
        with organisation_context(membership.organisation):
            audit.record(organisation=membership.organisation, actor=actor or Actor.for_user(user), action=action,
                         target=user, changes=payload)
    logger.info("%s user:%s ip=%s organisations=%d %s", action, user.pk, current_meta().ip, len(memberships),
                changes or "")
    return len(memberships)
