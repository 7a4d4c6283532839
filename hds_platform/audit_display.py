"""The audit log as a person reads it: who did what to which object (linked), and each change as
"field: before → after" in the page's language.

The events keep their stable machine form (``chain_link.created``, field names, ids); this module
only words them. Each app registers the words and pages of its own objects
(:func:`register_target`, :func:`register_actions`) so that the platform never imports an app.
A page of events costs a constant number of queries: one per kind of object it names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hds_platform.models import AuditEvent, PersonRecord


@dataclass(frozen=True)
class Target:
    noun: str  # lazy: "Fournisseur"
    url: Callable[[models.Model, str], str] | None = None  # (object, organisation slug) → its page
    name: Callable[[models.Model], str] = str
    related: tuple[str, ...] = ()  # what ``name`` reads, fetched in the same query


_TARGETS: dict[str, Target] = {}
_ACTIONS: dict[str, str] = {
    "account.language_changed": gettext_lazy("Langue du compte modifiée"),
    "api_token.created": gettext_lazy("Jeton d'API créé"),
    "api_token.reassigned": gettext_lazy("Jeton d'API réattribué"),
    "api_token.revoked": gettext_lazy("Jeton d'API révoqué"),
    "app_connection.granted": gettext_lazy("Application connectée autorisée"),
    "app_connection.revoked": gettext_lazy("Application connectée révoquée"),
    "app_connection.used": gettext_lazy("Application connectée utilisée"),
    "auth.email_verified": gettext_lazy("Adresse e-mail vérifiée"),
    "auth.locked_out": gettext_lazy("Compte bloqué après des échecs de connexion"),
    "auth.login_succeeded": gettext_lazy("Connexion réussie"),
    "auth.mfa_failed": gettext_lazy("Échec de la double authentification"),
    "auth.mfa_verified": gettext_lazy("Double authentification réussie"),
    "auth.password_change_failed": gettext_lazy("Échec du changement de mot de passe"),
    "auth.password_changed": gettext_lazy("Mot de passe modifié"),
    "auth.password_reset": gettext_lazy("Mot de passe réinitialisé"),
    "auth.reauthenticated": gettext_lazy("Identité confirmée à nouveau"),
    "invitation.accepted": gettext_lazy("Invitation acceptée"),
    "invitation.created": gettext_lazy("Invitation envoyée"),
    "invitation.revoked": gettext_lazy("Invitation révoquée"),
    "membership.created": gettext_lazy("Membre ajouté"),
    "membership.removed": gettext_lazy("Membre retiré"),
    "membership.role_changed": gettext_lazy("Rôle d'un membre modifié"),
    "mfa.enrolled": gettext_lazy("Double authentification activée"),
    "mfa.recovery_codes_renewed": gettext_lazy("Codes de secours renouvelés"),
    "mfa.removed": gettext_lazy("Double authentification retirée"),
    "organisation.created": gettext_lazy("Organisation créée"),
    "organisation.deleted": gettext_lazy("Organisation supprimée"),
    "organisation.mfa_requirement_changed": gettext_lazy("Exigence de double authentification modifiée"),
    "organisation.updated": gettext_lazy("Organisation modifiée"),
    "user.erased": gettext_lazy("Personne effacée"),
}
# Words for change keys that are not model fields.
_KEYS: dict[str, str] = {
    "registry_match": gettext_lazy("correspondance ANS"),
}


def register_target(model_label: str, noun: str, url: Callable[[models.Model, str], str] | None = None, *,
                    name: Callable[[models.Model], str] = str, related: tuple[str, ...] = ()) -> None:
    """Name the objects of ``model_label`` ("app.model") in the log, and link each to its page."""
    _TARGETS[model_label] = Target(noun, url, name, related)


def register_actions(labels: dict[str, str]) -> None:
    _ACTIONS.update(labels)


def action_label(action: str) -> str:
    return str(_ACTIONS.get(action, action))


@dataclass
class Change:
    label: str
    before: str | None  # None: the event records a value, not a change
    after: str


@dataclass
class EventRow:
    event: AuditEvent
    action: str
    who: str = ""
    noun: str = ""
    name: str = ""
    url: str = ""
    changes: list[Change] = field(default_factory=list)


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model, key: str):
    """The model's own field named ``key`` (not a reverse relation), or None."""
    try:
        field = model._meta.get_field(key) if model is not None else None
    except FieldDoesNotExist:
        return None
    return field if field is not None and hasattr(field, "verbose_name") else None


