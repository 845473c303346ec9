import csv
import json

from django.core.management.base import BaseCommand, CommandError

from backoffice.core.actors import system_actor
from backoffice.core.exceptions import ApplicationError
from backoffice.customers.services import transaction_ingest_batch


class Command(BaseCommand):
    help = (
        "Import payment-core transactions from a CSV file (header row with the API's field "
        "names). All or nothing: any bad row rejects the file and saves nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path: str, **options):
        try:
            with open(path, newline="", encoding="utf-8-sig") as handle:
                rows = [{k: v for k, v in row.items() if k} for row in csv.DictReader(handle)]
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        try:
            result = transaction_ingest_batch(rows=rows, actor=system_actor("csv-import"))
        except ApplicationError as exc:
            # CSV rows are numbered from 2 (the header is line 1).
            for problem in exc.fields.get("rows", []):
                problem["line"] = problem.pop("row") + 2
                self.stderr.write(json.dumps(problem, ensure_ascii=False))
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(
            f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}"
        )
