"""The complaint's life: one service per transition. Each locks the row, checks the
actor's permission and the guards (run_transition), saves with a history reason, writes
the event and queues the customer notice in the same transaction."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.exceptions import ValidationFailed

from .. import exceptions
from ..clocks import progress_restart
from ..models import (
    AlertKind,
    Complaint,
    ComplaintState,
    Complexity,
    EventKind,
    Priority,
    RootCause,
    Visibility,
)
from ..permissions import Action
from ..selectors import complaint_sla_promises
from ..signals import complaint_closed
from ._core import (
    alert_staff,
    locked,
    notify_customer,
    record_event,
    require_permission,
    require_text,
    run_transition,
    save,
)
from .assignment import owner_for_level
from .notices import require_notice_allowed, send_resolution_notice

# Root causes that mean a third party or a technical investigation: complex complaints.
_COMPLEX_CAUSES = {RootCause.THIRD_PARTY, RootCause.BANK_CHANNEL, RootCause.OWN_SYSTEM}


def staff_update(complaint: Complaint, actor: Any) -> None:
    """A customer-visible step by staff counts as a progress update."""
    if getattr(actor, "is_staff", False):
        progress_restart(complaint, now=timezone.now())
        save(complaint, actor=actor, reason="progress update")


@transaction.atomic
def complaint_acknowledge(*, complaint: Complaint, actor: Any, reason: str = "") -> Complaint:
    """The acknowledging agent owns the complaint from now on (first responder)."""
    complaint = locked(complaint)
    event = run_transition(
        complaint,
        actor=actor,
        name="acknowledge",
        reason=reason,
        visibility=Visibility.CUSTOMER,
        by=actor,
        at=timezone.now(),
    )
    promises = complaint_sla_promises(complaint=complaint)
    notify_customer(
        complaint, template="complaint_acknowledged", event=event, context={"promises": promises}
    )
    return complaint


@transaction.atomic
def complaint_start_investigation(*, complaint: Complaint, actor: Any, plan: str) -> Complaint:
    """The initial judgement and plan (within 24 hours), or after an escalation the new
    owner's follow-up plan: nobody investigates without a recorded plan."""
    plan = require_text(plan, "plan", exceptions.FollowUpPlanRequired)
    complaint = locked(complaint)
    run_transition(
        complaint,
        actor=actor,
        name="start_investigation",
        reason=plan,
        visibility=Visibility.CUSTOMER,
        plan=plan,
        at=timezone.now(),
    )
    return complaint


@transaction.atomic
def complaint_request_info(*, complaint: Complaint, actor: Any, reason: str) -> Complaint:
    """Ask the customer for information; the clocks pause until the answer."""
    reason = require_text(reason, "reason")
    complaint = locked(complaint)
    event = run_transition(
        complaint,
        actor=actor,
        name="request_info",
        reason=reason,
        visibility=Visibility.CUSTOMER,
        at=timezone.now(),
    )
    notify_customer(
        complaint, template="complaint_info_requested", event=event, context={"request": reason}
    )
    return complaint


@transaction.atomic
def complaint_resume_investigation(
    *, complaint: Complaint, actor: Any, reason: str = ""
) -> Complaint:
    """Back to investigating (the customer answered, or staff decide to go on without)."""
    complaint = locked(complaint)
    run_transition(
        complaint,
        actor=actor,
        name="resume_investigation",
        reason=reason,
        visibility=Visibility.CUSTOMER,
        at=timezone.now(),
    )
    return complaint


