"""Evaluating processings and storing the outcome: the Django side of the conformity engine.

``evaluate_processings(ids)`` loads the inputs of a batch in a constant number of queries
(``compliance.loader``), runs the engine, and writes in bulk. For each processing, in order:

- its stored result still holds on the date (same inputs digest, evaluated on that date or
  before, and the date before its ``valid_until``): the engine is not run. A result evaluated on
  that date is not written at all, which makes re-running a task free and harmless; an older one
  only has ``evaluated_on``/``evaluated_at`` moved forward, in one ``UPDATE`` for the batch;
- otherwise the engine runs and the result row is written (created or updated) and, when the
  overall status changed, a :class:`ConformityStatusChange` row records the change with the
  finding codes that appeared and disappeared, and :data:`compliance.signals.status_changed`
  tells monitoring (alert, ``conformity.changed`` webhook) in the same transaction.

The stored results of the batch are locked first (``select_for_update``, PostgreSQL): two
evaluations of one processing, say a read and the daily job noticing that a certificate ended,
run one after the other, and the second finds the first one's result current and writes
nothing, so a change caused by time is recorded, alerted and sent once.

Answers follow time. A stored result is *due* on a date when it was evaluated on another day or
its ``valid_until`` has been reached (:meth:`ConformityResult.is_due`). Reads never serve a due
result: they call :func:`refresh` (the rows they already read), :func:`refresh_due` (the
organisation's, or some processings') or :func:`conformity_summary` first.
The daily job (:func:`reevaluate_organisation`, fanned out per organisation by
``compliance.tasks.reevaluate_dispatch``) does the same for every processing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date

from django.utils import timezone

from compliance import selectors
from compliance.conformity import EvaluationInput, EvaluationResult, evaluate
from compliance.loader import load_inputs
from compliance.models import ConformityResult, ConformityStatusChange, Processing
from compliance.models.conformity import due_on
from compliance.signals import status_changed
from hds_platform.models import Organisation
from hds_platform.tenancy import organisation_context, require_organisation

BATCH_SIZE = 500
RESULT_FIELDS = ["status", "hosting_status", "register_status", "findings", "evaluated_at", "evaluated_on",
                 "valid_until", "inputs_digest"]


def inputs_digest(data: EvaluationInput) -> str:
    """sha256 of everything the engine reads except the evaluation date (stored beside it).

    The inputs are frozen dataclasses whose ``repr`` is deterministic for what the loader
    builds: tuples keep the loader's order (rows sorted by id), actors come sorted by key, and
    the only sets are activity sets of small integers, which iterate in numeric order.
    """
    payload = repr((data.organisation, data.processing, data.links, data.actors, data.certificates))
    return hashlib.sha256(payload.encode()).hexdigest()


def _holds(result: ConformityResult, digest: str, on: date) -> bool:
    """With the same inputs, time alone cannot have changed the answer between its evaluation and ``on``."""
    return (
        result.inputs_digest == digest
        and result.evaluated_on <= on
        and (result.valid_until is None or on < result.valid_until)
    )


def _codes(findings: list[dict]) -> set[str]:
    return {finding["code"] for finding in findings}


def evaluate_processings(
    processing_ids: Iterable[int], *, on: date | None = None, force: bool = False, announce: bool = True,
) -> dict[int, ConformityResult]:
    """Evaluate the current organisation's processings among ``processing_ids`` and store the
    results. ``force`` runs the engine and writes even when nothing changed (a member asked for it
    now). ``announce=False`` records the status changes without sending ``status_changed``: the
    caller tells the organisation itself, in one message about their common cause (a linked
    provider's certificate)."""
    on = on or timezone.localdate()
    ids = sorted(set(processing_ids))
    results: dict[int, ConformityResult] = {}
    for start in range(0, len(ids), BATCH_SIZE):
        results.update(_evaluate_batch(ids[start:start + BATCH_SIZE], on, force, announce))
    return results


def _evaluate_batch(ids: list[int], on: date, force: bool, announce: bool = True) -> dict[int, ConformityResult]:
    organisation = require_organisation()
    inputs = load_inputs(ids, on)
    if not inputs:
        return {}
    # Locking the stored results serialises two evaluations of one processing (PostgreSQL).
    stored = {
        result.processing_id: result
        for result in ConformityResult.objects.select_for_update().filter(processing_id__in=list(inputs))
    }
    now = timezone.now()
    results: dict[int, ConformityResult] = {}
    created, updated, moved, changes = [], [], [], []
    for processing_id, data in inputs.items():
        digest = inputs_digest(data)
        result = stored.get(processing_id)
        if result is not None and not force and _holds(result, digest, on):
            if result.evaluated_on != on:
                result.evaluated_on, result.evaluated_at = on, now
                moved.append(result.pk)
            results[processing_id] = result
            continue
        if result is None:
            result = ConformityResult(organisation=organisation, processing_id=processing_id)
            created.append(result)
            previous_status, previous_codes = "", set()
        else:
            updated.append(result)
            previous_status, previous_codes = result.status, _codes(result.findings)
        _store(result, evaluate(data), digest, on, now)
        if result.status != previous_status:
            codes = _codes(result.findings)
            changes.append(ConformityStatusChange(
                organisation=organisation, processing_id=processing_id, from_status=previous_status,
                to_status=result.status, changed_at=now, appeared=sorted(codes - previous_codes),
                disappeared=sorted(previous_codes - codes),
            ))
        results[processing_id] = result
    if created:
        ConformityResult.objects.bulk_create(
            created, update_conflicts=True, unique_fields=["organisation", "processing"],
            update_fields=RESULT_FIELDS,
        )
    if updated:
        ConformityResult.objects.bulk_update(updated, RESULT_FIELDS)
    if moved:
        ConformityResult.objects.filter(pk__in=moved).update(evaluated_on=on, evaluated_at=now)
    if changes:
        ConformityStatusChange.objects.bulk_create(changes)
        if announce:
            status_changed.send(sender=ConformityStatusChange, organisation=organisation, changes=changes)
    return results


def _store(result: ConformityResult, outcome: EvaluationResult, digest: str, on: date, now) -> None:
    result.status = outcome.status.value
    result.hosting_status = outcome.hosting_status.value
    result.register_status = outcome.register_status.value
    result.findings = [finding.to_json() for finding in outcome.findings]
    result.valid_until = outcome.valid_until
    result.evaluated_at, result.evaluated_on, result.inputs_digest = now, on, digest


def evaluate_processing(processing: Processing, *, force: bool = False) -> ConformityResult:
    return evaluate_processings([processing.pk], force=force)[processing.pk]


def evaluate_all(*, on: date | None = None, force: bool = False) -> int:
    """Every processing of the current organisation; returns how many were looked at."""
    ids = list(Processing.objects.order_by("id").values_list("id", flat=True))
    evaluate_processings(ids, on=on, force=force)
    return len(ids)


# Answers that follow time ----------------------------------------------------------------------


def refresh(results: Iterable[ConformityResult], *, on: date | None = None) -> dict[int, ConformityResult]:
    """The answers on ``on`` (today) of these stored results, by processing id: those still
    current as they are, the due ones evaluated again (no query when none is due)."""
    on = on or timezone.localdate()
    results = {result.processing_id: result for result in results}
    stale = [processing_id for processing_id, result in results.items() if result.is_due(on)]
    if stale:
        results.update(evaluate_processings(stale, on=on))
    return results


def refresh_due(*, processing_ids: Iterable[int] | None = None, on: date | None = None) -> int:
    """Evaluate again the current organisation's stored results (or those of ``processing_ids``)
    that are due on ``on`` (today), before a page or a list shows their statuses: one indexed
    query when none is. Returns how many were due."""
    on = on or timezone.localdate()
    results = ConformityResult.objects.filter(due_on(on))
    if processing_ids is not None:
        results = results.filter(processing_id__in=list(processing_ids))
    stale = list(results.values_list("processing_id", flat=True))
    if stale:
        evaluate_processings(stale, on=on)
    return len(stale)


def conformity_summary(*, today: date | None = None) -> dict:
    """The organisation's summary (:func:`compliance.selectors.conformity_summary`) of today's answers:
    due ones, found among the rows the summary reads anyway, are evaluated and the summary read again."""
    today = today or timezone.localdate()
    summary = selectors.conformity_summary(today=today)
    if summary["due_processings"]:
        evaluate_processings(summary["due_processings"], on=today)
        summary = selectors.conformity_summary(today=today)
    return summary


def reevaluate_organisation(organisation: Organisation, *, on: date | None = None) -> int:
    """The daily re-evaluation of one organisation: every processing whose stored answer is not
    current on ``on`` (today), or that has none, is evaluated, a batch per transaction so that
    reads of the other processings never wait for the whole organisation. Returns how many were
    looked at; a second run on the same day finds none and costs one query."""
    on = on or timezone.localdate()
    with organisation_context(organisation):
        current = ConformityResult.objects.exclude(due_on(on)).values("processing_id")
        ids = list(Processing.objects.exclude(pk__in=current).order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), BATCH_SIZE):
        with organisation_context(organisation):
            evaluate_processings(ids[start:start + BATCH_SIZE], on=on)
    return len(ids)
