"""Alerts: raising them exactly once, their texts in French and English, and what members do with them.

Every alert has a ``dedupe_key`` unique in its organisation. :func:`raise_alerts` inserts the
alerts whose key is new, with the organisation row locked for the rest of the transaction: two
jobs raising the same alerts at once (a re-delivered task, two workers, two scans) run one after
the other, the second finds the first one's alerts and creates nothing, and each knows exactly
which alerts it created, so the webhooks that follow are sent once too. The unique constraint
is the backstop.

Three kinds of jobs raise alerts:

- :mod:`compliance.monitoring.expiry` (certificates and evidence reaching each expiry threshold, then
  expired);
- :func:`on_status_changes`, called by the evaluation service in the transaction that records
  a processing's status change;
- :func:`registry_hosts_changed`, after a registry import removed a host or narrowed its
  activities, for each organisation depending on it.

Titles and messages are not stored: they are rendered from ``kind`` and ``data`` in the reader's
language (like the findings of the conformity engine, the catalogue holds both languages).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.cache import cache
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from compliance.models import (
    STATUS_LABELS,
    Alert,
    AlertKind,
    AlertResolution,
    AlertSeverity,
    AlertStatus,
    ChainLink,
    ConformityStatus,
    ConformityStatusChange,
    EvidenceKind,
    Processing,
    RegistryMatchStatus,
    Supplier,
)
from compliance.monitoring.webhooks import catalogue, events
from hds_platform import audit
from hds_platform.audit import Actor
from hds_platform.errors import Conflict
from hds_platform.models import Organisation
from registry.models import Change

OPEN_STATES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
_KEY_CHUNK = 500


# Raising alerts once ---------------------------------------------------------------------------


def lock_organisation(organisation: Organisation) -> None:
    """Serialise the jobs that raise alerts for ``organisation`` until the transaction ends.

    On SQLite the write transaction itself (``BEGIN IMMEDIATE``) already serialises them.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_organisation() must run inside a transaction.")
    Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list("pk").get()


def raise_alerts(organisation: Organisation, alerts: Iterable[Alert]) -> list[Alert]:
    """Insert the alerts whose ``dedupe_key`` is new; return them, with their ids, in order."""
    alerts = list(alerts)
    if not alerts:
        return []
    lock_organisation(organisation)
    keys = [alert.dedupe_key for alert in alerts]
    existing: set[str] = set()
    for start in range(0, len(keys), _KEY_CHUNK):
        existing.update(
            Alert.objects.filter(dedupe_key__in=keys[start:start + _KEY_CHUNK]).values_list("dedupe_key", flat=True)
        )
    new: list[Alert] = []
    for alert in alerts:
        if alert.dedupe_key in existing:
            continue
        existing.add(alert.dedupe_key)
        alert.organisation = organisation
        new.append(alert)
    Alert.objects.bulk_create(new)
    return new


def raised_events(created: Iterable[Alert]) -> list[tuple[str, dict]]:
    """The ``alert.raised`` events of alerts just created, for the caller's ``events.emit_many``."""
    return [(catalogue.ALERT_RAISED, {"alert": alert}) for alert in created]


# Status changes --------------------------------------------------------------------------------

_STATUS_SEVERITY = {
    ConformityStatus.NON_COMPLIANT: AlertSeverity.ERROR,
    ConformityStatus.INCOMPLETE: AlertSeverity.WARNING,
    ConformityStatus.COMPLIANT: AlertSeverity.INFO,
    ConformityStatus.NOT_APPLICABLE: AlertSeverity.INFO,
}


def _finding_items(items) -> list:
    """Findings as the status change stored them: codes become ``{"code": …}``."""
    return [{"code": item} if isinstance(item, str) else item for item in (items or [])]


