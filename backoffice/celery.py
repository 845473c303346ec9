"""The Celery app. Beat's schedule is built from settings.PERIODIC_JOBS, the same list that
`manage.py run_periodic_jobs` runs once, so a deployment without a broker can drive the
periodic work from cron."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings.base")

app = Celery("backoffice")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _build_beat_schedule(sender: Celery, **kwargs: object) -> None:
    from django.conf import settings

    sender.conf.beat_schedule = {
        name: {"task": task, "schedule": float(seconds), "options": {"expires": seconds}}
        for name, (task, seconds) in settings.PERIODIC_JOBS.items()
    }
