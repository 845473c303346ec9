"""Retention and erasure.

A closed complaint is kept for its regulatory regime's retention period
(`RegulatoryRegime.retention_years`, counted from closure); then the purge anonymises it:
its free texts, messages, notes, attachments and notices (and the free texts in its
history) are replaced by a placeholder. The rows, their states, dates, amounts and the
compensation records stay, so statistics and the ledger still add up, and the audit
chain — whose entries hold only ids and non-personal data — still verifies.

On request, a customer's personal data (name, phone, e-mail, ID number, in the customer
row and in its history) is replaced by placeholders and the login is unlinked, renamed and
disabled. Both are recorded in the audit chain. Entries already in the chain are never
rewritten (that would break it): they identify a customer by wallet account id and a login
by the username it had then.
"""

from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from backoffice.core.actors import system_actor

from .models import AuditEntry
from .services import audit_record

PURGED = "[purged]"
ANONYMISED = "[anonymised]"
PURGE_ACTION = "retention.purged"
PURGE_BATCH = 200

# Free-text fields of a complaint that may hold personal data.
COMPLAINT_TEXT_FIELDS = (
    "description",
    "escalation_reason",
    "initial_plan",
    "follow_up_plan",
    "resolution_summary",
    "follow_up_advice",
    "satisfaction_reason",
)


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def retention_due(*, now: datetime | None = None):
    """Complaints in a final state (closed, rejected or withdrawn) for longer than their
    regime's retention period, and not purged yet. A rejected or withdrawn complaint has no
    closing time; its last change counts."""
    from complaints.models import TERMINAL_STATES, Complaint, RegulatoryRegime

    now = now or timezone.now()
    past_retention = Q(pk__in=[])
    for regime_id, years in RegulatoryRegime.objects.values_list("pk", "retention_years"):
        past_retention |= Q(regime_id=regime_id, ended_at__lt=_years_before(now, years))
    purged = AuditEntry.objects.filter(
        action=PURGE_ACTION,
        object_type="complaints.complaint",
        object_id=Cast(OuterRef("pk"), models.CharField()),
    )
    return (
        Complaint.objects.filter(state__in=TERMINAL_STATES)
        .annotate(ended_at=Coalesce("closed_at", "updated_at"))
        .filter(past_retention)
        .exclude(Exists(purged))
        .order_by("ended_at", "id")
    )


def _redact_texts(queryset, fields: tuple[str, ...]) -> None:
    for name in fields:
        queryset.exclude(**{name: ""}).update(**{name: PURGED})


@transaction.atomic
def complaint_purge(*, complaint: Any, actor: Any) -> None:
    """Anonymise one complaint past retention and record it in the chain."""
    from backoffice.notifications.models import Notification
    from complaints.models import Complaint, ComplaintAttachment

    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    attachments = ComplaintAttachment.objects.filter(message__complaint=complaint)
    files = [a.file.name for a in attachments]
    storage = ComplaintAttachment._meta.get_field("file").storage
    deleted_attachments = attachments.delete()[0]
    _redact_texts(Complaint.objects.filter(pk=complaint.pk), COMPLAINT_TEXT_FIELDS)
    Complaint.objects.filter(pk=complaint.pk).update(raw_transaction_refs=[])
    _redact_texts(Complaint.history.model.objects.filter(id=complaint.pk), COMPLAINT_TEXT_FIELDS)
    _redact_texts(complaint.messages.all(), ("body",))
    _redact_texts(complaint.notes.all(), ("body",))
    _redact_texts(complaint.events.all(), ("reason",))
    complaint.events.update(data={})
    notices = Notification.objects.filter(
        customer_id=complaint.customer_id, topic=f"complaint:{complaint.reference}"
    )
    notices.update(subject=PURGED, body=PURGED, context={})
    audit_record(
        actor=actor,
        action=PURGE_ACTION,
        obj=complaint,
        object_repr=complaint.reference,
        data={
            "regime": complaint.regime.code if complaint.regime_id else "",
            "closed_at": complaint.closed_at,
            "attachments_deleted": deleted_attachments,
        },
    )
    transaction.on_commit(lambda: [storage.delete(name) for name in files if name])


def retention_purge(*, now: datetime | None = None, limit: int = PURGE_BATCH) -> int:
    """Purge up to `limit` complaints past retention, each in its own transaction.
    Idempotent: a purged complaint is recorded in the chain and never picked again."""
    actor = system_actor("retention")
    count = 0
    for complaint in retention_due(now=now)[:limit]:
        complaint_purge(complaint=complaint, actor=actor)
        count += 1
    return count


@transaction.atomic
def customer_anonymise(*, customer: Any, actor: Any, reason: str) -> Any:
    """Replace a customer's personal data by placeholders, in the customer row and in its
    history, unlink and disable the login, and record the request in the chain."""
    from backoffice.customers.models import Customer

    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    user = customer.user
    placeholders = {"name": ANONYMISED, "phone": "", "email": "", "id_number": ""}
    for name, value in placeholders.items():
        setattr(customer, name, value)
    customer.user = None
    customer._change_reason = "personal data anonymised on request"
    customer._history_user = actor
    customer.save()
    Customer.history.model.objects.filter(id=customer.pk).update(**placeholders, user=None)
    if user is not None:
        user.is_active = False
        user.set_unusable_password()
        user.username = f"anonymised-{user.pk}"
        user.first_name = user.last_name = user.email = ""
        user.save(
            update_fields=["is_active", "password", "username", "first_name", "last_name", "email"]
        )
    audit_record(
        actor=actor,
        action="customer.anonymised",
        obj=customer,
        data={"reason": reason, "login_unlinked": user is not None},
    )
    return customer
