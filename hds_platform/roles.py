"""What each role of a membership, and each API token scope, may do.

This table is the only place where permissions are decided; views and
services ask :func:`role_allows` / :func:`scope_allows`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Propriétaire")
    ADMIN = "admin", _("Administrateur")
    EDITOR = "editor", _("Éditeur")
    VIEWER = "viewer", _("Lecteur")
    AUDITOR = "auditor", _("Auditeur")


class Perm:
    READ = "read"  # read the organisation's compliance data
    WRITE = "write"  # create, change and delete compliance data, upload evidence
    EXPORT = "reports.export"  # download reports and exports
    MEMBERS = "members.manage"  # invite, change roles, remove members
    TOKENS = "tokens.manage"  # create and revoke API tokens
    WEBHOOKS = "webhooks.manage"  # configure webhooks
    AUDIT = "audit.read"  # read the audit log
    ORGANISATION = "organisation.manage"  # rename, change identifiers
    OWNERSHIP = "ownership.manage"  # grant or remove the owner role


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(
        {Perm.READ, Perm.WRITE, Perm.EXPORT, Perm.MEMBERS, Perm.TOKENS, Perm.WEBHOOKS, Perm.AUDIT,
         Perm.ORGANISATION, Perm.OWNERSHIP}
    ),
    Role.ADMIN: frozenset(
        {Perm.READ, Perm.WRITE, Perm.EXPORT, Perm.MEMBERS, Perm.TOKENS, Perm.WEBHOOKS, Perm.AUDIT,
         Perm.ORGANISATION}
    ),
    Role.EDITOR: frozenset({Perm.READ, Perm.WRITE, Perm.EXPORT}),
    Role.VIEWER: frozenset({Perm.READ, Perm.EXPORT}),
    Role.AUDITOR: frozenset({Perm.READ, Perm.EXPORT, Perm.AUDIT}),
}


class TokenScope(models.TextChoices):
    READ = "read", _("Lecture")
    READ_WRITE = "read-write", _("Lecture et écriture")


SCOPE_PERMISSIONS: dict[str, frozenset[str]] = {
    TokenScope.READ: frozenset({Perm.READ, Perm.EXPORT}),
    TokenScope.READ_WRITE: frozenset({Perm.READ, Perm.WRITE, Perm.EXPORT, Perm.WEBHOOKS}),
}


def role_allows(role: str, perm: str) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())


def scope_allows(scope: str, perm: str) -> bool:
    return perm in SCOPE_PERMISSIONS.get(scope, frozenset())
