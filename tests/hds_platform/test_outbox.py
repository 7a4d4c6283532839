from celery import shared_task

from hds_platform import outbox
from hds_platform.models import AuditEvent, OutboxMessage
from tests.realworker import broker, needs_real_services, wait_until
from tests.worker_tasks import record_marker


@shared_task(name="tests.outbox_probe")
def outbox_probe(value):
    outbox_probe.calls.append(value)


outbox_probe.calls = []


def test_message_commits_with_the_write_and_runs_after_commit(db, django_capture_on_commit_callbacks):
    outbox_probe.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue("tests.outbox_probe", 7)
        assert outbox_probe.calls == []
    assert outbox_probe.calls == [7]
    message.refresh_from_db()
    assert (message.attempts, message.dispatched_at is not None, message.last_error) == (1, True, "")


def test_rolled_back_write_leaves_no_message(db):
    from django.db import transaction

    outbox_probe.calls.clear()
    try:
        with transaction.atomic():
            outbox.enqueue("tests.outbox_probe", 1)
            raise RuntimeError("the write failed")
    except RuntimeError:
        pass
    assert OutboxMessage.objects.count() == 0
    assert outbox_probe.calls == []


def test_a_claimed_message_is_not_sent_twice(db):
    outbox_probe.calls.clear()
    message = OutboxMessage.objects.create(task_name="tests.outbox_probe", args=[3])
    assert outbox.relay_one(message.pk) is True
    assert outbox.relay_one(message.pk) is False
    assert outbox.relay_pending() == 0
    assert outbox_probe.calls == [3]


def test_broker_down_keeps_the_message_for_the_relay(db):
    outbox_probe.calls.clear()
    message = OutboxMessage.objects.create(task_name="tests.outbox_probe", args=[5])
    with broker("redis://127.0.0.1:1/0"):  # nothing listens on port 1
        assert outbox.relay_one(message.pk) is False
    message.refresh_from_db()
    assert message.dispatched_at is None
    assert message.claimed_at is None
    assert message.attempts == 1
    assert "Error" in message.last_error
    assert outbox.relay_pending(ignore_backoff=True) == 1
    assert outbox_probe.calls == [5]


@needs_real_services
def test_writes_succeed_while_redis_is_down_and_follow_up_runs_when_it_returns(
    transactional_db, tenant, redis_server,
):
    from hds_platform.tenancy import organisation_context
    from tests.realworker import Worker

    redis_server.stop()
    with broker(redis_server.url):
        with organisation_context(tenant.organisation):
            outbox.enqueue(record_marker.name, tenant.organisation.pk, "after-outage")
        assert OutboxMessage.objects.filter(dispatched_at__isnull=True).count() == 1

        redis_server.start()
        worker = Worker(redis_server.url)
        worker.start()
        try:
            assert outbox.relay_pending(ignore_backoff=True) == 1
            wait_until(lambda: AuditEvent.all_organisations.filter(action="test.marker").exists())
        finally:
            worker.stop()
    event = AuditEvent.all_organisations.get(action="test.marker")
    assert (event.organisation_id, event.changes, event.actor_label) == (
        tenant.organisation.pk, {"marker": "after-outage"}, "worker")


@shared_task(name="tests.outbox_flaky")
def outbox_flaky(value):
    outbox_flaky.calls.append(value)
    if len(outbox_flaky.calls) == 1:
        raise RuntimeError("first run fails")


outbox_flaky.calls = []


def test_an_in_process_task_that_fails_stays_pending_and_the_relay_runs_it_again(
    db, django_capture_on_commit_callbacks,
):
    from celery import current_app

    outbox_flaky.calls.clear()
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            message = outbox.enqueue("tests.outbox_flaky", 3)
        message.refresh_from_db()
        assert (message.dispatched_at, message.attempts, message.last_error) == (
            None, 1, "RuntimeError: first run fails",
        )
        assert outbox.relay_pending(ignore_backoff=True) == 1
    finally:
        current_app.conf.task_always_eager = eager
    message.refresh_from_db()
    assert (message.dispatched_at is not None, message.attempts, message.last_error) == (True, 2, "")
    assert outbox_flaky.calls == [3, 3]


def test_a_message_naming_no_known_task_stays_pending_with_its_error(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue("tests.no_such_task", 1)
    message.refresh_from_db()
    assert (message.dispatched_at, message.claimed_at, message.attempts) == (None, None, 1)
    assert message.last_error == "NotRegistered: 'tests.no_such_task'"