def on_status_changes(organisation: Organisation, changes: Iterable[ConformityStatusChange]) -> list[Alert]:
    """Raise one alert per status change and send ``conformity.changed``.

    Call it in the transaction that saves the changes (the alert and the webhook then exist if,
    and only if, the change does). The first evaluation of a processing (no previous status) is
    not a change and raises nothing. Calling it twice for the same changes creates nothing new.
    """
    changes = [c for c in changes if c.from_status and c.from_status != c.to_status]
    if not changes:
        return []
    if any(change.pk is None for change in changes):
        raise ValueError("on_status_changes() needs saved status changes (their id is the dedupe key).")
    names = dict(Processing.objects.filter(pk__in={c.processing_id for c in changes}).values_list("pk", "name"))
    alerts = [
        Alert(
            kind=AlertKind.CONFORMITY_CHANGED,
            severity=_STATUS_SEVERITY[change.to_status],
            dedupe_key=f"conformity:{change.pk}",
            processing_id=change.processing_id,
            data={
                "change": change.pk,
                "processing": {"id": change.processing_id, "name": names.get(change.processing_id, "")},
                "from_status": change.from_status,
                "to_status": change.to_status,
                "changed_at": change.changed_at.isoformat(),
                "appeared": _finding_items(change.appeared),
                "disappeared": _finding_items(change.disappeared),
            },
        )
        for change in changes
    ]
    created = raise_alerts(organisation, alerts)
    events.emit_many(organisation, [
        *((catalogue.CONFORMITY_CHANGED, {"alert": alert}) for alert in created), *raised_events(created),
    ])
    return created


# Registry changes ------------------------------------------------------------------------------

REMOVED = "removed"
ACTIVITIES_NARROWED = "activities_narrowed"


def _lost_activities(change: Change) -> list[int]:
    before = set((change.before or {}).get("activities") or [])
    if change.kind == Change.Kind.REMOVED:
        return sorted(before)
    return sorted(before - set((change.after or {}).get("activities") or []))


def registry_hosts_changed(organisation: Organisation, snapshot_id: int) -> list[Alert]:
    """Alert ``organisation`` about each host the snapshot removed or whose activities it narrowed,
    when one of its suppliers is matched to that host (confirmed or suggested): once per
    (registry change, organisation), listing the suppliers and the processings whose chain holds
    them, as a direct link or a subcontractor lower in the chain. Sends ``registry.host_changed``.
    """
    relevant = _relevant_changes(snapshot_id)
    if not relevant:
        return []
    suppliers = _matched_suppliers({change.host_id for change, _lost in relevant})
    if not suppliers:
        return []
    links = _links_of(suppliers)
    alerts = []
    for change, lost in relevant:
        matched = [s for s in suppliers if s["registry_host_id"] == change.host_id]
        if matched:
            alerts.append(_host_changed_alert(snapshot_id, change, lost, matched, links))
    created = raise_alerts(organisation, alerts)
    events.emit_many(organisation, [
        *((catalogue.REGISTRY_HOST_CHANGED, {"alert": alert}) for alert in created), *raised_events(created),
    ])
    return created


def _relevant_changes(snapshot_id: int) -> list[tuple[Change, list[int]]]:
    """The snapshot's removals and narrowings, with the activities each lost, in change order
    (an activity change that lost nothing is not one)."""
    relevant = []
    for change in Change.objects.filter(
        snapshot_id=snapshot_id, kind__in=[Change.Kind.REMOVED, Change.Kind.ACTIVITIES_CHANGED],
    ).select_related("host").order_by("id"):
        lost = _lost_activities(change)
        if change.kind == Change.Kind.REMOVED or lost:
            relevant.append((change, lost))
    return relevant


def _matched_suppliers(host_ids: set[int]) -> list[dict]:
    """The current organisation's suppliers matched to those hosts (confirmed or suggested), by name."""
    return list(
        Supplier.objects.filter(
            registry_host_id__in=host_ids,
            registry_match_status__in=[RegistryMatchStatus.CONFIRMED, RegistryMatchStatus.SUGGESTED],
        ).order_by("name", "id").values("id", "name", "registry_host_id", "registry_match_status")
    )


def _links_of(suppliers: list[dict]) -> list[dict]:
    """Every chain link to those suppliers, by processing name."""
    return list(
        ChainLink.objects.filter(supplier_id__in=[s["id"] for s in suppliers])
        .order_by("processing__name", "processing_id", "id")
        .values("id", "processing_id", "processing__name", "supplier_id", "parent_id", "activities")
    )


