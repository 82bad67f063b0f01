"""The Celery app: configured from Django settings (CELERY_*), tasks in physlit/tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "physlit.settings")

app = Celery("physlit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(lambda: ["physlit"], related_name="tasks")
