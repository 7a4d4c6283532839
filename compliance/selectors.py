"""Reads shared by the API, the pages and the reports (current organisation only)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from django.db.models import Count, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from compliance.conformity.horizons import EXPIRY_HORIZON_DAYS, EXPIRY_WINDOWS
from compliance.models import (
    Certificate,
    CertificateStatus,
    ConformityResult,
    ConformityStatus,
    Evidence,
    Processing,
    Supplier,
)
from compliance.models.conformity import answer_is_due
from hds_platform.compiled import CompiledPage, CompiledQuery
from registry.models import HostCertificate

TOP_FINDINGS = 10


def within_days_key(days: int) -> str:
    """The key under which the conformity summary counts the certificates expiring within ``days``."""
    return f"within_{days}_days"


def suppliers(queryset: QuerySet[Supplier] | None = None, *, today: date | None = None) -> QuerySet[Supplier]:
    """Suppliers with their registry host (and its current published certificate) and a summary
    of their certificates, in two queries for a page of any size."""
    today = today or timezone.localdate()
    valid = Q(certificates__status=CertificateStatus.VALID, certificates__expires_on__gte=today)
    expiring = Q(certificates__expires_on__lte=today + timedelta(days=EXPIRY_HORIZON_DAYS))
    return (
        (Supplier.objects.all() if queryset is None else queryset).select_related("registry_host")
        .prefetch_related(Prefetch(
            "registry_host__certificates",
            queryset=HostCertificate.objects.filter(current=True).order_by("-expires_on", "-id"),
            to_attr="current_certificates",
        ))
        .annotate(
            certificates_valid=Count("certificates", filter=valid),
            certificates_expiring=Count("certificates", filter=valid & expiring),
            certificates_invalid=Count("certificates", filter=~valid & Q(certificates__isnull=False)),
            next_expiry=Min("certificates__expires_on", filter=valid),
        )
    )


SUPPLIER_ROW_EXTRAS = (
    "registry_match_status", "registry_host_id", "registry_host__name", "registry_match_score",
    "registry_match_method", "registry_rejected_hosts", "certificates_valid", "certificates_expiring",
    "certificates_invalid", "next_expiry", "host_certificate_id", "host_certificate_number", "host_activities",
    "host_expires_on",
)


def _supplier_rows(fields: tuple[str, ...], *, today: date, horizon: date) -> QuerySet:
    """What :func:`suppliers` reads, as plain rows (``fields`` and :data:`SUPPLIER_ROW_EXTRAS`):
    the host's current certificate (the one expiring last) comes from subqueries, not a prefetch."""
    valid = Q(certificates__status=CertificateStatus.VALID, certificates__expires_on__gte=today)
    expiring = Q(certificates__expires_on__lte=horizon)
    current = HostCertificate.objects.filter(host=OuterRef("registry_host_id"), current=True).order_by(
        "-expires_on", "-id")
    return (
        Supplier.objects.annotate(
            certificates_valid=Count("certificates", filter=valid),
            certificates_expiring=Count("certificates", filter=valid & expiring),
            certificates_invalid=Count("certificates", filter=~valid & Q(certificates__isnull=False)),
            next_expiry=Min("certificates__expires_on", filter=valid),
            host_certificate_id=Subquery(current.values("id")[:1]),
            host_certificate_number=Subquery(current.values("certificate_number")[:1]),
            host_activities=Subquery(current.values("activities")[:1]),
            host_expires_on=Subquery(current.values("expires_on")[:1]),
        )
        .order_by("name", "id")
        .values(*dict.fromkeys((*fields, *SUPPLIER_ROW_EXTRAS)))
    )


_SUPPLIER_ROWS: dict[tuple[str, ...], CompiledQuery] = {}


def supplier_rows_page(fields: tuple[str, ...], *, today: date | None = None) -> CompiledPage:
    """The suppliers by name as plain rows (their ``fields`` and :data:`SUPPLIER_ROW_EXTRAS`), for
    DRF's paginator: a count and a page query, each compiled once per process."""
    query = _SUPPLIER_ROWS.get(fields)
    if query is None:
        query = _SUPPLIER_ROWS[fields] = CompiledQuery(
            lambda today, horizon: _supplier_rows(fields, today=today, horizon=horizon),
            count=lambda **_: Supplier.objects.all(), today=date, horizon=date,
        )
    today = today or timezone.localdate()
    return CompiledPage(query, today=today, horizon=today + timedelta(days=EXPIRY_HORIZON_DAYS))


def processings(queryset: QuerySet[Processing] | None = None) -> QuerySet[Processing]:
    """Processings with the statuses of their stored conformity result (None before the first one)."""
    latest = ConformityResult.objects.filter(processing_id=OuterRef("pk"))
    return (Processing.objects.all() if queryset is None else queryset).annotate(
        conformity_status=Subquery(latest.values("status")[:1]),
        hosting_status=Subquery(latest.values("hosting_status")[:1]),
        register_status=Subquery(latest.values("register_status")[:1]),
    )


_PROCESSING_ROWS: dict[tuple[str, ...], CompiledQuery] = {}


