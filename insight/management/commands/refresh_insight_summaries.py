from django.core.management.base import BaseCommand

from insight.services import summary_refresh


class Command(BaseCommand):
    help = "Refresh the insight daily summary now (what the periodic job does); --full rebuilds it."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="recompute every day")

    def handle(self, *args, full: bool, **options):
        self.stdout.write(str(summary_refresh(full=full)))
