from django.core.management.base import BaseCommand, CommandError

from backoffice.audit.evidence import evidence_verify


class Command(BaseCommand):
    help = (
        "Verify an evidence package: its files match the manifest recorded in the audit "
        "chain, and each included chain entry's hash is recomputed from its content and "
        "matches the live chain."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH.zip")

    def handle(self, *args, path, **options):
        try:
            with open(path, "rb") as fh:
                report = evidence_verify(package=fh.read())
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        if not report.ok:
            raise CommandError(
                "evidence package does NOT verify:\n  " + "\n  ".join(report.problems)
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"evidence package OK: files match, {report.entries_checked} chain entries verified"
            )
        )