def _is_pair(event: AuditEvent, value) -> bool:
    """An update records ``[before, after]``; a creation records values (a list may be a set's)."""
    return (isinstance(value, list) and len(value) == 2
            and not event.action.endswith((".created", ".uploaded", ".deleted", ".requested")))


def _words(value, names: dict) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, list):
        return ", ".join(_words(item, names) for item in value)
    if isinstance(value, int | str) and value in names:
        return names[value]
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_words(item, names)}" for key, item in value.items())
    return localize(value) if not isinstance(value, str) else value


def _related_ids(event: AuditEvent, model) -> Iterable[tuple[type[models.Model], int]]:
    for key, value in event.changes.items():
        relation = _field(model, key)
        if relation is None or not relation.is_relation or relation.related_model is None:
            continue
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, int) and not isinstance(item, bool):
                yield relation.related_model, item


def _rows_named(wanted: dict[type[models.Model], set[int]]) -> dict[type[models.Model], dict[int, tuple]]:
    """The rows the page mentions with their display name, one query per kind of row."""
    found = {}
    for model, ids in wanted.items():
        target = _TARGETS.get(model._meta.label_lower, Target(""))
        found[model] = {row.pk: (row, target.name(row))
                        for row in model._default_manager.filter(pk__in=ids).select_related(*target.related)}
    return found


def rows(events: list[AuditEvent], organisation_slug: str) -> list[EventRow]:
    """The events worded for the page; objects named and linked when they still exist."""
    models_of = {event.pk: _model(event.target_type) for event in events}
    wanted: dict[type[models.Model], set[int]] = defaultdict(set)
    for event in events:
        model = models_of[event.pk]
        if model is not None and event.target_id.isdigit() and event.target_type in _TARGETS:
            wanted[model].add(int(event.target_id))
        for related, pk in _related_ids(event, model):
            wanted[related].add(pk)
    found = _rows_named(wanted)
    people = {record.user_id: record.display
              for record in PersonRecord.objects.filter(user_id__in={e.actor_id for e in events if e.actor_id})}
    result = []
    for event in events:
        row = _row(event, models_of[event.pk], found, organisation_slug)
        row.who = people.get(event.actor_id, "") if event.actor_id else ""
        row.who = row.who or (_("Système") if event.actor_label == "system" else event.actor_label)
        result.append(row)
    return result


def actor_ids_matching(text: str) -> list[int]:
    """The people of the log whose e-mail or name contains ``text``."""
    return list(PersonRecord.objects.filter(erased_at__isnull=True)
                .filter(models.Q(email__icontains=text) | models.Q(full_name__icontains=text))
                .values_list("user_id", flat=True))


def _row(event: AuditEvent, model, found: dict, organisation_slug: str) -> EventRow:
    target = _TARGETS.get(event.target_type)
    row = EventRow(event=event, action=action_label(event.action), noun=str(target.noun) if target else "")
    if model is not None and event.target_id.isdigit() and int(event.target_id) in found.get(model, {}):
        obj, row.name = found[model][int(event.target_id)]
        row.url = target.url(obj, organisation_slug) if target and target.url else ""
    if not row.name:  # gone since, or not named: what the event kept of it
        row.name = str(event.changes.get("name") or event.changes.get("title") or
                       (f"#{event.target_id}" if event.target_id else ""))
    for key, value in event.changes.items():
        relation = _field(model, key)
        label = str(relation.verbose_name) if relation is not None else str(_KEYS.get(key, key.replace("_", " ")))
        if relation is not None and relation.is_relation:
            names = {pk: name for pk, (_obj, name) in found.get(relation.related_model, {}).items()}
        else:  # a choice reads as its label
            names = {str(value): str(label) for value, label in getattr(relation, "flatchoices", ())}
        if _is_pair(event, value):
            row.changes.append(Change(label, _words(value[0], names), _words(value[1], names)))
        else:
            row.changes.append(Change(label, None, _words(value, names)))
    return row


def target_choices() -> list[tuple[str, str]]:
    """The kinds of object the log names, for its filter."""
    return sorted(((label, str(target.noun)) for label, target in _TARGETS.items()), key=lambda choice: choice[1])
