from django.db import transaction

from backoffice.core.actors import system_actor

from .models import ServiceCredential, hash_secret


@transaction.atomic
def service_credential_create(*, name: str) -> tuple[ServiceCredential, str]:
    """Create a credential for an integrating system; returns it and the one-time token."""
    key_id, secret = ServiceCredential.new_secret()
    credential = ServiceCredential(
        name=name,
        key_id=key_id,
        secret_hash=hash_secret(secret),
        user=system_actor(f"service-{name}"),
    )
    credential._history_user = system_actor("api")
    credential._change_reason = "credential issued"
    credential.save()
    return credential, f"{key_id}.{secret}"
