from celery import shared_task

from .services import audit_seal


@shared_task(name="audit.seal", ignore_result=True)
def seal_audit_chain() -> int:
    """Seal everything pending; idempotent (sealing is serialised by a row lock)."""
    total = 0
    while sealed := audit_seal():
        total += sealed
    return total
