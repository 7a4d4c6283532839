"""Evaluating processings and storing the outcome: the Django side of the conformity engine.

``evaluate_processings(ids)`` loads the inputs of a batch in a constant number of queries
(``compliance.loader``), runs the engine, and writes in bulk. A processing whose inputs digest
and evaluation date are those of its stored result is skipped: neither evaluated nor written,
which makes re-running a task free and harmless. Otherwise the result row is written (created
or updated) and, when the status changed, a :class:`ConformityStatusChange` row records the
change with the finding codes that appeared and disappeared, and
:data:`compliance.signals.status_changed` tells monitoring in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date

from django.utils import timezone

from compliance.conformity import EvaluationInput, evaluate
from compliance.loader import load_inputs
from compliance.models import ConformityResult, ConformityStatusChange, Processing
from compliance.signals import status_changed
from hds_platform.tenancy import require_organisation

BATCH_SIZE = 500
RESULT_FIELDS = ["status", "findings", "evaluated_at", "evaluated_on", "inputs_digest"]


def inputs_digest(data: EvaluationInput) -> str:
    """sha256 of everything the engine reads except the evaluation date (stored beside it).

    The inputs are frozen dataclasses whose ``repr`` is deterministic for what the loader
    builds: tuples keep the loader's order (rows sorted by id), actors come sorted by key, and
    the only sets are activity sets of small integers, which iterate in numeric order.
    """
    payload = repr((data.organisation, data.processing, data.links, data.actors, data.certificates))
    return hashlib.sha256(payload.encode()).hexdigest()


def _codes(findings: list[dict]) -> set[str]:
    return {finding["code"] for finding in findings}


def evaluate_processings(
    processing_ids: Iterable[int], *, on: date | None = None, force: bool = False
) -> dict[int, ConformityResult]:
    """Evaluate the current organisation's processings among ``processing_ids`` and store the
    results. ``force`` writes even when nothing changed (a member asked for it now)."""
    organisation = require_organisation()
    on = on or timezone.localdate()
    ids = sorted(set(processing_ids))
    results: dict[int, ConformityResult] = {}
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start:start + BATCH_SIZE]
        inputs = load_inputs(batch, on)
        if not inputs:
            continue
        # Locking the stored results serialises two evaluations of one processing (PostgreSQL).
        stored = {
            result.processing_id: result
            for result in ConformityResult.objects.select_for_update().filter(processing_id__in=list(inputs))
        }
        now = timezone.now()
        created, updated, changes = [], [], []
        for processing_id, data in inputs.items():
            digest = inputs_digest(data)
            result = stored.get(processing_id)
            if result is not None and not force and result.inputs_digest == digest and result.evaluated_on == on:
                results[processing_id] = result
                continue
            outcome = evaluate(data).to_json()
            status, findings = outcome["status"], outcome["findings"]
            if result is None:
                result = ConformityResult(organisation=organisation, processing_id=processing_id)
                created.append(result)
                previous_status, previous_codes = "", set()
            else:
                updated.append(result)
                previous_status, previous_codes = result.status, _codes(result.findings)
            if status != previous_status:
                codes = _codes(findings)
                changes.append(ConformityStatusChange(
                    organisation=organisation, processing_id=processing_id, from_status=previous_status,
                    to_status=status, changed_at=now, appeared=sorted(codes - previous_codes),
                    disappeared=sorted(previous_codes - codes),
                ))
            result.status, result.findings = status, findings
            result.evaluated_at, result.evaluated_on, result.inputs_digest = now, on, digest
            results[processing_id] = result
        if created:
            ConformityResult.objects.bulk_create(
                created, update_conflicts=True, unique_fields=["organisation", "processing"],
                update_fields=RESULT_FIELDS,
            )
        if updated:
            ConformityResult.objects.bulk_update(updated, RESULT_FIELDS)
        if changes:
            ConformityStatusChange.objects.bulk_create(changes)
            status_changed.send(sender=ConformityStatusChange, organisation=organisation, changes=changes)
    return results


def evaluate_processing(processing: Processing, *, force: bool = False) -> ConformityResult:
    return evaluate_processings([processing.pk], force=force)[processing.pk]


def evaluate_all(*, on: date | None = None, force: bool = False) -> int:
    """Every processing of the current organisation; returns how many were looked at."""
    ids = list(Processing.objects.order_by("id").values_list("id", flat=True))
    evaluate_processings(ids, on=on, force=force)
    return len(ids)