@transaction.atomic
def complaint_set_root_cause(
    *,
    complaint: Complaint,
    actor: Any,
    root_cause: str,
    customer_at_fault: bool | None = None,
    reason: str = "",
) -> Complaint:
    """Record the root cause; third-party, bank-channel and own-system causes make the
    complaint complex (progress updates every 48 hours)."""
    if root_cause not in RootCause.values:
        raise ValidationFailed(
            fields={"root_cause": [{"code": "invalid_choice", "message": _("Unknown cause.")}]}
        )
    complaint = locked(complaint)
    require_permission(complaint, actor, Action.SET_ROOT_CAUSE)
    if not complaint.is_open:
        raise exceptions.InvalidTransition()
    complaint.root_cause = root_cause
    complaint.customer_at_fault = (
        root_cause == RootCause.CUSTOMER if customer_at_fault is None else customer_at_fault
    )
    if root_cause in _COMPLEX_CAUSES and complaint.complexity != Complexity.COMPLEX:
        complaint.complexity = Complexity.COMPLEX
        progress_restart(complaint, now=timezone.now())
    save(complaint, actor=actor, reason=f"root cause: {root_cause}")
    record_event(
        complaint,
        actor=actor,
        kind=EventKind.ROOT_CAUSE,
        reason=reason,
        data={"root_cause": root_cause, "customer_at_fault": complaint.customer_at_fault},
    )
    return complaint


@transaction.atomic
def complaint_classify(
    *,
    complaint: Complaint,
    actor: Any,
    reason: str,
    priority: str | None = None,
    complexity: str | None = None,
) -> Complaint:
    """Change priority or complexity, saying why."""
    reason = require_text(reason, "reason")
    if priority is not None and priority not in Priority.values:
        raise ValidationFailed(
            fields={"priority": [{"code": "invalid_choice", "message": _("Unknown priority.")}]}
        )
    if complexity is not None and complexity not in Complexity.values:
        raise ValidationFailed(
            fields={"complexity": [{"code": "invalid_choice", "message": _("Unknown complexity.")}]}
        )
    complaint = locked(complaint)
    require_permission(complaint, actor, Action.CLASSIFY)
    if not complaint.is_open:
        raise exceptions.InvalidTransition()
    changes = {}
    if priority and priority != complaint.priority:
        changes["priority"] = [complaint.priority, priority]
        complaint.priority = priority
    if complexity and complexity != complaint.complexity:
        changes["complexity"] = [complaint.complexity, complexity]
        complaint.complexity = complexity
        progress_restart(complaint, now=timezone.now())
    save(complaint, actor=actor, reason=f"classified: {reason}")
    record_event(complaint, actor=actor, kind=EventKind.CLASSIFICATION, reason=reason, data=changes)
    return complaint


@transaction.atomic
def complaint_propose_resolution(
    *, complaint: Complaint, actor: Any, summary: str, follow_up_advice: str = ""
) -> Complaint:
    """Needs the identity verified, a root cause and the resolution described."""
    complaint = locked(complaint)
    complaint.resolution_summary = (summary or "").strip()
    complaint.follow_up_advice = (follow_up_advice or "").strip()
    run_transition(complaint, actor=actor, name="propose_resolution", reason=summary)
    return complaint


@transaction.atomic
def complaint_send_resolution_notice(*, complaint: Complaint, actor: Any) -> Complaint:
    """Send the resolution notice; other apps may hold it back (e.g. compensation awaiting
    approval). The customer then accepts or rejects it."""
    complaint = locked(complaint)
    require_permission(complaint, actor, Action.SEND_RESOLUTION_NOTICE)
    if complaint.state == ComplaintState.RESOLUTION_PROPOSED:
        require_notice_allowed(complaint)
    event = run_transition(
        complaint,
        actor=actor,
        name="send_resolution_notice",
        reason=complaint.resolution_summary,
        visibility=Visibility.CUSTOMER,
        at=timezone.now(),
    )
    send_resolution_notice(complaint, event=event)
    return complaint


def _close(complaint: Complaint, *, actor: Any, name: str, reason: str) -> None:
    run_transition(
        complaint,
        actor=actor,
        name=name,
        reason=reason,
        visibility=Visibility.CUSTOMER,
        at=timezone.now(),
    )
    complaint_closed.send(sender=Complaint, complaint=complaint)


@transaction.atomic
def complaint_accept_resolution(*, complaint: Complaint, actor: Any, reason: str = "") -> Complaint:
    """The customer accepts (in the app, or staff record it from a call): closed."""
    complaint = locked(complaint)
    _close(complaint, actor=actor, name="accept_resolution", reason=reason)
    return complaint


