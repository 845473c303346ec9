from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string

from insight.exports import case_review_pdf
from insight.forms import parse_month
from insight.reports import case_review


class Command(BaseCommand):
    help = (
        "Write the monthly case review: typical cases, SLA misses, escalations and the "
        "largest compensations."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", default="", help="YYYY-MM (default: last month)")
        parser.add_argument("--format", choices=["html", "pdf"], default="html")
        parser.add_argument("--output", default="", help="file to write (default: standard output)")

    def handle(self, *args, month: str, format: str, output: str, **options):
        try:
            first = parse_month(month)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        review = case_review(month=first)
        if format == "pdf":
            content = case_review_pdf(review)
            if not output:
                raise CommandError("--output is required with --format pdf")
            Path(output).write_bytes(content)
        else:
            html = render_to_string("insight/case_review_standalone.html", {"review": review})
            if not output:
                self.stdout.write(html)
                return
            Path(output).write_text(html, encoding="utf-8")
        self.stderr.write(f"Wrote {output}")
