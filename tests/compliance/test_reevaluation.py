"""Answers follow time: re-evaluation on read and by the daily job, each change recorded once.

The organisation's only host holds a certificate ending on 10 December 2026. Time travels
(time-machine) past that end: the first reader, or the daily job, notices; the change is recorded,
alerted and sent once, whoever comes second writes nothing.
"""

import json
import re
import threading
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import PeriodicTask

from compliance import evaluation
from compliance.conformity import engine
from compliance.loader import load_inputs
from compliance.models import Alert, ConformityResult, ConformityStatusChange, WebhookDelivery
from compliance.monitoring.webhooks import events
from compliance.tasks import reevaluate_dispatch, reevaluate_organisation
from hds_platform.schedules import ensure_schedules
from hds_platform.tenancy import organisation_context
from tests.compliance import builders
from tests.compliance.monitoring.alerting import make_endpoint
from tests.conftest import TEST_DB_OWNER

START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
END = date(2026, 12, 10)  # the host's certificate is valid up to and including this day
AFTER = datetime(2026, 12, 15, 9, 0, tzinfo=UTC)
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def travel():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _chain(tenant, expires_on=END, name="Dossier patient"):
    """A compliant processing whose only host is certified until ``expires_on``, with its documents."""
    with tenant.context():
        host = builders.supplier(f"Hébergeur de {name}")
        certificate = builders.certificate(host, activities=[1, 2, 3, 4, 5, 6], expires_on=expires_on)
        builders.evidence("hds_certificate", supplier=host, certificate=certificate)
        builders.evidence("hosting_contract", supplier=host)
        builders.evidence("dpa", supplier=host)
        processing = builders.processing(name)
        builders.link(processing, host, activities=[1, 2, 3, 4, 5, 6])
        evaluation.evaluate_all()
        return processing


def _writes(queries) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if query["sql"].lstrip().startswith(WRITES)]


def _statements(queries) -> int:
    """Queries other than the savepoints the test's own transaction adds around each atomic block."""
    return sum(1 for query in queries.captured_queries if not query["sql"].startswith(("SAVEPOINT", "RELEASE")))


def _history(tenant):
    with tenant.context():
        return list(ConformityStatusChange.objects.order_by("id").values_list("from_status", "to_status"))


def _alerts_and_deliveries(tenant):
    with tenant.context():
        return (list(Alert.objects.values_list("kind", "data__from_status", "data__to_status")),
                list(WebhookDelivery.objects.values_list("event", "status")))


# Time passing ----------------------------------------------------------------------------------


def test_past_the_certificate_end_the_get_answers_non_compliant_and_the_job_then_writes_nothing(
        tenant, client_for, travel, receiver, local_network, media, django_capture_on_commit_callbacks):
    with tenant.context():
        make_endpoint(receiver.url, [events.CONFORMITY_CHANGED])
    processing = _chain(tenant)
    client = client_for(token=tenant.token(scope="read"))
    url = f"/api/v1/orgs/{tenant.organisation.slug}/processings/{processing.pk}/conformity/"
    before = client.get(url).json()
    assert (before["status"], before["hosting_status"], before["register_status"]) == (
        "compliant", "compliant", "compliant")
    assert (before["evaluated_on"], before["valid_until"]) == ("2026-11-28", "2026-11-29")  # 12 days left: daily

    travel.move_to(AFTER)  # five days after the end; no job has run
    with django_capture_on_commit_callbacks(execute=True):
        after = client.get(url).json()
    assert (after["status"], after["hosting_status"], after["register_status"]) == (
        "non_compliant", "non_compliant", "compliant")
    assert (after["evaluated_on"], after["evaluated_at"], after["valid_until"]) == (
        "2026-12-15", "2026-12-15T10:00:00+01:00", None)
    assert {f["code"] for f in after["findings"]} >= {"validity.certificate_expired", "coverage.activity_not_covered"}

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        assert reevaluate_dispatch() == 1
    assert _writes(queries) == []

    assert _history(tenant) == [("", "compliant"), ("compliant", "non_compliant")]
    assert _alerts_and_deliveries(tenant) == (
        [("conformity_changed", "compliant", "non_compliant")], [("conformity.changed", "succeeded")])
    [request] = receiver.requests
    body = json.loads(request.body)
    assert (request.headers["Maillon-Event"], body["data"]["from_status"], body["data"]["to_status"]) == (
        "conformity.changed", "compliant", "non_compliant")
    assert {"code": "validity.certificate_expired"} in body["data"]["appeared"]
    assert client.get(url).json() == after  # read again: the stored answer, unchanged