@transaction.atomic
def complaint_reject_resolution(*, complaint: Complaint, actor: Any, reason: str) -> Complaint:
    """The customer is not satisfied: escalated one level up with a new owner, who must
    record a follow-up plan before investigating again."""
    reason = require_text(reason, "reason")
    complaint = locked(complaint)
    new_owner = owner_for_level(min(complaint.escalation_level + 1, 2))
    event = run_transition(
        complaint,
        actor=actor,
        name="reject_resolution",
        reason=reason,
        visibility=Visibility.CUSTOMER,
        why=reason,
        new_owner=new_owner,
    )
    _after_escalation(complaint, new_owner, reason)
    notify_customer(complaint, template="complaint_escalated", event=event)
    return complaint


@transaction.atomic
def complaint_escalate(*, complaint: Complaint, actor: Any, reason: str) -> Complaint:
    """One level up (supervisor, then manager / special team) with a new owner."""
    reason = require_text(reason, "reason")
    complaint = locked(complaint)
    escalate_locked(complaint, actor=actor, reason=reason)
    return complaint


def escalate_locked(complaint: Complaint, *, actor: Any, reason: str) -> None:
    """Escalation of a complaint the caller has locked (also used by the SLA sweep)."""
    new_owner = owner_for_level(complaint.escalation_level + 1)
    run_transition(
        complaint,
        actor=actor,
        name="escalate",
        reason=reason,
        why=reason,
        new_owner=new_owner,
        at=timezone.now(),
    )
    _after_escalation(complaint, new_owner, reason)


def _after_escalation(complaint: Complaint, new_owner: Any, reason: str) -> None:
    message = _("Complaint %(ref)s was escalated to you: %(reason)s") % {
        "ref": complaint.reference,
        "reason": reason,
    }
    alert_staff(new_owner, complaint, kind=AlertKind.ESCALATED, message=message[:500])


@transaction.atomic
def complaint_reject(*, complaint: Complaint, actor: Any, reason: str) -> Complaint:
    """Invalid, duplicate or out of scope: the customer is told why."""
    reason = require_text(reason, "reason")
    complaint = locked(complaint)
    event = run_transition(
        complaint, actor=actor, name="reject", reason=reason, visibility=Visibility.CUSTOMER
    )
    notify_customer(
        complaint, template="complaint_rejected", event=event, context={"reason": reason}
    )
    return complaint


@transaction.atomic
def complaint_withdraw(*, complaint: Complaint, actor: Any, reason: str = "") -> Complaint:
    complaint = locked(complaint)
    run_transition(
        complaint, actor=actor, name="withdraw", reason=reason, visibility=Visibility.CUSTOMER
    )
    return complaint


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, actor: Any, reason: str) -> Complaint:
    """Back to investigating, within COMPLAINT_REOPEN_DAYS of closing."""
    reason = require_text(reason, "reason")
    complaint = locked(complaint)
    run_transition(
        complaint, actor=actor, name="reopen", reason=reason, visibility=Visibility.CUSTOMER
    )
    return complaint


@transaction.atomic
def complaint_rate(*, complaint: Complaint, actor: Any, score: int, reason: str = "") -> Complaint:
    """The customer's satisfaction (1 to 5) once the complaint is closed; once."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed(
            fields={"score": [{"code": "out_of_range", "message": _("Give a score from 1 to 5.")}]}
        )
    complaint = locked(complaint)
    require_permission(complaint, actor, Action.RATE)
    if complaint.state != ComplaintState.CLOSED or complaint.satisfaction_score is not None:
        raise exceptions.RatingNotAllowed()
    complaint.satisfaction_score = score
    complaint.satisfaction_reason = (reason or "").strip()
    complaint.rated_at = timezone.now()
    save(complaint, actor=actor, reason=f"rated {score}")
    record_event(
        complaint,
        actor=actor,
        kind=EventKind.RATING,
        reason=complaint.satisfaction_reason,
        visibility=Visibility.CUSTOMER,
        data={"score": score},
    )
    return complaint
