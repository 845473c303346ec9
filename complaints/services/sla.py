"""The SLA sweep, the holding reply (statutory extension) and the automatic close.

The sweep selects complaints by the indexed `sla_check_at` column only, so its cost
grows with what is due, not with the table. Each complaint is handled under a row lock
taken with SKIP LOCKED, and each breach is a unique row: two sweeps at once never record
a breach twice nor escalate twice."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.roles.models import Role

from .. import exceptions
from ..clocks import regime_deadline, sla_policy_for
from ..conf import setting
from ..models import (
    CLOCKS,
    ESCALATABLE_STATES,
    AlertKind,
    Complaint,
    ComplaintSlaBreach,
    ComplaintState,
    EventKind,
    SlaClock,
    Visibility,
)
from ..permissions import Action
from ..selectors import local_time_text
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
    sla_reschedule,
    system,
    with_filing_recorded,
)
from .workflow import escalate_locked


@dataclass
class SweepResult:
    checked: int = 0
    breaches: int = 0
    escalations: int = 0
    warnings: int = 0


def _supervisors_of(owner: Any) -> list[Any]:
    lead = getattr(getattr(owner, "complaint_profile", None), "team_lead", None)
    if lead is not None and lead.is_active:
        return [lead]
    return list(get_user_model().objects.filter(is_active=True, groups__name=Role.SUPERVISOR))


def _record_breach(complaint: Complaint, clock: str, due: datetime, now: datetime, result) -> None:
    breach, created = ComplaintSlaBreach.objects.get_or_create(
        complaint=complaint, clock=clock, due_at=due, defaults={"breached_at": now}
    )
    if not created:
        return
    result.breaches += 1
    robot = system("sla-sweep")
    label = SlaClock(clock).label
    record_event(
        complaint,
        actor=robot,
        kind=EventKind.SLA_BREACH,
        reason=str(label),
        data={"clock": clock, "due_at": due.isoformat()},
    )
    message = _("Complaint %(ref)s missed its deadline: %(clock)s.") % {
        "ref": complaint.reference,
        "clock": label,
    }
    for person in {complaint.owner, *_supervisors_of(complaint.owner)} - {None}:
        alert_staff(person, complaint, kind=AlertKind.SLA_BREACH, message=message)
    policy = sla_policy_for(category=complaint.category, priority=complaint.priority)
    if (
        policy.escalates_on(clock)
        and complaint.state in ESCALATABLE_STATES
        and complaint.escalation_level < 2
    ):
        escalate_locked(complaint, actor=robot, reason=message)
        breach.escalated = True
        breach.save(update_fields=["escalated"])
        result.escalations += 1


def _warn(complaint: Complaint, now: datetime, result: SweepResult) -> None:
    due = complaint.next_sla_due_at
    window = timedelta(minutes=setting("COMPLAINT_SLA_WARNING_MINUTES"))
    if due is None or not now < due <= now + window or complaint.sla_warned_due_at == due:
        return
    complaint.sla_warned_due_at = due
    result.warnings += 1
    minutes = max(int((due - now).total_seconds() // 60), 0)
    message = _("Complaint %(ref)s is due in %(minutes)d minutes.") % {
        "ref": complaint.reference,
        "minutes": minutes,
    }
    alert_staff(complaint.owner, complaint, kind=AlertKind.SLA_WARNING, message=message)
    record_event(
        complaint,
        actor=system("sla-sweep"),
        kind=EventKind.SLA_WARNING,
        data={"due_at": due.isoformat()},
    )


def _sweep_one(complaint: Complaint, now: datetime, result: SweepResult) -> None:
    result.checked += 1
    for clock in CLOCKS:
        due = getattr(complaint, f"{clock}_due_at")
        if due is not None and due <= now:
            _record_breach(complaint, clock, due, now, result)
    sla_reschedule(complaint, now=now)
    _warn(complaint, now, result)
    save(complaint, actor=system("sla-sweep"), reason="SLA sweep")


def sla_sweep(*, now: datetime | None = None) -> SweepResult:
    """Record missed deadlines once, warn owners before, escalate as configured."""
    now = now or timezone.now()
    result = SweepResult()
    due_ids = list(
        Complaint.objects.filter(sla_check_at__lte=now)
        .order_by("sla_check_at")
        .values_list("pk", flat=True)[: setting("COMPLAINT_SWEEP_BATCH")]
    )
    for pk in due_ids:
        with transaction.atomic():
            complaint = (
                Complaint.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("customer", "regime", "owner")
                .filter(pk=pk, sla_check_at__lte=now)
                .first()
            )
            if complaint is not None:
                _sweep_one(with_filing_recorded(complaint), now, result)
    return result


@transaction.atomic
def complaint_extend_statutory(*, complaint: Complaint, actor: Any, reason: str) -> Complaint:
    """Holding reply: the final-response deadline moves to the regime's extended limit,
    once, with a logged reason and a notice to the customer."""
    reason = require_text(reason, "reason")
    complaint = locked(complaint)
    require_permission(complaint, actor, Action.EXTEND_STATUTORY)
    regime = complaint.regime
    if (
        complaint.statutory_due_at is None
        or complaint.statutory_extended_at is not None
        or regime.extended_days <= regime.statutory_days
    ):
        raise exceptions.StatutoryExtensionNotAllowed()
    received = complaint.created_at
    original = regime_deadline(regime=regime, received_at=received, days=regime.statutory_days)
    paused = complaint.statutory_due_at - original  # time already spent waiting for the customer
    extended = regime_deadline(regime=regime, received_at=received, days=regime.extended_days)
    complaint.statutory_due_at = extended + paused
    complaint.statutory_extended_at = timezone.now()
    save(complaint, actor=actor, reason=f"holding reply: {reason}")
    event = record_event(
        complaint,
        actor=actor,
        kind=EventKind.SLA_EXTENSION,
        reason=reason,
        visibility=Visibility.CUSTOMER,
        data={"statutory_due_at": complaint.statutory_due_at.isoformat()},
    )
    notify_customer(
        complaint,
        template="complaint_holding_reply",
        event=event,
        context={
            "reason": reason,
            "final_by": local_time_text(complaint.statutory_due_at, complaint.customer),
            "regulator_name": regime.regulator_name,
            "regulator_contact": regime.regulator_contact,
        },
    )
    return complaint


def complaint_auto_close_due(*, now: datetime | None = None) -> int:
    """Close complaints whose customer has not answered the resolution notice within
    COMPLAINT_AUTO_CLOSE_DAYS, with a notice. Idempotent and safe to run concurrently."""
    now = now or timezone.now()
    days = setting("COMPLAINT_AUTO_CLOSE_DAYS")
    cutoff = now - timedelta(days=days)
    due = Complaint.objects.filter(
        state=ComplaintState.AWAITING_CONFIRMATION, resolution_notice_sent_at__lte=cutoff
    )
    closed = 0
    for pk in list(due.values_list("pk", flat=True)[: setting("COMPLAINT_SWEEP_BATCH")]):
        with transaction.atomic():
            complaint = (
                due.select_for_update(skip_locked=True, of=("self",))
                .select_related("customer", "regime")
                .filter(pk=pk)
                .first()
            )
            if complaint is None:
                continue
            robot = system("auto-close")
            reason = _("No answer within %(days)d days.") % {"days": days}
            event = run_transition(
                complaint,
                actor=robot,
                name="auto_close",
                reason=reason,
                visibility=Visibility.CUSTOMER,
                at=now,
            )
            complaint_closed.send(sender=Complaint, complaint=complaint)
            notify_customer(
                complaint, template="complaint_auto_closed", event=event, context={"days": days}
            )
            closed += 1
    return closed
