"""The Celery application. With no REDIS_URL, tasks run in-process (embedded default)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hds_platform.settings")

app = Celery("maillon")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