def test_when_the_job_notices_first_the_reads_write_nothing(tenant, client_for, travel, media,
                                                          django_capture_on_commit_callbacks):
    processing = _chain(tenant)
    travel.move_to(AFTER)
    with django_capture_on_commit_callbacks(execute=True):
        assert reevaluate_organisation(tenant.organisation.pk) == 1
    assert _history(tenant) == [("", "compliant"), ("compliant", "non_compliant")]
    client = client_for(token=tenant.token(scope="read"))
    base = f"/api/v1/orgs/{tenant.organisation.slug}"
    with CaptureQueriesContext(connection) as queries:
        body = client.get(f"{base}/processings/{processing.pk}/conformity/").json()
        summary = client.get(f"{base}/conformity/").json()
        listed = client.get(f"{base}/processings/").json()["results"]
    assert [sql for sql in _writes(queries) if "hds_platform_apitoken" not in sql] == []  # the token's last use
    assert (body["status"], body["evaluated_on"]) == ("non_compliant", "2026-12-15")
    assert (summary["by_status"]["non_compliant"], summary["by_hosting_status"]["non_compliant"],
            summary["by_register_status"]["compliant"]) == (1, 1, 1)
    assert [(p["conformity_status"], p["hosting_status"], p["register_status"]) for p in listed] == [
        ("non_compliant", "non_compliant", "compliant")]
    assert _history(tenant) == [("", "compliant"), ("compliant", "non_compliant")]
    with tenant.context():
        assert Alert.objects.count() == 1


def test_the_summary_and_the_list_never_serve_an_earlier_day(tenant, client_for, travel, media):
    processing = _chain(tenant)
    travel.move_to(AFTER)
    client = client_for(token=tenant.token(scope="read"))
    base = f"/api/v1/orgs/{tenant.organisation.slug}"
    summary = client.get(f"{base}/conformity/").json()
    assert (summary["by_status"]["non_compliant"], summary["by_status"]["compliant"]) == (1, 0)
    travel.move_to(AFTER + timedelta(days=1))
    listed = client.get(f"{base}/processings/", {"conformity_status": "non_compliant"}).json()["results"]
    assert [p["id"] for p in listed] == [processing.pk]
    with tenant.context():
        assert ConformityResult.objects.get().evaluated_on == date(2026, 12, 16)


def test_the_pages_never_show_an_earlier_day(tenant, client, travel, media):
    processing = _chain(tenant)
    travel.move_to(AFTER)
    client.force_login(tenant.owner)
    page = client.get(f"/o/{tenant.organisation.slug}/traitements/{processing.pk}/").content.decode()
    assert 'data-hosting-status="non_compliant" data-register-status="compliant"' in page
    travel.move_to(AFTER + timedelta(days=1))
    client.force_login(tenant.owner)  # a day later the idle session has ended: log in again
    listing = client.get(f"/o/{tenant.organisation.slug}/traitements/").content.decode()
    assert "HDS\xa0: Non conforme · RGPD\xa0: Conforme" in listing  # French spacing before a colon
    travel.move_to(AFTER + timedelta(days=2))
    client.force_login(tenant.owner)
    dashboard = client.get(f"/o/{tenant.organisation.slug}/").content.decode()
    assert re.search(r'<a class="stat status-non_compliant" [^>]+>\s*<strong>1</strong>', dashboard)
    with tenant.context():
        assert ConformityResult.objects.get().evaluated_on == date(2026, 12, 17)
    assert _history(tenant) == [("", "compliant"), ("compliant", "non_compliant")]


