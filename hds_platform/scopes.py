"""What a machine caller (an organisation's API token or a connected app) may do: its scopes.

A person acts with the permissions of their role (:mod:`hds_platform.roles`); a token or an app
acts with scopes. Each tenant endpoint needs one scope. A view names it per action (or HTTP
method) in ``action_scopes``; otherwise the scope follows from the permission the action needs
(:data:`PERMISSION_SCOPES`), so that an endpoint added later gets a sane requirement without
anyone thinking of it. Permissions that no scope grants (members, tokens, the audit log, the
organisation itself) stay with people.

The first API tokens had two scopes, ``read`` and ``read-write``: they stay, as documented
aliases of a set of scopes (:data:`LEGACY_ALIASES`), exactly as wide as they were.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from hds_platform.roles import Perm

CONFORMITY_READ = "conformity:read"
REGISTER_READ = "register:read"
REGISTER_WRITE = "register:write"
EVIDENCE_WRITE = "evidence:write"
WEBHOOKS_MANAGE = "webhooks:manage"
REPORTS_READ = "reports:read"

#: Every scope, with what it lets a caller do in plain words (the consent page shows them).
SCOPES: dict[str, str] = {
    CONFORMITY_READ: _("Lire la conformité de vos traitements, leur historique, le résumé et les alertes"),
    REGISTER_READ: _("Lire votre registre : fournisseurs, certificats, traitements, chaînes d'hébergement "
                     "et preuves"),
    REGISTER_WRITE: _("Modifier votre registre : fournisseurs, certificats, traitements, chaînes "
                      "d'hébergement ; traiter les alertes"),
    EVIDENCE_WRITE: _("Déposer, décrire et supprimer des preuves (documents)"),
    WEBHOOKS_MANAGE: _("Gérer les webhooks (adresses qui reçoivent les événements de l'organisation)"),
    REPORTS_READ: _("Demander et télécharger des rapports et des attestations signées"),
}

#: The scope an action needs when its view names none, from the permission it needs.
PERMISSION_SCOPES: dict[str, str] = {
    Perm.READ: REGISTER_READ,
    Perm.WRITE: REGISTER_WRITE,
    Perm.EXPORT: REPORTS_READ,
    Perm.WEBHOOKS: WEBHOOKS_MANAGE,
}

#: What each scope lets a machine caller do in the permission vocabulary (views that test
#: ``Perm.X in self.permissions`` keep working for tokens and apps).
SCOPE_PERMISSIONS: dict[str, frozenset[str]] = {
    CONFORMITY_READ: frozenset({Perm.READ}),
    REGISTER_READ: frozenset({Perm.READ}),
    REGISTER_WRITE: frozenset({Perm.WRITE}),
    EVIDENCE_WRITE: frozenset({Perm.WRITE}),
    WEBHOOKS_MANAGE: frozenset({Perm.WEBHOOKS}),
    REPORTS_READ: frozenset({Perm.EXPORT}),
}

READ = "read"
READ_WRITE = "read-write"
#: The two scopes of the first tokens, kept as aliases (the API is a contract).
LEGACY_ALIASES: dict[str, frozenset[str]] = {
    READ: frozenset({CONFORMITY_READ, REGISTER_READ, REPORTS_READ}),
    READ_WRITE: frozenset(SCOPES),
}


class UnknownScope(ValueError):
    def __init__(self, names: list[str]):
        super().__init__(", ".join(names))
        self.names = names


def parse(value: str | list[str] | tuple[str, ...]) -> frozenset[str]:
    """The scopes named by ``value`` (space-separated, or a list), aliases expanded.

    Raises :class:`UnknownScope` naming what is not a scope; an empty value is no scope."""
    names = value.split() if isinstance(value, str) else [str(v) for v in value]
    unknown = [name for name in names if name not in SCOPES and name not in LEGACY_ALIASES]
    if unknown:
        raise UnknownScope(unknown)
    expanded: set[str] = set()
    for name in names:
        expanded |= LEGACY_ALIASES.get(name, {name})
    return frozenset(expanded)


def normalise(value: str | list[str] | tuple[str, ...]) -> str:
    """How a set of scopes is stored: an alias alone stays as written, scopes sorted, one space apart."""
    names = value.split() if isinstance(value, str) else [str(v) for v in value]
    if len(names) == 1 and names[0] in LEGACY_ALIASES:
        return names[0]
    return " ".join(sorted(parse(names)))


def permissions_of(scopes: frozenset[str]) -> frozenset[str]:
    granted: set[str] = set()
    for scope in scopes:
        granted |= SCOPE_PERMISSIONS.get(scope, frozenset())
    return frozenset(granted)


def required_for(permission: str) -> str | None:
    """The scope an action that needs ``permission`` requires; None: no scope opens it."""
    return PERMISSION_SCOPES.get(permission)


def described(scopes: frozenset[str] | set[str]) -> list[tuple[str, str]]:
    """(scope, plain words) in the order of :data:`SCOPES`."""
    return [(name, str(text)) for name, text in SCOPES.items() if name in scopes]
