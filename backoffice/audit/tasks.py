from celery import shared_task

from backoffice.core.wakeups import woken

from .services import SEAL_WAKEUP, audit_seal


@shared_task(name="audit.seal", ignore_result=True)
def seal_audit_chain() -> int:
    """Seal everything pending; idempotent (sealing is serialised by a row lock)."""
    woken(SEAL_WAKEUP)
    total = 0
    while sealed := audit_seal():
        total += sealed
    return total


@shared_task(name="audit.retention_purge", ignore_result=True)
def purge_past_retention() -> int:
    """Anonymise the complaints past their regime's retention period (daily)."""
    from .retention import retention_purge

    total = 0
    while purged := retention_purge():
        total += purged
    return total
