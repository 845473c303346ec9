from pathlib import Path

from django.core.management.base import BaseCommand

from insight.exports import regulatory_csv
from insight.periods import local_today
from insight.reports import regulatory_statistics


class Command(BaseCommand):
    help = (
        "Yearly and quarterly complaint statistics per regime as CSV (count, handled, handled "
        "ratio, average handling days, count per category). Reads the daily summary."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None, help="default: last year")
        parser.add_argument("--output", default="", help="file to write (default: standard output)")

    def handle(self, *args, year: int | None, output: str, **options):
        year = year or local_today().year - 1
        content = regulatory_csv(regulatory_statistics(year=year), year=year)
        if output:
            Path(output).write_text(content, encoding="utf-8")
            self.stderr.write(f"Wrote {output}")
        else:
            self.stdout.write(content, ending="")