def test_an_unchanged_answer_is_carried_forward_without_running_the_engine(tenant, client_for, travel, media,
                                                                            monkeypatch):
    processing = _chain(tenant, expires_on=date(2027, 12, 1))
    with tenant.context():
        stored = ConformityResult.objects.get()
    assert (stored.status, stored.valid_until) == ("compliant", date(2027, 9, 2))

    def must_not_run(data):
        raise AssertionError("the engine ran although only the date moved")

    monkeypatch.setattr(evaluation, "evaluate", must_not_run)
    travel.move_to(AFTER)
    body = client_for(token=tenant.token(scope="read")).get(
        f"/api/v1/orgs/{tenant.organisation.slug}/processings/{processing.pk}/conformity/").json()
    assert (body["status"], body["evaluated_on"], body["evaluated_at"], body["valid_until"]) == (
        "compliant", "2026-12-15", "2026-12-15T10:00:00+01:00", "2027-09-02")
    with tenant.context():
        moved = ConformityResult.objects.get()
    assert (moved.findings, moved.inputs_digest) == (stored.findings, stored.inputs_digest)
    assert _history(tenant) == [("", "compliant")]

    # On its valid_until the engine runs again: the certificate enters the expiry horizon.
    monkeypatch.setattr(evaluation, "evaluate", engine.evaluate)
    travel.move_to(datetime(2027, 9, 2, 9, 0, tzinfo=UTC))
    assert reevaluate_organisation(tenant.organisation.pk) == 1
    with tenant.context():
        result = ConformityResult.objects.get()
    assert (result.status, result.evaluated_on, result.valid_until) == ("compliant", date(2027, 9, 2),
                                                                        date(2027, 9, 3))
    assert "evidence.certificate_expiring" in {finding["code"] for finding in result.findings}


def test_a_document_ending_is_a_date_of_the_answer(tenant, travel, media):
    with tenant.context():
        host = builders.supplier()
        builders.certificate(host, activities=[1, 2, 3, 4, 5, 6])
        builders.evidence("hosting_contract", supplier=host, valid_until=date(2027, 3, 31))
        dpa = builders.evidence("dpa", supplier=host, issued_on=date(2027, 1, 1))
        processing = builders.processing()
        link = builders.link(processing, host, activities=[1, 2, 3, 4, 5, 6])
        exempt = builders.link(processing, builders.supplier("Base gérée"), activities=[4], parent=link,
                               exempt_under_parent=True,
                               exemption_evidence=builders.evidence("audit_report", valid_until=date(2027, 2, 14)))
        data = load_inputs([processing.pk], date(2026, 11, 28))[processing.pk]
        later = load_inputs([processing.pk], date(2027, 1, 1))[processing.pk]
        result = evaluation.evaluate_processing(processing)
    assert [(lk.id, lk.has_dpa, lk.documents_change_on) for lk in data.links] == [
        (link.pk, False, date(2027, 1, 1)), (exempt.pk, False, date(2027, 2, 15))]
    assert [(lk.id, lk.has_dpa, lk.documents_change_on) for lk in later.links] == [
        (link.pk, True, date(2027, 4, 1)), (exempt.pk, False, date(2027, 2, 15))]
    assert result.valid_until == dpa.issued_on


def test_results_stored_before_the_two_answers_are_evaluated_again_on_read(tenant, client_for, travel, media):
    """What the migration leaves: empty hosting and register statuses, valid_until in the past."""
    processing = _chain(tenant, expires_on=date(2027, 12, 1))
    with tenant.context():
        ConformityResult.objects.update(hosting_status="", register_status="", valid_until=date(2000, 1, 1))
    body = client_for(token=tenant.token(scope="read")).get(
        f"/api/v1/orgs/{tenant.organisation.slug}/processings/{processing.pk}/conformity/").json()
    assert (body["status"], body["hosting_status"], body["register_status"], body["valid_until"]) == (
        "compliant", "compliant", "compliant", "2027-09-02")
    assert _history(tenant) == [("", "compliant")]


# The daily job ---------------------------------------------------------------------------------


# Per organisation: the organisation (1), the processings not current today (1), then for their
# batch the loader (5: no confirmed registry host here), the stored results, locked (1), and one
# UPDATE moving their date (1); on PostgreSQL each of the two transactions sets the organisation.
JOB_QUERIES = 9 + (2 if settings.IS_POSTGRES else 0)


