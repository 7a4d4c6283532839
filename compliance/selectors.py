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


def processings(queryset: QuerySet[Processing] | None = None) -> QuerySet[Processing]:
    """Processings with the statuses of their stored conformity result (None before the first one)."""
    latest = ConformityResult.objects.filter(processing_id=OuterRef("pk"))
    return (Processing.objects.all() if queryset is None else queryset).annotate(
        conformity_status=Subquery(latest.values("status")[:1]),
        hosting_status=Subquery(latest.values("hosting_status")[:1]),
        register_status=Subquery(latest.values("register_status")[:1]),
    )


def evidence(queryset: QuerySet[Evidence] | None = None) -> QuerySet[Evidence]:
    """Evidence with its uploader and the id of the version it replaced, in two queries a page."""
    return (Evidence.objects.all() if queryset is None else queryset).select_related("uploaded_by").prefetch_related(
        Prefetch("supersedes", queryset=Evidence.objects.only("id", "superseded_by_id"), to_attr="previous_versions")
    )


def conformity_result(processing_id: int) -> ConformityResult | None:
    """The stored result, in one indexed read."""
    return ConformityResult.objects.filter(processing_id=processing_id).first()


def conformity_summary(*, today: date | None = None) -> dict:
    """Counts by each of the three statuses, the most frequent finding codes, certificates expiring soon,
    and ``due_processings``: the processings whose stored answer is due on ``today`` (to be evaluated
    again before the summary is shown, see ``compliance.evaluation.conformity_summary``)."""
    today = today or timezone.localdate()
    total = Processing.objects.count()
    by_status = dict.fromkeys(ConformityStatus.values, 0)
    by_hosting_status = dict.fromkeys(ConformityStatus.values, 0)
    by_register_status = dict.fromkeys(ConformityStatus.values, 0)
    occurrences: Counter[str] = Counter()
    processings_with: Counter[str] = Counter()
    severities: dict[str, str] = {}
    due = []
    rows = ConformityResult.objects.values_list("processing_id", "status", "hosting_status", "register_status",
                                                "findings", "evaluated_on", "valid_until")
    for processing_id, status, hosting_status, register_status, findings, evaluated_on, valid_until in rows:
        if answer_is_due(evaluated_on, valid_until, today):
            due.append(processing_id)
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
    expiring = list(
        Certificate.objects.filter(status=CertificateStatus.VALID, expires_on__gte=today, expires_on__lte=horizon)
        .select_related("supplier").order_by("expires_on", "id")
    )
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
            **{within_days_key(days): sum(1 for c in expiring if (c.expires_on - today).days <= days)
               for days in EXPIRY_WINDOWS},
            "certificates": [
                {"id": c.pk, "supplier": c.supplier_id, "supplier_name": c.supplier.name if c.supplier else None,
                 "kind": c.kind, "certificate_number": c.certificate_number, "expires_on": c.expires_on,
                 "days_left": (c.expires_on - today).days}
                for c in expiring
            ],
        },
    }
