"""Readers: what staff and customers see of complaints."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from backoffice.customers.models import Customer
from backoffice.notifications.models import Notification
from backoffice.roles.selectors import user_roles

from .conf import setting
from .exceptions import ComplaintNotFound
from .models import (
    OPEN_STATES,
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    ComplaintMessage,
    ComplaintSlaBreach,
    Visibility,
)

_PROMISES = {
    "acknowledge": "acknowledge_due_at",
    "first_response": "first_response_due_at",
    "statutory": "statutory_due_at",
}


def local_time_text(value: datetime, customer: Customer) -> str:
    zone = ZoneInfo(customer.time_zone)
    local = value.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} ({local.tzname()})"


def complaint_sla_promises(*, complaint: Complaint) -> list[dict[str, str]]:
    """The deadlines promised to the customer, in the customer's time zone."""
    if complaint.sla_paused_at is not None:
        return [{"clock": "paused", "when": ""}]
    return [
        {"clock": clock, "when": local_time_text(due, complaint.customer)}
        for clock, field in _PROMISES.items()
        if (due := getattr(complaint, field)) is not None
    ]


def promise_sentence(clock: str, when: str) -> str:
    sentences = {
        "acknowledge": _("We will acknowledge your complaint by %(when)s."),
        "first_response": _("We will give you our initial assessment and plan by %(when)s."),
        "statutory": _("We will send you our final response by %(when)s at the latest."),
        "paused": _("Our deadlines are paused until you send us the information we asked for."),
    }
    return sentences[clock] % {"when": when}


def complaint_sla_expectations(*, complaint: Complaint, language: str | None = None) -> list[str]:
    """The promises as sentences ("we will reply by …") in the customer's language."""
    with translation.override(language or complaint.customer.language):
        return [
            promise_sentence(p["clock"], p["when"])
            for p in complaint_sla_promises(complaint=complaint)
        ]


def complaint_list_for_customer(*, customer: Customer) -> QuerySet[Complaint]:
    return (
        Complaint.objects.filter(customer=customer)
        .select_related("customer")
        .order_by("-created_at", "-id")
    )


def complaint_get_for_customer(*, customer: Customer, reference: str) -> Complaint:
    """The customer's own complaint; anyone else's is "not found", never "forbidden"."""
    complaint = (
        Complaint.objects.filter(customer=customer, reference=reference)
        .select_related("customer", "regime")
        .first()
    )
    if complaint is None:
        raise ComplaintNotFound()
    return complaint


def staff_label(user: Any) -> dict[str, str]:
    """What a customer may know about a staff member: a first name and a role."""
    roles = user_roles(user)
    role = next((r for r in ("manager", "supervisor", "agent") if r in roles), "")
    return {"first_name": user.first_name or _("Customer service"), "role": role}


def complaint_timeline(*, complaint: Complaint, for_customer: bool) -> list[dict[str, Any]]:
    """Events, messages and notices (with delivery receipts) in time order. Customers get
    only customer-visible events, never internal notes or staff details."""
    events = ComplaintEvent.objects.filter(complaint=complaint).select_related("actor")
    if for_customer:
        events = events.filter(visibility=Visibility.CUSTOMER)
    messages = (
        ComplaintMessage.objects.filter(complaint=complaint)
        .prefetch_related(
            Prefetch("attachments", queryset=ComplaintAttachment.objects.order_by("id"))
        )
        .select_related("author")
    )
    notices = Notification.objects.filter(
        customer_id=complaint.customer_id, topic=f"complaint:{complaint.reference}"
    ).order_by("created_at", "id")
    items: list[dict[str, Any]] = []
    for event in events:
        items.append({"type": "event", "at": event.created_at, "event": event})
    for message in messages:
        items.append({"type": "message", "at": message.created_at, "message": message})
    for notice in notices:
        items.append({"type": "notice", "at": notice.created_at, "notice": notice})
    items.sort(key=lambda item: item["at"])
    return items


def sla_status_filter(status: str, *, now: datetime | None = None) -> Q:
    """Admin filter: on time, due soon (within the warning window) or breached. "Has a
    breach" is an EXISTS per complaint, not a join: no duplicate rows to remove."""
    now = now or timezone.now()
    soon = now + timedelta(minutes=setting("COMPLAINT_SLA_WARNING_MINUTES"))
    breached = Exists(ComplaintSlaBreach.objects.filter(complaint=OuterRef("pk")))
    if status == "breached":
        return Q(breached, state__in=OPEN_STATES)
    if status == "due_soon":
        return Q(next_sla_due_at__gt=now, next_sla_due_at__lte=soon)
    return (
        Q(state__in=OPEN_STATES)
        & ~Q(breached)
        & (Q(next_sla_due_at__gt=soon) | Q(next_sla_due_at__isnull=True))
    )
