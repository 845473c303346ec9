"""Celery shims: load by id, call a service. Every task is idempotent."""

from celery import shared_task

from .services import compensation_execute, compensation_expire_stale, compensation_reconcile


@shared_task(name="compensation.execute_proposal", ignore_result=True)
def execute_proposal(proposal_id: int) -> str:
    """Pay out the executing lines of an approved proposal (after the approval commits)."""
    return compensation_execute(proposal_id=proposal_id).state


@shared_task(name="compensation.reconcile_unknown", ignore_result=True)
def reconcile_unknown() -> int:
    """Every minute: settle unknown payouts by asking the gateway; resume lost ones."""
    return compensation_reconcile()


@shared_task(name="compensation.expire_proposals", ignore_result=True)
def expire_proposals() -> int:
    """Hourly: drafts and pending proposals left undecided expire."""
    return compensation_expire_stale()