def processing_rows_page(fields: tuple[str, ...]) -> CompiledPage:
    """The register by name as plain rows of ``fields`` (``conformity_status`` among them: the
    stored status), for DRF's paginator: a count and a page query, each compiled once."""
    query = _PROCESSING_ROWS.get(fields)
    if query is None:
        query = _PROCESSING_ROWS[fields] = CompiledQuery(
            lambda: processings().order_by("name", "id").values(*fields), count=lambda: Processing.objects.all())
    return CompiledPage(query)


def evidence(queryset: QuerySet[Evidence] | None = None) -> QuerySet[Evidence]:
    """Evidence with its uploader and the id of the version it replaced, in two queries a page."""
    return (Evidence.objects.all() if queryset is None else queryset).select_related("uploaded_by").prefetch_related(
        Prefetch("supersedes", queryset=Evidence.objects.only("id", "superseded_by_id"), to_attr="previous_versions")
    )


def conformity_result(processing_id: int) -> ConformityResult | None:
    """The stored result, in one indexed read."""
    return ConformityResult.objects.filter(processing_id=processing_id).first()


_RESULT_ROWS: dict[tuple[str, ...], CompiledQuery] = {}


def conformity_result_row(processing_id: int, fields: tuple[str, ...]) -> dict | None:
    """The stored result's ``fields`` as a plain row (one indexed read, compiled once)."""
    query = _RESULT_ROWS.get(fields)
    if query is None:
        query = _RESULT_ROWS[fields] = CompiledQuery(
            lambda processing: ConformityResult.objects.filter(processing_id=processing).order_by("pk").values(*fields),
            processing=int,
        )
    rows = query.rows(processing=processing_id, limit=1)
    return rows[0] if rows else None


_PROCESSINGS_COUNT = CompiledQuery(lambda: Processing.objects.all())
_RESULT_STATUSES = CompiledQuery(lambda: ConformityResult.objects.values(
    "processing_id", "status", "hosting_status", "register_status", "findings", "evaluated_on", "valid_until"))
_EXPIRING_CERTIFICATES = CompiledQuery(
    lambda today, horizon: Certificate.objects.filter(
        status=CertificateStatus.VALID, expires_on__gte=today, expires_on__lte=horizon,
    ).order_by("expires_on", "id").values("id", "supplier_id", "supplier__name", "kind", "certificate_number",
                                          "expires_on"),
    today=date, horizon=date,
)


def conformity_summary(*, today: date | None = None) -> dict:
    """Counts by each of the three statuses, the most frequent finding codes, certificates expiring soon,
    and ``due_processings``: the processings whose stored answer is due on ``today`` (to be evaluated
    again before the summary is shown, see ``compliance.evaluation.conformity_summary``)."""
    today = today or timezone.localdate()
    total = _PROCESSINGS_COUNT.count()
    by_status = dict.fromkeys(ConformityStatus.values, 0)
    by_hosting_status = dict.fromkeys(ConformityStatus.values, 0)
    by_register_status = dict.fromkeys(ConformityStatus.values, 0)
    occurrences: Counter[str] = Counter()
    processings_with: Counter[str] = Counter()
    severities: dict[str, str] = {}
    due = []
    for row in _RESULT_STATUSES.rows():
        status, hosting_status, register_status, findings = (
            row["status"], row["hosting_status"], row["register_status"], row["findings"])
        if answer_is_due(row["evaluated_on"], row["valid_until"], today):
            due.append(row["processing_id"])
        by_status[status] += 1
        if hosting_status:  # empty until a result stored before the two answers existed is evaluated again
            by_hosting_status[hosting_status] += 1
            by_register_status[register_status] += 1
        codes = set()
        for finding in findings:
            occurrences[finding["code"]] += 1
            severities[finding["code"]] = finding["severity"]
            codes.add(finding["code"])
        processings_with.update(codes)
    evaluated = sum(by_status.values())
    horizon = today + timedelta(days=max(EXPIRY_WINDOWS))
    expiring = _EXPIRING_CERTIFICATES.rows(today=today, horizon=horizon)
    return {
        "processings": total,
        "evaluated": evaluated,
        "due_processings": due,
        "by_status": {**by_status, "not_evaluated": total - evaluated},
        "by_hosting_status": {**by_hosting_status, "not_evaluated": total - sum(by_hosting_status.values())},
        "by_register_status": {**by_register_status, "not_evaluated": total - sum(by_register_status.values())},
        "top_findings": [
            {"code": code, "severity": severities[code], "count": count, "processings": processings_with[code]}
            for code, count in sorted(occurrences.items(), key=lambda item: (-item[1], item[0]))[:TOP_FINDINGS]
        ],
        "expiring_certificates": {
            **{within_days_key(days): sum(1 for c in expiring if (c["expires_on"] - today).days <= days)
               for days in EXPIRY_WINDOWS},
            "certificates": [
                {"id": c["id"], "supplier": c["supplier_id"], "supplier_name": c["supplier__name"],
                 "kind": c["kind"], "certificate_number": c["certificate_number"], "expires_on": c["expires_on"],
                 "days_left": (c["expires_on"] - today).days}
                for c in expiring
            ],
        },
    }
