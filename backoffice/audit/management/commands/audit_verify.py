from django.core.management.base import BaseCommand, CommandError

from backoffice.audit.services import audit_seal, audit_verify


class Command(BaseCommand):
    help = "Verify the whole audit chain; reports the first broken link and exits non-zero."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-seal", action="store_true", help="do not seal pending entries first"
        )

    def handle(self, *args, no_seal: bool, **options):
        if not no_seal:
            while audit_seal():
                pass
        report = audit_verify()
        if not report.ok:
            raise CommandError(
                f"audit chain BROKEN at #{report.broken_at}: {report.problem} "
                f"({report.checked} entries verified before it)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"audit chain OK: {report.checked} entries, head hash {report.head_hash}"
            )
        )
