"""The webhook catalogue: every event type, when it is sent, and the ``data`` of its payload.

One registry, :data:`CATALOGUE`: an :class:`EventType` per name, with its payload builder (the
``data`` object of version :data:`VERSION`), the serializer that documents that object in the
OpenAPI schema, and, for the five events sent before payloads were versioned, the builder of
their ``legacy`` data. To emit, call :func:`compliance.monitoring.webhooks.events.emit` with the
type's name and the keyword arguments of its builder, in the transaction of the write.

Rules of version ``2026-12-01`` (README: Webhooks):

* field names are the REST API's (``certificate_number``, ``valid_until``, ``registry_match``…);
  an object another resource refers to is its id (``supplier: 12``), or ``{"id", "name"}`` when
  the name helps a person reading the event;
* every timestamp is UTC, ISO 8601 with the ``Z`` suffix (``2026-12-01T08:00:00Z``), every date
  ``YYYY-MM-DD``; ids are integers, counts integers, codes strings;
* a payload gains fields without a new version; a field never changes name, type or meaning
  within a version (that takes a new version, documented).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from rest_framework import serializers

from compliance.models import LEGACY_PAYLOAD_VERSION, PAYLOAD_VERSION

VERSION = PAYLOAD_VERSION
LEGACY = LEGACY_PAYLOAD_VERSION

CONFORMITY_CHANGED = "conformity.changed"
CERTIFICATE_EXPIRING = "certificate.expiring"
CERTIFICATE_EXPIRED = "certificate.expired"
EVIDENCE_EXPIRING = "evidence.expiring"
EVIDENCE_EXPIRED = "evidence.expired"
EVIDENCE_UPLOADED = "evidence.uploaded"
REGISTRY_HOST_CHANGED = "registry.host_changed"
SUPPLIER_CREATED = "supplier.created"
SUPPLIER_UPDATED = "supplier.updated"
SUPPLIER_DELETED = "supplier.deleted"
ALERT_RAISED = "alert.raised"
ALERT_RESOLVED = "alert.resolved"
EVIDENCE_REQUEST_ANSWERED = "evidence_request.answered"
PROVIDER_CERTIFICATE_CHANGED = "provider.certificate_changed"
#: Sent by "send test event" to one endpoint, whatever it subscribed to; not in the catalogue.
TEST_PING = "test.ping"


def timestamp(value: datetime | None) -> str | None:
    """The one timestamp rule of payloads: UTC, ISO 8601, ``Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def day(value: date | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


@dataclass(frozen=True)
class EventType:
    name: str
    when: str
    data: type[serializers.Serializer]
    build: Callable[..., dict]
    legacy: Callable[..., dict] | None = None


CATALOGUE: dict[str, EventType] = {}


def register(name: str, when: str, data: type[serializers.Serializer], *,
             legacy: Callable[..., dict] | None = None):
    """Declare the event ``name``; decorates its payload builder."""
    def decorator(build: Callable[..., dict]) -> Callable[..., dict]:
        if name in CATALOGUE:
            raise ValueError(f"webhook event {name!r} declared twice")
        CATALOGUE[name] = EventType(name, when, data, build, legacy)
        return build
    return decorator


def subscribable(version: str) -> tuple[str, ...]:
    """The event types an endpoint of ``version`` may subscribe to."""
    if version == LEGACY:
        return tuple(name for name, event in CATALOGUE.items() if event.legacy is not None)
    return tuple(CATALOGUE)


# Payload objects (documentation of the data, OpenAPI components) -------------------------------


class NamedRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class FindingCode(serializers.Serializer):
    code = serializers.CharField(help_text="A finding code of the conformity engine.")


class ConformityChangedData(serializers.Serializer):
    processing = NamedRef()
    from_status = serializers.CharField(help_text="not_applicable, compliant, non_compliant or incomplete.")
    to_status = serializers.CharField(help_text="not_applicable, compliant, non_compliant or incomplete.")
    changed_at = serializers.DateTimeField()
    appeared = FindingCode(many=True)
    disappeared = FindingCode(many=True)
    status_change = serializers.IntegerField(help_text="Id of the status change (conformity history).")
    alert = serializers.IntegerField()


class CertificateRef(serializers.Serializer):
    id = serializers.IntegerField()
    supplier = serializers.IntegerField(allow_null=True, help_text="Null: the organisation's own certificate.")
    kind = serializers.CharField()
    certificate_number = serializers.CharField()
    activities = serializers.ListField(child=serializers.IntegerField())
    expires_on = serializers.DateField()


class CertificateExpiryData(serializers.Serializer):
    certificate = CertificateRef()
    supplier = NamedRef(allow_null=True)
    threshold = serializers.IntegerField(help_text="Days before the end: 90, 60, 30 or 7; 0 once expired.")
    days_left = serializers.IntegerField(help_text="Negative once expired.")
    alert = serializers.IntegerField()


class EvidenceRef(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    valid_until = serializers.DateField(allow_null=True)
    supplier = serializers.IntegerField(allow_null=True)
    processing = serializers.IntegerField(allow_null=True)
    certificate = serializers.IntegerField(allow_null=True)


class EvidenceExpiryData(serializers.Serializer):
    evidence = EvidenceRef()
    threshold = serializers.IntegerField(help_text="Days before the end: 90, 60, 30 or 7; 0 once expired.")
    days_left = serializers.IntegerField(help_text="Negative once expired.")
    alert = serializers.IntegerField()


class EvidenceUploadedRef(EvidenceRef):
    issued_on = serializers.DateField(allow_null=True)
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    version = serializers.IntegerField()
    supersedes = serializers.IntegerField(allow_null=True, help_text="The version this one replaces.")
    uploaded_at = serializers.DateTimeField()


class EvidenceUploadedData(serializers.Serializer):
    evidence = EvidenceUploadedRef()


class SupplierMatch(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    registry_match = serializers.DictField(help_text='{"status": "confirmed" | "suggested"}')


class AffectedLink(serializers.Serializer):
    id = serializers.IntegerField()
    supplier = serializers.IntegerField()
    direct = serializers.BooleanField()
    activities = serializers.ListField(child=serializers.IntegerField())
    affected_activities = serializers.ListField(child=serializers.IntegerField())


class AffectedProcessing(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    links = AffectedLink(many=True)


class RegistryHostChangedData(serializers.Serializer):
    host = NamedRef()
    change = serializers.CharField(help_text="removed or activities_narrowed.")
    activities_before = serializers.ListField(child=serializers.IntegerField())
    activities_after = serializers.ListField(child=serializers.IntegerField())
    lost_activities = serializers.ListField(child=serializers.IntegerField())
    suppliers = SupplierMatch(many=True)
    processings = AffectedProcessing(many=True)
    snapshot = serializers.IntegerField()
    registry_change = serializers.IntegerField()
    alert = serializers.IntegerField()


class RegistryMatchRef(serializers.Serializer):
    status = serializers.CharField(help_text="none, suggested or confirmed.")
    host = NamedRef(allow_null=True)


class SupplierRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    siren = serializers.CharField()
    country = serializers.CharField()
    registry_match = RegistryMatchRef()
    updated_at = serializers.DateTimeField()


class SupplierData(serializers.Serializer):
    supplier = SupplierRef()


class SupplierDeletedRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SupplierDeletedData(serializers.Serializer):
    supplier = SupplierDeletedRef()


class AlertRef(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    severity = serializers.CharField()
    status = serializers.CharField()
    threshold = serializers.IntegerField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    certificate = serializers.IntegerField(allow_null=True)
    evidence = serializers.IntegerField(allow_null=True)
    processing = serializers.IntegerField(allow_null=True)
    supplier = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolution = serializers.CharField(allow_null=True,
                                       help_text="null while unresolved; manual, renewed, superseded or gone.")


class AlertData(serializers.Serializer):
    alert = AlertRef()


class EvidenceRequestSubmission(serializers.Serializer):
    kind = serializers.CharField(help_text="The kind of document the contact declared.")
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()


class EvidenceRequestRef(serializers.Serializer):
    id = serializers.IntegerField()
    supplier = serializers.IntegerField()
    kinds = serializers.ListField(child=serializers.CharField(), help_text="The kinds of document asked for.")
    due_date = serializers.DateField(allow_null=True)
    status = serializers.CharField(help_text="`submitted`: waiting for the requester to accept or reject it.")
    requested_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField()
    submitted = EvidenceRequestSubmission(help_text="The document received (it becomes evidence once accepted).")


class EvidenceRequestAnsweredData(serializers.Serializer):
    evidence_request = EvidenceRequestRef()


class ProviderRef(serializers.Serializer):
    organisation = serializers.CharField(help_text="The provider organisation's slug.")
    name = serializers.CharField()


class ProviderCertificateRef(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    activities = serializers.ListField(child=serializers.IntegerField())
    certificate_number = serializers.CharField()
    certifier = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField()
    status = serializers.CharField(help_text="valid, suspended or withdrawn.")


class ProviderCertificateChangedData(serializers.Serializer):
    provider = ProviderRef()
    change = serializers.CharField(help_text="shared, updated or unshared.")
    certificate = ProviderCertificateRef()


# Builders --------------------------------------------------------------------------------------


def _alert_legacy(*, alert) -> dict:
    """The unversioned data: what the alert stored, and its id."""
    return {**alert.data, "alert": alert.pk}


@register(CONFORMITY_CHANGED, "An evaluation changed a processing's conformity status.", ConformityChangedData,
          legacy=_alert_legacy)
def conformity_changed(*, alert) -> dict:
    data = alert.data
    return {
        "processing": {"id": data["processing"]["id"], "name": data["processing"]["name"]},
        "from_status": data["from_status"], "to_status": data["to_status"],
        "changed_at": timestamp(datetime.fromisoformat(data["changed_at"])),
        "appeared": [{"code": item["code"]} for item in data["appeared"]],
        "disappeared": [{"code": item["code"]} for item in data["disappeared"]],
        "status_change": data["change"], "alert": alert.pk,
    }


def _certificate_expiry(*, alert) -> dict:
    data = alert.data
    certificate = data["certificate"]
    supplier = data["supplier"]
    return {
        "certificate": {"id": certificate["id"], "supplier": supplier["id"] if supplier else None,
                        "kind": certificate["kind"], "certificate_number": certificate["number"],
                        "activities": sorted(certificate["activities"]), "expires_on": data["expires_on"]},
        "supplier": {"id": supplier["id"], "name": supplier["name"]} if supplier else None,
        "threshold": data["threshold"], "days_left": data["days_left"], "alert": alert.pk,
    }


register(CERTIFICATE_EXPIRING, "A valid certificate reached 90, 60, 30 or 7 days before its end (daily scan).",
         CertificateExpiryData, legacy=_alert_legacy)(_certificate_expiry)
register(CERTIFICATE_EXPIRED, "A certificate still recorded as valid passed its end date (daily scan).",
         CertificateExpiryData, legacy=_alert_legacy)(_certificate_expiry)


def _evidence_expiry(*, alert) -> dict:
    data = alert.data
    return {
        "evidence": {"id": data["evidence"]["id"], "kind": data["evidence"]["kind"],
                     "title": data["evidence"]["title"], "valid_until": data["valid_until"],
                     "supplier": alert.supplier_id, "processing": alert.processing_id,
                     "certificate": alert.certificate_id},
        "threshold": data["threshold"], "days_left": data["days_left"], "alert": alert.pk,
    }


register(EVIDENCE_EXPIRING, "A current document reached 90, 60, 30 or 7 days before its end of validity.",
         EvidenceExpiryData)(_evidence_expiry)
register(EVIDENCE_EXPIRED, "A current document passed its end of validity.", EvidenceExpiryData)(_evidence_expiry)


def _evidence_uploaded_legacy(*, evidence, supersedes=None) -> dict:
    return {
        "evidence": {
            "id": evidence.pk, "kind": evidence.kind, "title": evidence.title, "sha256": evidence.sha256,
            "size": evidence.size, "content_type": evidence.content_type,
            "issued_on": day(evidence.issued_on), "valid_until": day(evidence.valid_until),
            "supplier": evidence.supplier_id, "processing": evidence.processing_id,
            "certificate": evidence.certificate_id, "version": evidence.version,
            "supersedes": supersedes.pk if supersedes is not None else None,
        },
    }


@register(EVIDENCE_UPLOADED, "A document was stored, as a first version or replacing one.", EvidenceUploadedData,
          legacy=_evidence_uploaded_legacy)
def evidence_uploaded(*, evidence, supersedes=None) -> dict:
    return {"evidence": {
        "id": evidence.pk, "kind": evidence.kind, "title": evidence.title,
        "valid_until": day(evidence.valid_until), "supplier": evidence.supplier_id,
        "processing": evidence.processing_id, "certificate": evidence.certificate_id,
        "issued_on": day(evidence.issued_on), "sha256": evidence.sha256, "size": evidence.size,
        "content_type": evidence.content_type, "version": evidence.version,
        "supersedes": supersedes.pk if supersedes is not None else None,
        "uploaded_at": timestamp(evidence.uploaded_at),
    }}


@register(REGISTRY_HOST_CHANGED, "A registry import removed a host a supplier is matched to, or narrowed its "
                                 "activities.", RegistryHostChangedData, legacy=_alert_legacy)
def registry_host_changed(*, alert) -> dict:
    data = alert.data
    return {
        "host": {"id": data["host"]["id"], "name": data["host"]["name"]}, "change": data["change"],
        "activities_before": data["activities_before"], "activities_after": data["activities_after"],
        "lost_activities": data["lost_activities"],
        "suppliers": [{"id": s["id"], "name": s["name"], "registry_match": {"status": s["match"]}}
                      for s in data["suppliers"]],
        "processings": data["processings"], "snapshot": data["snapshot"],
        "registry_change": data["registry_change"], "alert": alert.pk,
    }


def _supplier(supplier) -> dict:
    host = supplier.registry_host
    status = supplier.registry_match_status
    return {
        "id": supplier.pk, "name": supplier.name, "siren": supplier.siren, "country": supplier.country,
        "registry_match": {"status": "none" if status == "rejected" else status,
                           "host": {"id": host.pk, "name": host.name} if host is not None else None},
        "updated_at": timestamp(supplier.updated_at),
    }


@register(SUPPLIER_CREATED, "A supplier was added to the register.", SupplierData)
def supplier_created(*, supplier) -> dict:
    return {"supplier": _supplier(supplier)}


@register(SUPPLIER_UPDATED, "A supplier changed: its details or its match in the ANS list (confirmed, rejected).",
          SupplierData)
def supplier_updated(*, supplier) -> dict:
    return {"supplier": _supplier(supplier)}


@register(SUPPLIER_DELETED, "A supplier was deleted.", SupplierDeletedData)
def supplier_deleted(*, supplier_id: int, name: str) -> dict:
    return {"supplier": {"id": supplier_id, "name": name}}


def _alert(alert) -> dict:
    return {
        "id": alert.pk, "kind": alert.kind, "severity": alert.severity, "status": alert.status,
        "threshold": alert.threshold, "due_on": day(alert.due_on), "certificate": alert.certificate_id,
        "evidence": alert.evidence_id, "processing": alert.processing_id, "supplier": alert.supplier_id,
        "created_at": timestamp(alert.created_at), "resolved_at": timestamp(alert.resolved_at),
        "resolution": alert.resolution or None,
    }


@register(ALERT_RAISED, "An alert was raised (expiry, status change, registry change).", AlertData)
def alert_raised(*, alert) -> dict:
    return {"alert": _alert(alert)}


@register(ALERT_RESOLVED, "An alert was resolved, by a member or because it no longer holds.", AlertData)
def alert_resolved(*, alert) -> dict:
    return {"alert": _alert(alert)}


@register(EVIDENCE_REQUEST_ANSWERED, "A supplier's contact answered an evidence request through its upload link.",
          EvidenceRequestAnsweredData)
def evidence_request_answered(*, request) -> dict:
    """The request as ``GET …/evidence-requests/{id}/`` names its fields; the file itself stays behind
    the authorised download."""
    return {"evidence_request": {
        "id": request.pk, "supplier": request.supplier_id, "kinds": list(request.kinds),
        "due_date": day(request.due_date), "status": request.status,
        "requested_at": timestamp(request.created_at), "answered_at": timestamp(request.submitted_at),
        "submitted": {"kind": request.submitted_kind, "sha256": request.submitted_sha256,
                      "size": request.submitted_size, "content_type": request.submitted_content_type},
    }}


@register(PROVIDER_CERTIFICATE_CHANGED, "A provider the organisation is linked to shared, changed or stopped "
                                        "sharing one of its certificates.", ProviderCertificateChangedData)
def provider_certificate_changed(*, provider_slug: str, provider_name: str, change: str, certificate) -> dict:
    return {
        "provider": {"organisation": provider_slug, "name": provider_name}, "change": change,
        "certificate": {
            "id": certificate.pk, "kind": certificate.kind, "activities": sorted(certificate.activities),
            "certificate_number": certificate.certificate_number, "certifier": certificate.certifier,
            "issued_on": day(certificate.issued_on), "expires_on": day(certificate.expires_on),
            "status": certificate.status,
        },
    }
