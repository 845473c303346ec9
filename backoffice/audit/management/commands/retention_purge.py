from django.core.management.base import BaseCommand

from backoffice.audit.retention import retention_due, retention_purge


class Command(BaseCommand):
    help = (
        "Anonymise the complaints kept longer than their regulatory regime's retention "
        "period; each purge is recorded in the audit chain."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="only list the complaints that are due"
        )

    def handle(self, *args, dry_run: bool, **options):
        if dry_run:
            references = list(retention_due().values_list("reference", flat=True))
            self.stdout.write(f"{len(references)} complaint(s) past retention")
            for reference in references:
                self.stdout.write(f"  {reference}")
            return
        total = 0
        while purged := retention_purge():
            total += purged
        self.stdout.write(self.style.SUCCESS(f"{total} complaint(s) purged"))
