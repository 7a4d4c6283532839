"""The daily expiry scan of one organisation: certificates and evidence reaching each horizon of
``EXPIRY_THRESHOLDS`` (:mod:`compliance.conformity.horizons`) before their end of validity, then expired.

One alert per (object, end date, threshold). Only the nearest threshold reached is raised: a
certificate first seen a few days inside a horizon gets that horizon's alert, not those of the
farther ones, and a newer alert resolves the older ones about the same date. A certificate renewed (its date
changed), deleted, or an evidence replaced by a new version resolves its open alerts. The dedupe
key holds the end date, so a renewed certificate gets new alerts when its new date comes near.

Set-based: a fixed handful of queries per organisation whatever its number of certificates.
Running the scan twice, or twice at once, raises each alert once (see :mod:`compliance.monitoring.alerts`);
``certificate.expiring`` / ``certificate.expired`` / ``evidence.expiring`` / ``evidence.expired`` and
``alert.raised`` events go out for the alerts created only, ``alert.resolved`` for those it resolves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from compliance.conformity.horizons import EXPIRED_THRESHOLD, EXPIRY_HORIZON_DAYS, EXPIRY_THRESHOLDS
from compliance.models import (
    Alert,
    AlertKind,
    AlertResolution,
    AlertSeverity,
    AlertStatus,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Evidence,
)
from compliance.monitoring.alerts import OPEN_STATES, raise_alerts, raised_events
from compliance.monitoring.webhooks import catalogue, events
from hds_platform.models import Organisation

CERTIFICATE_KINDS = (AlertKind.CERTIFICATE_EXPIRING, AlertKind.CERTIFICATE_EXPIRED)
EVIDENCE_KINDS = (AlertKind.EVIDENCE_EXPIRING, AlertKind.EVIDENCE_EXPIRED)
_EXPIRY_EVENTS = {
    AlertKind.CERTIFICATE_EXPIRING: catalogue.CERTIFICATE_EXPIRING,
    AlertKind.CERTIFICATE_EXPIRED: catalogue.CERTIFICATE_EXPIRED,
    AlertKind.EVIDENCE_EXPIRING: catalogue.EVIDENCE_EXPIRING,
    AlertKind.EVIDENCE_EXPIRED: catalogue.EVIDENCE_EXPIRED,
}


@dataclass(frozen=True)
class ScanResult:
    created: list[Alert]
    resolved: int


def threshold_for(end: date, today: date) -> int | None:
    """The nearest threshold reached on ``today`` by something valid until ``end`` (inclusive)."""
    days_left = (end - today).days
    if days_left < 0:
        return EXPIRED_THRESHOLD
    reached = [t for t in EXPIRY_THRESHOLDS if t != EXPIRED_THRESHOLD and days_left <= t]
    return min(reached) if reached else None


def scan(organisation: Organisation, today: date | None = None) -> ScanResult:
    """Raise the due expiry alerts of ``organisation``; call inside its context (one transaction)."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=EXPIRY_HORIZON_DAYS)
    alerts = [*_certificate_alerts(today, horizon), *_evidence_alerts(today, horizon)]
    created = raise_alerts(organisation, alerts)
    resolved = _resolve_stale()
    events.emit_many(organisation, [
        *((_EXPIRY_EVENTS[alert.kind], {"alert": alert}) for alert in created),
        *raised_events(created),
        *((catalogue.ALERT_RESOLVED, {"alert": alert}) for alert in resolved),
    ])
    return ScanResult(created, len(resolved))


def _certificate_alerts(today: date, horizon: date) -> list[Alert]:
    labels = dict(CertificateKind.choices)
    rows = (
        Certificate.objects.filter(expires_on__lte=horizon, status=CertificateStatus.VALID)
        .order_by("expires_on", "id")
        .values("id", "kind", "certificate_number", "activities", "expires_on", "supplier_id", "supplier__name")
    )
    alerts = []
    for row in rows:
        threshold = threshold_for(row["expires_on"], today)
        expires_on = row["expires_on"].isoformat()
        supplier = {"id": row["supplier_id"], "name": row["supplier__name"]} if row["supplier_id"] else None
        alerts.append(Alert(
            kind=AlertKind.CERTIFICATE_EXPIRED if threshold == EXPIRED_THRESHOLD else AlertKind.CERTIFICATE_EXPIRING,
            severity=AlertSeverity.ERROR if threshold == EXPIRED_THRESHOLD else AlertSeverity.WARNING,
            dedupe_key=f"certificate:{row['id']}:expires:{expires_on}:{threshold}",
            threshold=threshold,
            due_on=row["expires_on"],
            certificate_id=row["id"],
            supplier_id=row["supplier_id"],
            data={
                "certificate": {"id": row["id"], "kind": row["kind"], "kind_label": str(labels[row["kind"]]),
                                "number": row["certificate_number"], "activities": sorted(row["activities"])},
                "supplier": supplier,
                "expires_on": expires_on,
                "threshold": threshold,
                "days_left": (row["expires_on"] - today).days,
            },
        ))
    return alerts


