from django.core.management.base import BaseCommand

from backoffice.api.services import service_credential_create


class Command(BaseCommand):
    help = "Issue a service credential for an integrating system; prints the token once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the system's name, e.g. payment-core")

    def handle(self, *args, name: str, **options):
        credential, token = service_credential_create(name=name)
        self.stdout.write(f"Service credential '{credential.name}' created.")
        self.stdout.write(f"Authorization: Service {token}")
        self.stdout.write("Store it now: the secret is not kept and cannot be shown again.")
