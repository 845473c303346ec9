"""Celery shims: load by id, call a service. Every task is idempotent."""

from dataclasses import asdict

from celery import shared_task

from backoffice.core.actors import system_actor

from .models import Complaint
from .services import (
    complaint_auto_close_due,
    complaint_intake_followup_drain,
    complaint_intake_followup_due,
    complaint_verify_transactions,
    sla_sweep,
)


@shared_task(name="complaints.sla_sweep", ignore_result=True)
def run_sla_sweep() -> dict:
    """Every minute: breaches recorded once, warnings, escalations."""
    return asdict(sla_sweep())


@shared_task(name="complaints.auto_close", ignore_result=True)
def run_auto_close() -> int:
    """Close complaints whose customer did not answer the resolution notice in time."""
    return complaint_auto_close_due()


@shared_task(name="complaints.verify_transactions", ignore_result=True)
def verify_transactions(complaint_id: int) -> int:
    complaint = Complaint.objects.filter(pk=complaint_id).first()
    if complaint is None:
        return 0
    findings = complaint_verify_transactions(complaint=complaint, actor=system_actor("complaints"))
    return len(findings)


@shared_task(name="complaints.intake_followup_drain", ignore_result=True)
def drain_intake_followups() -> int:
    """Woken after API filings commit: their verification, assignment, acknowledgement."""
    return complaint_intake_followup_drain()


@shared_task(name="complaints.intake_followup_due", ignore_result=True)
def run_intake_followup_due() -> int:
    """Every 30 s: follow-ups whose task was lost."""
    return complaint_intake_followup_due()
