"""A service credential for trying the payment-core API."""

from .models import ServiceCredential
from .services import service_credential_create


def seed_demo(ctx) -> None:
    if ServiceCredential.objects.filter(name="payment-core-demo").exists():
        ctx.out(
            "service credential payment-core-demo exists (its secret is shown only once; "
            "issue another with: manage.py create_service_credential NAME)"
        )
        return
    _, token = service_credential_create(name="payment-core-demo")
    ctx.out(f"payment core demo credential — Authorization: Service {token}")
