"""The periodic dispatchers, created in django-celery-beat once and then editable in the admin.

Each entry is a dispatcher: it fans out one task per organisation (or per
due item) rather than doing the work itself. Entries are created when
missing and never overwritten, so changes made in the admin stay; only an
entry still naming a task that has moved (:data:`RENAMED_TASKS`) is pointed
at the task's new name.
"""

import json

SCHEDULES = [
    # name, task, crontab (minute, hour) or interval seconds, queue, expires seconds
    ("Conformité : réévaluation quotidienne", "compliance.tasks.reevaluate_dispatch", ("15", "0"), "default", 3600),
    ("Registre ANS : rafraîchissement quotidien", "registry.tasks.refresh_registry", ("30", "5"), "registry", 3600),
    ("Échéances : scan quotidien", "compliance.monitoring.tasks.expiry_scan_dispatch", ("0", "6"), "default", 3600),
    ("Demandes de pièces : relances et retards", "compliance.tasks.evidence_requests_follow_up_dispatch",
     ("30", "6"), "default", 3600),
    ("Alertes : résumés par e-mail", "compliance.monitoring.tasks.send_digests_dispatch", ("0", "7"), "default", 3600),
    ("Webhooks : relances", "compliance.monitoring.tasks.webhook_retry_dispatch", 60, "webhooks", 50),
    ("Webhooks : purge des événements", "compliance.monitoring.tasks.purge_webhook_events_dispatch", ("45", "3"),
     "webhooks", 3600),
    ("Outbox : relais de secours", "hds_platform.relay_outbox", 60, "default", 50),
    ("Journal d'audit : ancrage signé", "hds_platform.anchor_audit_chains", 3600, "default", 3000),
    ("API : purge des clés d'idempotence", "hds_platform.purge_idempotency_keys_dispatch", ("45", "3"), "default",
     3600),
]

#: Tasks whose name changed when their module moved: old name -> new name. Beat entries created
#: before the move are updated at migrate; outbox rows recorded before it are sent under the new name.
RENAMED_TASKS = {
    "compliance.jobs.expiry_scan_dispatch": "compliance.monitoring.tasks.expiry_scan_dispatch",
    "compliance.jobs.expiry_scan": "compliance.monitoring.tasks.expiry_scan",
    "compliance.jobs.alert_registry_changes": "compliance.monitoring.tasks.alert_registry_changes",
    "compliance.jobs.deliver_webhook": "compliance.monitoring.tasks.deliver_webhook",
    "compliance.jobs.webhook_retry_dispatch": "compliance.monitoring.tasks.webhook_retry_dispatch",
    "compliance.jobs.webhook_retry": "compliance.monitoring.tasks.webhook_retry",
    "compliance.jobs.send_digests_dispatch": "compliance.monitoring.tasks.send_digests_dispatch",
    "compliance.jobs.send_digests": "compliance.monitoring.tasks.send_digests",
}


def ensure_schedules(sender=None, **kwargs) -> None:
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    for old, new in RENAMED_TASKS.items():
        PeriodicTask.objects.filter(task=old).update(task=new)
    for name, task, when, queue, expires in SCHEDULES:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        entry = PeriodicTask(name=name, task=task, queue=queue, expire_seconds=expires,
                             args=json.dumps([]), kwargs=json.dumps({}))
        if isinstance(when, int):
            entry.interval, _ = IntervalSchedule.objects.get_or_create(every=when, period=IntervalSchedule.SECONDS)
        else:
            minute, hour = when
            entry.crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
                timezone="Europe/Paris",
            )
        entry.save()
