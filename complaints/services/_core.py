"""Plumbing shared by the services: row locks, the transition runner, audit rows, customer
notices and SLA rescheduling."""

from datetime import timedelta
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django_fsm import ConcurrentTransition

from backoffice.core.actors import system_actor
from backoffice.notifications.services import notification_enqueue

from .. import exceptions
from ..clocks import progress_restart
from ..conf import setting
from ..models import (
    CLOCKS,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    EventKind,
    StaffAlert,
    Visibility,
)
from ..permissions import complaint_may


def locked(complaint: Complaint | int) -> Complaint:
    """The complaint re-read under a row lock (other writers wait, then see our result),
    its filing recorded first if that is still to do."""
    pk = complaint.pk if isinstance(complaint, Complaint) else complaint
    return with_filing_recorded(
        Complaint.objects.select_for_update(of=("self",))
        .select_related("customer", "regime", "owner")
        .get(pk=pk)
    )


def with_filing_recorded(complaint: Complaint) -> Complaint:
    """A complaint filed through the API gets its first history row and "submitted" event
    from the intake follow-up; whoever locks it before that runs this part first, so that
    the history starts with the complaint as filed (the caller holds the row lock)."""
    if complaint.intake_followup_pending:
        from .intake import complaint_intake_record  # intake builds on this module

        complaint_intake_record(complaint)
    return complaint


def require_permission(complaint: Complaint, actor: Any, action: str) -> None:
    if not complaint_may(actor, complaint, action):
        raise exceptions.ActionNotPermitted()


def require_text(value: str | None, field: str, error=exceptions.ReasonRequired) -> str:
    text = (value or "").strip()
    if not text:
        raise error(fields={field: [{"code": error.code, "message": str(error.message)}]})
    return text


def record_event(
    complaint: Complaint,
    *,
    actor: Any,
    kind: str,
    reason: str = "",
    visibility: str = Visibility.INTERNAL,
    from_state: str = "",
    to_state: str = "",
    data: dict | None = None,
) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        visibility=visibility,
        data=data or {},
    )


def sla_reschedule(complaint: Complaint, *, now=None) -> None:
    """Recompute `next_sla_due_at` (earliest running deadline not yet breached) and
    `sla_check_at` (when the sweep must look: the warning time, or the deadline once
    warned). Paused and finished complaints are not looked at at all."""
    now = now or timezone.now()
    if complaint.sla_paused_at is not None or not complaint.is_open:
        complaint.next_sla_due_at = complaint.sla_check_at = None
        return
    breached = set()
    if complaint.pk:
        breached = set(complaint.sla_breaches.values_list("clock", "due_at"))
    running = [
        due
        for clock in CLOCKS
        if (due := getattr(complaint, f"{clock}_due_at")) is not None
        and (clock, due) not in breached
    ]
    next_due = min(running, default=None)
    complaint.next_sla_due_at = next_due
    if next_due is None:
        complaint.sla_check_at = None
    elif complaint.sla_warned_due_at == next_due:
        complaint.sla_check_at = next_due
    else:
        warn = timedelta(minutes=setting("COMPLAINT_SLA_WARNING_MINUTES"))
        complaint.sla_check_at = next_due - warn


def save(complaint: Complaint, *, actor: Any, reason: str) -> None:
    complaint._change_reason = reason[:100]
    complaint._history_user = actor
    sla_reschedule(complaint)
    try:
        complaint.save()
    except ConcurrentTransition as exc:
        raise exceptions.ConcurrentChange() from exc


def run_transition(
    complaint: Complaint,
    *,
    actor: Any,
    name: str,
    reason: str = "",
    visibility: str = Visibility.INTERNAL,
    data: dict | None = None,
    **kwargs: Any,
) -> ComplaintEvent:
    """Check the state, the actor's permission and the guards (each with its own error),
    run the pure transition, save with the history reason and write the event."""
    method = getattr(complaint, name)
    meta = method._django_fsm
    from_state = complaint.state
    if not meta.has_transition(from_state):
        raise exceptions.InvalidTransition()
    fsm_transition = meta.get_transition(from_state)
    if not fsm_transition.has_perm(complaint, actor):
        raise exceptions.ActionNotPermitted()
    for condition in fsm_transition.conditions or []:
        if not condition(complaint):
            raise condition.error()
    method(**kwargs)
    if visibility == Visibility.CUSTOMER and getattr(actor, "is_staff", False):
        progress_restart(complaint, now=timezone.now())  # staff told the customer: an update
    save(complaint, actor=actor, reason=f"{name}: {reason}" if reason else name)
    return record_event(
        complaint,
        actor=actor,
        kind=EventKind.TRANSITION,
        reason=reason,
        visibility=visibility,
        from_state=from_state,
        to_state=complaint.state,
        data={"transition": name, **(data or {})},
    )


def customer_channels(complaint: Complaint) -> tuple[str, str]:
    """The customer's preferred channel, with in-app messages as the last resort."""
    channel = complaint.customer.preferred_channel
    return channel, ("in_app" if channel != "in_app" else "")


def notify_customer(
    complaint: Complaint, *, template: str, event: ComplaintEvent, context: dict | None = None
):
    channel, fallback = customer_channels(complaint)
    return notification_enqueue(
        customer=complaint.customer,
        template_key=template,
        context={
            "reference": complaint.reference,
            "customer_name": complaint.customer.name,
            "category_label": untranslated(ComplaintCategory(complaint.category).label),
            **(context or {}),
        },
        idempotency_key=f"complaint:{complaint.reference}:{template}:{event.pk}",
        channel=channel,
        fallback_channel=fallback,
        topic=topic_of(complaint),
    )


def untranslated(label: Any) -> str:
    """The English msgid of a lazy label: stored in the outbox context, the template
    translates it into the customer's language."""
    with translation.override(None):
        return str(label)


def topic_of(complaint: Complaint) -> str:
    return f"complaint:{complaint.reference}"


def system(name: str = "complaints") -> Any:
    return system_actor(name)


def on_commit(func) -> None:
    transaction.on_commit(func)


def alert_staff(recipient: Any, complaint: Complaint, *, kind: str, message: str) -> None:
    """A staff alert row, and an e-mail after commit when the person has an address."""
    if recipient is None:
        return
    StaffAlert.objects.create(recipient=recipient, complaint=complaint, kind=kind, message=message)
    if recipient.email:
        subject = f"[{complaint.reference}] {message}"[:200]

        def send() -> None:
            send_mail(subject, message, None, [recipient.email], fail_silently=True)

        transaction.on_commit(send)
