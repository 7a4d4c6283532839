"""Writes of reports: asking for one, and generating it (the task's body).

:func:`report_request` records the report and its task in one transaction (the outbox sends the
task to the ``reports`` queue after commit). On the embedded default, where tasks run in-process,
it also generates the report at once, so that the answer to the request is already ``done``; the
task then finds it done and does nothing.

:func:`report_generate` is idempotent and safe under re-delivery: it claims the report with a
conditional update (a pending report, or one left running longer than the task's time limit by a
worker that died), reads what the report states inside the organisation's context, writes the
file outside any transaction while it reports its progress, stores it under a private name and
marks the report done; a failure marks it failed with a message a person can act on.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from compliance.models import Processing, Supplier
from compliance.reports.generation import generator as generator_of
from compliance.reports.kinds import CONTENT_TYPES, FILE_STEMS, KINDS
from compliance.reports.models import Report, ReportLanguage, ReportStatus, report_storage_name
from compliance.services._shared import _check_same_organisation
from hds_platform import audit, outbox
from hds_platform.audit import Actor
from hds_platform.errors import ServiceError
from hds_platform.models import Organisation
from hds_platform.tenancy import organisation_context, require_organisation

logger = logging.getLogger(__name__)

TASK_NAME = "compliance.reports.tasks.generate_report"
TASK_TIME_LIMIT = 900  # seconds: a conformity dossier of a few hundred processings takes well under that
TASK_SOFT_TIME_LIMIT = 840
CLAIM_EXPIRES = timedelta(seconds=TASK_TIME_LIMIT + 60)
PROGRESS_STEP = 5  # percentage points between two writes of the progress


def _check_request(kind: str, fmt: str, processing: Processing | None, supplier: Supplier | None) -> None:
    spec = KINDS.get(kind)
    if spec is None:
        raise ServiceError(_("Type de rapport inconnu : %s.") % kind, code="report_kind_unknown", field="kind")
    if fmt not in spec.formats:
        raise ServiceError(_("Ce rapport existe aux formats : %s.") % ", ".join(spec.formats),
                           code="report_format_unsupported", field="format")
    if processing is not None and not spec.by_processing:
        raise ServiceError(_("Ce rapport porte sur toute l'organisation, pas sur un traitement."),
                           code="report_scope_unsupported", field="processing")
    if supplier is not None and not spec.by_supplier:
        raise ServiceError(_("Ce rapport ne se restreint pas à un fournisseur."),
                           code="report_scope_unsupported", field="supplier")
    if processing is not None and supplier is not None:
        raise ServiceError(_("Un rapport porte sur un traitement ou sur un fournisseur, pas les deux."),
                           code="report_scope_unsupported", field="supplier")


def _language(language: str | None) -> str:
    language = (language or translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return language if language in ReportLanguage.values else ReportLanguage.FR


def report_request(*, actor: Actor, kind: str, format: str, processing: Processing | None = None,
                   supplier: Supplier | None = None, language: str | None = None,
                   run_now: bool | None = None) -> Report:
    """Ask for a report; it is generated on the ``reports`` queue (at once on the embedded default,
    or when ``run_now``)."""
    organisation = require_organisation()
    _check_same_organisation(organisation, processing=processing, supplier=supplier)
    _check_request(kind, format, processing, supplier)
    with transaction.atomic():
        report = Report(
            organisation=organisation, kind=kind, format=format, processing=processing, supplier=supplier,
            language=_language(language), requested_by=actor.user, requested_by_label=_requester(actor)[:200],
        )
        report.full_clean()
        report.save()
        audit.record(organisation=organisation, actor=actor, action="report.requested", target=report,
                     changes={"kind": kind, "format": format, "processing": processing, "supplier": supplier,
                              "language": report.language})
        outbox.enqueue(TASK_NAME, organisation.pk, report.pk)
    if settings.CELERY_TASK_ALWAYS_EAGER if run_now is None else run_now:
        report_generate(organisation, report.pk)
        report.refresh_from_db()
    return report


def _requester(actor: Actor) -> str:
    if actor.user is not None:
        return actor.user.full_name or actor.user.email
    return actor.label


class _Progress:
    """Writes the progress in its own short transaction, so that pollers see it while the work goes on."""

    def __init__(self, organisation: Organisation, report_id: int):
        self.organisation, self.report_id, self.written = organisation, report_id, 0

    def __call__(self, percent: int) -> None:
        percent = max(0, min(int(percent), 99))
        if percent - self.written < PROGRESS_STEP:
            return
        with organisation_context(self.organisation):
            Report.objects.filter(pk=self.report_id, status=ReportStatus.RUNNING).update(progress=percent)
        self.written = percent


def _claim(report_id: int) -> bool:
    now = timezone.now()
    return Report.objects.filter(
        Q(status=ReportStatus.PENDING) | Q(status=ReportStatus.RUNNING, started_at__lt=now - CLAIM_EXPIRES),
        pk=report_id,
    ).update(status=ReportStatus.RUNNING, started_at=now, progress=0, error="") == 1


def _download_name(report: Report) -> str:
    stem = FILE_STEMS[report.kind][report.language]
    return f"{stem}-{report.organisation.slug}-{timezone.localdate():%Y-%m-%d}.{report.format}"


def _sha256(handle) -> tuple[str, int]:
    handle.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(256 * 1024):
        digest.update(chunk)
        size += len(chunk)
    handle.seek(0)
    return digest.hexdigest(), size


def report_generate(organisation: Organisation, report_id: int) -> Report | None:
    """Generate the report if this call wins its claim; returns it, or None when there was nothing to do."""
    with organisation_context(organisation):
        if not _claim(report_id):
            return None
        report = Report.objects.select_related("organisation").get(pk=report_id)
    generator = generator_of(report.kind)
    progress = _Progress(organisation, report_id)
    try:
        with translation.override(report.language):
            with organisation_context(organisation):
                data = generator.load(report)
            progress(10)
            with tempfile.TemporaryFile() as out:
                written = generator.write(data, out, report.format, progress)
                sha256, size = _sha256(out)
                name = default_storage.save(report_storage_name(organisation.pk, report.format), File(out))
    except Exception as exc:
        logger.exception("report %s (%s %s) failed", report_id, report.kind, report.format)
        with organisation_context(organisation):
            Report.objects.filter(pk=report_id).update(
                status=ReportStatus.FAILED, finished_at=timezone.now(),
                error=_("La génération a échoué (%(error)s). Réessayez ; si l'échec persiste, contactez le support.")
                % {"error": type(exc).__name__},
            )
        return None
    with organisation_context(organisation):
        Report.objects.filter(pk=report_id).update(
            status=ReportStatus.DONE, progress=100, finished_at=timezone.now(), file=name,
            file_name=_download_name(report), content_type=CONTENT_TYPES[report.format], size=size, sha256=sha256,
            pages=written.pages,
        )
        return Report.objects.get(pk=report_id)
