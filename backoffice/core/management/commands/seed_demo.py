import importlib.util
import random
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


@dataclass
class DemoContext:
    password: str
    out: object
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    logins: list[tuple[str, str]] = field(default_factory=list)


class Command(BaseCommand):
    help = (
        "Create demo staff, customers, transactions and each app's demo data. Safe to run "
        "again: existing demo data is kept and the passwords are reset."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo-pass-2026")
        parser.add_argument("--force", action="store_true", help="run even with debug off")

    def handle(self, *args, password: str, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to load demo data with DJANGO_DEBUG off; use --force.")
        ctx = DemoContext(password=password, out=self.stdout.write)
        with transaction.atomic():
            # Each app may ship a `demo` module with seed_demo(ctx); INSTALLED_APPS order.
            for config in apps.get_app_configs():
                module = f"{config.name}.demo"
                if importlib.util.find_spec(module) is not None:
                    importlib.import_module(module).seed_demo(ctx)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password: {password}):"))
        for username, role in ctx.logins:
            self.stdout.write(f"  {username:<24} {role}")
        self.stdout.write("Admin: http://127.0.0.1:8000/admin/   API docs: /api/docs/")
