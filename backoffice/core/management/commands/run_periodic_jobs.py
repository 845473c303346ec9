import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backoffice.celery import app


class Command(BaseCommand):
    help = (
        "Run one tick of every periodic job in-process (what Celery beat would schedule). "
        "For deployments without a broker: call it from cron every minute. Jobs are idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--only", action="append", default=[], help="job name (repeatable)")

    def handle(self, *args, only: list[str], **options):
        app.loader.import_default_modules()
        jobs = {n: j for n, j in settings.PERIODIC_JOBS.items() if not only or n in only}
        unknown = set(only) - set(jobs)
        if unknown:
            raise CommandError(f"unknown job(s): {', '.join(sorted(unknown))}")
        failed = []
        for name, (task_name, _seconds) in jobs.items():
            started = time.perf_counter()
            result = app.tasks[task_name].apply()
            elapsed = time.perf_counter() - started
            if result.failed():
                failed.append(name)
                self.stderr.write(f"{name}: FAILED after {elapsed:.2f}s: {result.result!r}")
            else:
                self.stdout.write(f"{name}: ok in {elapsed:.2f}s ({result.result})")
        if failed:
            raise CommandError(f"{len(failed)} job(s) failed: {', '.join(failed)}")