def _evidence_alerts(today: date, horizon: date) -> list[Alert]:
    rows = (
        Evidence.objects.filter(valid_until__lte=horizon, superseded_by__isnull=True)
        .order_by("valid_until", "id")
        .values("id", "kind", "title", "valid_until", "supplier_id", "processing_id", "certificate_id")
    )
    alerts = []
    for row in rows:
        threshold = threshold_for(row["valid_until"], today)
        valid_until = row["valid_until"].isoformat()
        alerts.append(Alert(
            kind=AlertKind.EVIDENCE_EXPIRED if threshold == EXPIRED_THRESHOLD else AlertKind.EVIDENCE_EXPIRING,
            severity=AlertSeverity.ERROR if threshold == EXPIRED_THRESHOLD else AlertSeverity.WARNING,
            dedupe_key=f"evidence:{row['id']}:valid_until:{valid_until}:{threshold}",
            threshold=threshold,
            due_on=row["valid_until"],
            evidence_id=row["id"],
            supplier_id=row["supplier_id"],
            processing_id=row["processing_id"],
            certificate_id=row["certificate_id"],
            data={
                "evidence": {"id": row["id"], "kind": row["kind"], "title": row["title"]},
                "valid_until": valid_until,
                "threshold": threshold,
                "days_left": (row["valid_until"] - today).days,
            },
        ))
    return alerts


def _resolve_stale() -> list[Alert]:
    """Resolve the open expiry alerts that no longer hold; return them.

    One read of the open expiry alerts with the current date of their object, then one update per
    resolution that applies and one read of the alerts resolved (none on most days).
    """
    rows = list(
        Alert.objects.filter(status__in=OPEN_STATES, kind__in=(*CERTIFICATE_KINDS, *EVIDENCE_KINDS))
        .values("id", "kind", "due_on", "threshold", "certificate_id", "certificate__expires_on", "evidence_id",
                "evidence__valid_until", "evidence__superseded_by")
    )
    resolutions: dict[str, list[int]] = {AlertResolution.GONE: [], AlertResolution.RENEWED: [],
                                         AlertResolution.SUPERSEDED: []}
    nearest: dict[tuple, int] = {}
    standing = []
    for row in rows:
        if row["kind"] in CERTIFICATE_KINDS:
            key = ("certificate", row["certificate_id"])
            gone = row["certificate_id"] is None
            current = row["certificate__expires_on"]
        else:
            key = ("evidence", row["evidence_id"])
            gone = row["evidence_id"] is None or row["evidence__superseded_by"] is not None
            current = row["evidence__valid_until"]
        if gone:
            resolutions[AlertResolution.GONE].append(row["id"])
        elif current != row["due_on"]:
            resolutions[AlertResolution.RENEWED].append(row["id"])
        else:
            key = (*key, row["due_on"])
            nearest[key] = min(nearest.get(key, row["threshold"]), row["threshold"])
            standing.append((key, row))
    # A nearer threshold replaces the farther ones about the same object and date.
    resolutions[AlertResolution.SUPERSEDED] = [row["id"] for key, row in standing if row["threshold"] > nearest[key]]
    now = timezone.now()
    resolved: list[int] = []
    for resolution, ids in resolutions.items():
        if ids:
            Alert.objects.filter(pk__in=ids).update(status=AlertStatus.RESOLVED, resolved_at=now,
                                                    resolution=resolution, updated_at=now)
            resolved.extend(ids)
    return list(Alert.objects.filter(pk__in=resolved).order_by("pk")) if resolved else []