@pytest.mark.parametrize("processings", [1, 5])
def test_the_dispatcher_fans_out_per_organisation_and_writes_nothing_when_nothing_changed(
        tenant, other_tenant, travel, media, processings):
    for t in (tenant, other_tenant):
        for n in range(processings):
            _chain(t, expires_on=date(2027, 12, 1), name=f"Traitement {n}")
    travel.move_to(AFTER)
    with CaptureQueriesContext(connection) as queries:
        assert reevaluate_organisation(tenant.organisation.pk) == processings
    assert _statements(queries) == JOB_QUERIES
    with CaptureQueriesContext(connection) as queries:
        assert reevaluate_dispatch() == 2  # the tenant's task finds nothing to do; the other's moves dates
    assert _statements(queries) == 1 + (2 + settings.IS_POSTGRES) + JOB_QUERIES  # organisations, then each task
    [write] = _writes(queries)
    assert write.startswith('UPDATE "compliance_conformityresult" SET "evaluated_on"')
    for t in (tenant, other_tenant):
        with t.context():
            assert set(ConformityResult.objects.values_list("evaluated_on", "status")) == {
                (date(2026, 12, 15), "compliant")}
            assert ConformityStatusChange.objects.count() == processings  # the first evaluations only
    # A second run the same day: per organisation, the organisation and one query (and its setting on
    # PostgreSQL), nothing written.
    with CaptureQueriesContext(connection) as queries:
        assert reevaluate_dispatch() == 2
    assert (_statements(queries), _writes(queries)) == (1 + 2 * (2 + settings.IS_POSTGRES), [])


def test_the_daily_entry_is_scheduled_and_its_task_is_safe_to_run_twice(db):
    ensure_schedules()
    entry = PeriodicTask.objects.get(task="compliance.tasks.reevaluate_dispatch")
    assert (entry.queue, entry.crontab.hour, entry.crontab.minute, str(entry.crontab.timezone)) == (
        "default", "0", "15", "Europe/Paris")
    task = current_app.tasks["compliance.tasks.reevaluate_organisation"]
    assert (task.acks_late, task.reject_on_worker_lost, task.soft_time_limit < task.time_limit) == (True, True, True)


# Exactly once, when a read and the job race --------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL: two connections racing in one database "
                    "(SQLite serialises whole transactions and the test database is in memory)")
def test_a_read_and_the_job_at_once_record_the_change_once(transactional_db, tenant, monkeypatch, media):
    processing = _chain(tenant)
    barrier = threading.Barrier(2)
    original = evaluation.load_inputs

    def load_then_wait(ids, on):
        inputs = original(ids, on)
        barrier.wait(timeout=10)  # both have read the old result's inputs before either locks
        return inputs

    monkeypatch.setattr(evaluation, "load_inputs", load_then_wait)
    errors = []

    def run(work):
        try:
            with time_machine.travel(AFTER, tick=False):
                work()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    def read():
        with organisation_context(tenant.organisation):
            evaluation.refresh(ConformityResult.objects.filter(processing=processing))

    threads = [threading.Thread(target=run, args=(work,)) for work in (
        read, lambda: reevaluate_organisation(tenant.organisation.pk))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert _history(tenant) == [("", "compliant"), ("compliant", "non_compliant")]
    with organisation_context(tenant.organisation):
        assert Alert.objects.count() == 1


# The migration -------------------------------------------------------------------------------


@contextmanager
def _as_migration_owner():
    """Migrate as the owner role where the suite's database has one (tests/conftest.py), so the
    tables these migrations drop and create again keep the owner of production."""
    if not TEST_DB_OWNER or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {connection.ops.quote_name(TEST_DB_OWNER)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def test_the_migration_marks_results_stored_before_as_due(transactional_db, tenant, media):
    """Rows stored before the two answers existed get empty statuses and a valid_until in the past,
    so the next read or the daily job evaluates them again (see the test above)."""
    from django.db.migrations.executor import MigrationExecutor

    from hds_platform.tenancy import set_database_organisation

    processing = _chain(tenant, expires_on=date(2027, 12, 1))
    before = [("compliance", "0003_certificate_perimeters")]
    executor = MigrationExecutor(connection)
    with _as_migration_owner():
        executor.migrate(before)
    old_state = executor.loader.project_state(before).apps
    try:
        with transaction.atomic():
            set_database_organisation(tenant.organisation.pk)
            old = old_state.get_model("compliance", "ConformityResult")._base_manager.get(processing_id=processing.pk)
            assert not hasattr(old, "valid_until")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        # Back to the latest state of every app (later migrations included), as the suite expects.
        with _as_migration_owner():
            executor.migrate(executor.loader.graph.leaf_nodes())
    with tenant.context():
        migrated = ConformityResult.objects.get()
        assert (migrated.hosting_status, migrated.register_status, migrated.valid_until) == (
            "", "", date(2000, 1, 1))
        assert migrated.is_due(migrated.evaluated_on)
