from datetime import date

from django.core.management.base import BaseCommand, CommandError

from backoffice.audit.evidence import evidence_export
from backoffice.core.actors import system_actor


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc


class Command(BaseCommand):
    help = (
        "Write the evidence package (timeline, compensation traces, audit chain hashes, "
        "HTML summary) of one complaint or of the complaints received in a date range."
    )

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--complaint", metavar="REF", help="complaint reference")
        scope.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
        parser.add_argument("--output", required=True, metavar="PATH.zip")
        parser.add_argument("--language", default="en", help="language of the HTML summary")

    def handle(self, *args, complaint, date_from, date_to, output, language, **options):
        from complaints.models import Complaint

        kwargs = {}
        if complaint:
            found = Complaint.objects.filter(reference=complaint).first()
            if found is None:
                raise CommandError(f"no complaint {complaint}")
            kwargs["complaint"] = found
        else:
            if not date_to:
                raise CommandError("--from needs --to")
            kwargs["date_from"], kwargs["date_to"] = _date(date_from), _date(date_to)
            if kwargs["date_from"] > kwargs["date_to"]:
                raise CommandError("--from is after --to")
        package = evidence_export(
            actor=system_actor("evidence-export"), language=language, **kwargs
        )
        with open(output, "wb") as fh:
            fh.write(package)
        self.stdout.write(self.style.SUCCESS(f"evidence package written to {output}"))