def _host_changed_alert(snapshot_id: int, change: Change, lost: list[int], matched: list[dict],
                        links: list[dict]) -> Alert:
    """The alert about one registry change, for the suppliers matched to its host: an error when the
    host is gone or a link used an activity it lost, a warning otherwise."""
    kind = REMOVED if change.kind == Change.Kind.REMOVED else ACTIVITIES_NARROWED
    processings = _affected_processings(links, {s["id"] for s in matched}, lost)
    uses_lost = any(item["affected_activities"] for p in processings for item in p["links"])
    return Alert(
        kind=AlertKind.REGISTRY_HOST_CHANGED,
        severity=AlertSeverity.ERROR if kind == REMOVED or uses_lost else AlertSeverity.WARNING,
        dedupe_key=f"registry:{change.pk}",
        supplier_id=matched[0]["id"],
        data={
            "snapshot": snapshot_id,
            "registry_change": change.pk,
            "host": {"id": change.host_id, "name": change.host.name},
            "change": kind,
            "activities_before": _sorted_activities(change.before),
            "activities_after": _sorted_activities(change.after),
            "lost_activities": lost,
            "suppliers": [{"id": s["id"], "name": s["name"], "match": s["registry_match_status"]}
                          for s in matched],
            "processings": processings,
        },
    )


def _sorted_activities(state: dict | None) -> list[int]:
    """The activities of a host's state before or after a change (a removed host has no state after)."""
    return sorted((state or {}).get("activities") or [])


def _affected_processings(links: list[dict], supplier_ids: set[int], lost: list[int]) -> list[dict]:
    """The processings whose chain holds one of the suppliers, in the links' order, each with those links."""
    processings: dict[int, dict] = {}
    for link in links:
        if link["supplier_id"] not in supplier_ids:
            continue
        entry = processings.setdefault(link["processing_id"], {
            "id": link["processing_id"], "name": link["processing__name"], "links": [],
        })
        entry["links"].append({
            "id": link["id"], "supplier": link["supplier_id"], "direct": link["parent_id"] is None,
            "activities": sorted(link["activities"]),
            "affected_activities": sorted(set(link["activities"]) & set(lost)),
        })
    return list(processings.values())


# What members do -------------------------------------------------------------------------------

#: The navigation shows the unresolved count on every page: it is read from the cache, counted at
#: most once a minute per organisation (new alerts appear within that minute; a member's own
#: acknowledge or resolve forgets it at once).
UNRESOLVED_COUNT_SECONDS = 60


def _unresolved_key(organisation_id: int) -> str:
    return f"maillon:alerts:unresolved:{organisation_id}"


def unresolved_count(organisation: Organisation) -> int:
    """Open and acknowledged alerts of ``organisation`` (inside its context), cached."""
    key = _unresolved_key(organisation.pk)
    count = cache.get(key)
    if count is None:
        count = Alert.objects.filter(status__in=OPEN_STATES).count()
        cache.set(key, count, UNRESOLVED_COUNT_SECONDS)
    return count


def forget_unresolved_count(organisation: Organisation) -> None:
    cache.delete(_unresolved_key(organisation.pk))



def evidence_request_overdue(request) -> list[Alert]:
    """One alert when an evidence request passes its due date unanswered."""
    alert = Alert(
        kind=AlertKind.EVIDENCE_REQUEST_OVERDUE, severity=AlertSeverity.WARNING,
        dedupe_key=f"evidence_request_overdue:{request.pk}", due_on=request.due_date, supplier=request.supplier,
        data={"evidence_request": {"id": request.pk, "kinds": list(request.kinds)},
              "supplier": {"id": request.supplier_id, "name": request.supplier.name},
              "due_date": request.due_date.isoformat()},
    )
    return raise_alerts(request.organisation, [alert])


