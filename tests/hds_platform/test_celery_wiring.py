"""The Celery wiring: what a worker registers, where tasks go, and dispatch through the outbox."""

import os
import re
import subprocess
import sys
from pathlib import Path

from celery import current_app

from hds_platform import outbox
from hds_platform.models import OutboxMessage
from hds_platform.schedules import RENAMED_TASKS, SCHEDULES
from tests.hds_platform.test_outbox import outbox_probe

ROOT = Path(__file__).resolve().parents[2]


def test_a_process_that_never_imported_the_task_modules_finds_them_when_relaying():
    # manage.py outbox_relay runs in such a process: the relay must still find every task by name.
    script = (
        "import django; django.setup()\n"
        "from celery import current_app\n"
        "from hds_platform.outbox import _task\n"
        "assert 'compliance.monitoring.tasks.deliver_webhook' not in current_app.tasks\n"
        "print(_task('compliance.monitoring.tasks.deliver_webhook').name, _task('hds_platform.relay_outbox').name,\n"
        "      _task('registry.tasks.after_import').name, _task('compliance.tasks.refresh_registry_copies').name)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hds_platform.settings"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["compliance.monitoring.tasks.deliver_webhook", "hds_platform.relay_outbox",
                                     "registry.tasks.after_import", "compliance.tasks.refresh_registry_copies"]


def test_every_task_enqueued_by_name_is_registered_and_renamed_tasks_point_at_registered_ones():
    # Services name their follow-up tasks as strings: a typo would only show when the relay runs.
    current_app.loader.import_default_modules()
    enqueued = set()
    for package in ("hds_platform", "registry", "compliance"):
        for path in (ROOT / package).rglob("*.py"):
            enqueued.update(re.findall(r'outbox\.enqueue\(\s*"([\w.]+)"', path.read_text(encoding="utf-8")))
    assert enqueued == {
        "registry.tasks.after_import",
        "compliance.tasks.evaluate_processings_task",
        "compliance.tasks.refresh_registry_copies",
        "compliance.tasks.evidence_requests_follow_up",
        "compliance.monitoring.tasks.alert_registry_changes",
        "compliance.monitoring.tasks.deliver_webhook",
        "compliance.monitoring.tasks.expiry_scan",
        "compliance.monitoring.tasks.send_digests",
        "compliance.monitoring.tasks.webhook_retry",
        "compliance.monitoring.tasks.purge_webhook_events",
        "compliance.tasks.network_link_sync",
        "compliance.tasks.incoming_evidence_request_received",
    }
    assert sorted(name for name in enqueued | set(RENAMED_TASKS.values()) if name not in current_app.tasks) == []
    assert not set(RENAMED_TASKS) & set(current_app.tasks)


def test_beat_entries_of_the_platform_and_of_alerts_name_registered_tasks():
    current_app.loader.import_default_modules()
    entries = {task: (queue, expires) for _name, task, _when, queue, expires in SCHEDULES}
    mine = {
        "hds_platform.relay_outbox": ("default", 50),
        "hds_platform.anchor_audit_chains": ("default", 3000),
        "compliance.monitoring.tasks.expiry_scan_dispatch": ("default", 3600),
        "compliance.monitoring.tasks.send_digests_dispatch": ("default", 3600),
        "compliance.monitoring.tasks.webhook_retry_dispatch": ("webhooks", 50),
        "compliance.monitoring.tasks.purge_webhook_events_dispatch": ("webhooks", 3600),
        "compliance.tasks.evidence_requests_follow_up_dispatch": ("default", 3600),
    }
    assert {task: entries[task] for task in mine} == mine
    assert all(task in current_app.tasks for task in mine)


def test_tasks_are_routed_by_name_to_their_queue():
    current_app.loader.import_default_modules()
    router = current_app.amqp.router

    def queue_of(name):
        route = router.route({}, name, (), {})
        return route["queue"].name

    expected = {
        "deliver_webhook": "webhooks", "webhook_retry": "webhooks", "webhook_retry_dispatch": "webhooks",
        "expiry_scan": "default", "expiry_scan_dispatch": "default", "send_digests": "default",
        "alert_registry_changes": "default", "purge_webhook_events": "webhooks",
        "purge_webhook_events_dispatch": "webhooks",
    }
    assert {name: queue_of(f"compliance.monitoring.tasks.{name}") for name in expected} == expected
    # The registry fan-out: the import's follow-up on the registry queue, organisation work on default.
    assert {name: queue_of(name) for name in (
        "registry.tasks.after_import", "compliance.tasks.refresh_registry_copies",
    )} == {"registry.tasks.after_import": "registry", "compliance.tasks.refresh_registry_copies": "default"}


def test_only_idempotent_tasks_are_acknowledged_late_and_every_task_has_time_limits():
    current_app.loader.import_default_modules()
    ours = {name: task for name, task in current_app.tasks.items() if name.startswith("compliance.monitoring.tasks.")}
    late = {name for name, task in ours.items() if task.acks_late}
    assert late == {f"compliance.monitoring.tasks.{name}" for name in (
        "expiry_scan", "alert_registry_changes", "deliver_webhook", "webhook_retry", "send_digests",
        "purge_webhook_events",
    )}
    assert all(ours[name].reject_on_worker_lost for name in late)
    assert all(task.time_limit and task.soft_time_limit and task.soft_time_limit < task.time_limit
               for task in ours.values())


def test_enqueue_by_name_records_the_work_in_the_outbox(db, django_capture_on_commit_callbacks):
    outbox_probe.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue("tests.outbox_probe", 11)
        assert OutboxMessage.objects.get().args == [11]
        assert outbox_probe.calls == []
    assert outbox_probe.calls == [11]
    assert OutboxMessage.objects.get().dispatched_at is not None


def test_enqueue_by_name_keeps_the_work_when_the_broker_is_down(db, django_capture_on_commit_callbacks):
    from tests.realworker import broker

    outbox_probe.calls.clear()
    with broker("redis://127.0.0.1:1/0"), django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue("tests.outbox_probe", 12)
    message = OutboxMessage.objects.get()
    assert (message.dispatched_at, message.attempts) == (None, 1)
    assert outbox.relay_pending(ignore_backoff=True) == 1
    assert outbox_probe.calls == [12]


def test_a_non_atomic_tenant_task_opens_its_own_short_transactions(tenant):
    from hds_platform.models import Membership
    from hds_platform.tasks import tenant_task
    from hds_platform.tenancy import current_organisation, organisation_context

    seen = {}

    @tenant_task(name="tests.count_in_steps", atomic=False)
    def count_in_steps(organisation):
        seen["context_at_start"] = current_organisation()
        with organisation_context(organisation):
            return Membership.objects.count()

    assert count_in_steps(tenant.organisation.pk) == 5
    assert seen["context_at_start"] is None