def alert_acknowledge(*, alert: Alert, actor: Actor) -> Alert:
    """An open alert is taken into account (it stays listed until resolved)."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status != AlertStatus.OPEN:
            raise Conflict(_("Cette alerte n'est plus ouverte."), code="alert_not_open")
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor.user
        alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
        audit.record(organisation=alert.organisation, actor=actor, action="alert.acknowledged", target=alert,
                     changes={"kind": alert.kind})
    return alert


def alert_resolve(*, alert: Alert, actor: Actor) -> Alert:
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status == AlertStatus.RESOLVED:
            raise Conflict(_("Cette alerte est déjà résolue."), code="alert_already_resolved")
        previous = alert.status
        alert.status = AlertStatus.RESOLVED
        alert.resolved_at = timezone.now()
        alert.resolved_by = actor.user
        alert.resolution = AlertResolution.MANUAL
        alert.save(update_fields=["status", "resolved_at", "resolved_by", "resolution", "updated_at"])
        audit.record(organisation=alert.organisation, actor=actor, action="alert.resolved", target=alert,
                     changes={"kind": alert.kind, "status": [previous, AlertStatus.RESOLVED]})
        events.emit(alert.organisation, catalogue.ALERT_RESOLVED, alert=alert)
    return alert


# Texts -----------------------------------------------------------------------------------------

_WORDS = {
    "fr": {"own": "votre organisation", "none": "aucun", "no_number": "sans numéro"},
    "en": {"own": "your organisation", "none": "none", "no_number": "without number"},
}

TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    AlertKind.CERTIFICATE_EXPIRING: {
        "fr": ("Le certificat {cert_kind} {number} de {holder} expire le {date}",
               "Le certificat {cert_kind} {number} de {holder} arrive à échéance le {date} (dans {threshold} jours "
               "ou moins). Demandez le certificat renouvelé et déposez-le dans Maillon."),
        "en": ("The {cert_kind} certificate {number} of {holder} expires on {date}",
               "The {cert_kind} certificate {number} of {holder} expires on {date} (in {threshold} days or less). "
               "Ask for the renewed certificate and upload it to Maillon."),
    },
    AlertKind.CERTIFICATE_EXPIRED: {
        "fr": ("Le certificat {cert_kind} {number} de {holder} a expiré le {date}",
               "Le certificat {cert_kind} {number} de {holder} n'est plus valable depuis le {date} : les activités "
               "qu'il couvrait ne sont plus couvertes."),
        "en": ("The {cert_kind} certificate {number} of {holder} expired on {date}",
               "The {cert_kind} certificate {number} of {holder} is no longer valid since {date}: the activities "
               "it covered are no longer covered."),
    },
    AlertKind.EVIDENCE_EXPIRING: {
        "fr": ("La pièce « {title} » n'est plus valable après le {date}",
               "La pièce « {title} » arrive en fin de validité le {date} (dans {threshold} jours ou moins). "
               "Déposez sa nouvelle version."),
        "en": ("The document “{title}” is valid until {date}",
               "The document “{title}” reaches the end of its validity on {date} (in {threshold} days or less). "
               "Upload its new version."),
    },
    AlertKind.EVIDENCE_EXPIRED: {
        "fr": ("La pièce « {title} » n'est plus valable depuis le {date}",
               "La pièce « {title} » n'est plus valable depuis le {date}. Déposez sa nouvelle version."),
        "en": ("The document “{title}” expired on {date}",
               "The document “{title}” is no longer valid since {date}. Upload its new version."),
    },
    AlertKind.EVIDENCE_REQUEST_OVERDUE: {
        "fr": ("Demande de pièces à {supplier} en retard depuis le {date}",
               "{supplier} n'a pas transmis les pièces demandées ({kinds}) avant le {date}. Relancez votre "
               "contact ou annulez la demande."),
        "en": ("Evidence request to {supplier} overdue since {date}",
               "{supplier} has not sent the requested documents ({kinds}) by {date}. Follow up with your "
               "contact or cancel the request."),
    },
    AlertKind.CONFORMITY_CHANGED: {
        "fr": ("Traitement « {processing} » : {from_status} → {to_status}",
               "Constats apparus : {appeared}. Constats disparus : {disappeared}."),
        "en": ("Processing “{processing}”: {from_status} → {to_status}",
               "Findings that appeared: {appeared}. Findings that disappeared: {disappeared}."),
    },
    (AlertKind.REGISTRY_HOST_CHANGED, REMOVED): {
        "fr": ("Liste ANS : {host} n'y figure plus",
               "L'hébergeur {host} a été retiré de la liste des hébergeurs certifiés. Fournisseurs concernés : "
               "{suppliers}. Traitements concernés : {processings}."),
        "en": ("ANS list: {host} was removed",
               "The host {host} was removed from the list of certified hosts. Suppliers concerned: {suppliers}. "
               "Processings concerned: {processings}."),
    },
    (AlertKind.REGISTRY_HOST_CHANGED, ACTIVITIES_NARROWED): {
        "fr": ("Liste ANS : {host} ne couvre plus les activités {lost}",
               "La liste des hébergeurs certifiés ne montre plus les activités {lost} pour {host}. Fournisseurs "
               "concernés : {suppliers}. Traitements concernés : {processings}."),
        "en": ("ANS list: {host} no longer covers activities {lost}",
               "The list of certified hosts no longer shows activities {lost} for {host}. Suppliers concerned: "
               "{suppliers}. Processings concerned: {processings}."),
    },
}


def _language(language: str | None) -> str:
    language = (language or translation.get_language() or "fr")[:2]
    return language if language in ("fr", "en") else "fr"


def _date(value: str | None, language: str) -> str:
    if not value:
        return "?"
    with translation.override(language):
        return formats.date_format(date.fromisoformat(value), "DATE_FORMAT")


def _status(value: str, language: str) -> str:
    """A status as written inside a sentence: its label in lower case; an unknown value as stored."""
    if value not in STATUS_LABELS:
        return value
    with translation.override(language):
        return str(STATUS_LABELS[value]).lower()


def _listing(names: list[str], language: str) -> str:
    return ", ".join(names) if names else _WORDS[language]["none"]


def _kind_labels(kinds: list[str], language: str) -> str:
    with translation.override(language):
        return ", ".join(str(EvidenceKind(kind).label) if kind in EvidenceKind.values else kind for kind in kinds)


def _fields(alert: Alert, language: str) -> dict:
    data, words = alert.data or {}, _WORDS[language]
    if alert.kind in (AlertKind.CERTIFICATE_EXPIRING, AlertKind.CERTIFICATE_EXPIRED):
        certificate = data.get("certificate", {})
        return {"cert_kind": certificate.get("kind_label", ""),
                "number": certificate.get("number") or words["no_number"],
                "holder": (data.get("supplier") or {}).get("name") or words["own"],
                "date": _date(data.get("expires_on"), language), "threshold": data.get("threshold")}
    if alert.kind in (AlertKind.EVIDENCE_EXPIRING, AlertKind.EVIDENCE_EXPIRED):
        return {"title": data.get("evidence", {}).get("title", ""), "date": _date(data.get("valid_until"), language),
                "threshold": data.get("threshold")}
    if alert.kind == AlertKind.EVIDENCE_REQUEST_OVERDUE:
        return {"supplier": (data.get("supplier") or {}).get("name", ""), "date": _date(data.get("due_date"), language),
                "kinds": _kind_labels(data.get("evidence_request", {}).get("kinds", []), language)}
    if alert.kind == AlertKind.CONFORMITY_CHANGED:
        return {"processing": data.get("processing", {}).get("name", ""),
                "from_status": _status(data.get("from_status", ""), language),
                "to_status": _status(data.get("to_status", ""), language),
                "appeared": _listing([f.get("code", "?") for f in data.get("appeared", [])], language),
                "disappeared": _listing([f.get("code", "?") for f in data.get("disappeared", [])], language)}
    return {"host": data.get("host", {}).get("name", ""),
            "lost": ", ".join(str(a) for a in data.get("lost_activities", [])),
            "suppliers": _listing([s["name"] for s in data.get("suppliers", [])], language),
            "processings": _listing([p["name"] for p in data.get("processings", [])], language)}


def render(alert: Alert, language: str | None = None) -> tuple[str, str]:
    """``(title, message)`` of ``alert`` in ``language`` (default: the active language)."""
    language = _language(language)
    key = (alert.kind, alert.data.get("change")) if alert.kind == AlertKind.REGISTRY_HOST_CHANGED else alert.kind
    title, message = TEXTS[key][language]
    fields = _fields(alert, language)
    return title.format(**fields), message.format(**fields)
