"""Recording a new complaint."""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.exceptions import ApplicationError, ValidationFailed
from backoffice.core.money import parse_amount
from backoffice.core.wakeups import wake, woken
from backoffice.customers.models import Customer, PaymentTransaction
from backoffice.roles.selectors import user_rank

from .. import exceptions
from ..clocks import clocks_start
from ..conf import setting
from ..config_cache import regimes as cached_regimes
from ..idempotency import check_same_request
from ..models import (
    COMPLAINT_HISTORY,
    AlertKind,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintEvent,
    ComplaintState,
    EventKind,
    Priority,
    RegulatoryRegime,
    Visibility,
    new_reference,
)
from ..selectors import complaint_sla_promises
from ._core import (
    alert_staff,
    notify_customer,
    record_event,
    require_text,
    save,
    sla_reschedule,
    system,
)
from .assignment import assign_new, owner_for_level
from .verification import verify_findings

MAX_TRANSACTION_REFS = 20
# A deferred follow-up older than this with its flag still set lost its task: the sweep
# runs it.
FOLLOWUP_GRACE_SECONDS = 30
MAX_FOLLOWUP_ATTEMPTS = 5
FOLLOWUP_WAKEUP = "complaints-intake-followup"
# Follow-ups one drain task runs before it queues the next run (so other tasks get a turn).
FOLLOWUP_DRAIN_BATCH = 200
logger = logging.getLogger(__name__)
_PRIORITY_BY_CATEGORY = {
    ComplaintCategory.ACCOUNT_SECURITY: Priority.URGENT,
    ComplaintCategory.ACCOUNT_FROZEN: Priority.HIGH,
}


def regime_for(customer: Customer) -> RegulatoryRegime:
    """The regime whose customer time zones include the customer's, else the default."""
    regimes = sorted(cached_regimes(), key=lambda r: r.code)  # the model's order
    for regime in regimes:
        if customer.time_zone in (regime.customer_time_zones or []):
            return regime
    default = next((r for r in regimes if r.is_default), None)
    if default is None:
        raise ValidationFailed(
            _("No regulatory regime is configured."),
            code="regime_missing",
            hint=_("Mark one regulatory regime as the default in the admin."),
            status=500,
        )
    return default


def _field_error(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(fields={field: [{"code": code, "message": message}]})


def _clean(
    *,
    category: str,
    channel: str,
    amount: Any,
    currency: str,
    occurred_at: datetime | None,
    transaction_ids: Iterable[str],
) -> tuple[Decimal | None, list[str]]:
    if category not in ComplaintCategory.values:
        raise _field_error("category", "invalid_choice", _("Unknown category."))
    if channel not in ComplaintChannel.values:
        raise _field_error("channel", "invalid_choice", _("Unknown channel."))
    if occurred_at is not None and occurred_at > timezone.now():
        raise _field_error("occurred_at", "in_future", _("The time lies in the future."))
    parsed = None
    if amount is not None:
        if not currency:
            raise _field_error("currency", "required", _("Give the currency of the amount."))
        try:
            parsed = parse_amount(amount, currency)
        except ApplicationError as exc:
            raise _field_error("amount", exc.code, str(exc.message)) from None
    refs = list(dict.fromkeys(str(r).strip() for r in transaction_ids if str(r).strip()))
    if len(refs) > MAX_TRANSACTION_REFS:
        raise _field_error(
            "transaction_ids",
            "too_many",
            _("At most %(n)d transactions per complaint.") % {"n": MAX_TRANSACTION_REFS},
        )
    return parsed, refs


def _may_submit(customer: Customer, actor: Any) -> bool:
    if getattr(actor, "is_staff", False):
        return user_rank(actor) >= 1
    return getattr(actor, "customer", None) == customer


def _save_with_unique_reference(complaint: Complaint, *, actor: Any) -> None:
    for _attempt in range(5):
        complaint.reference = new_reference()
        try:
            with transaction.atomic():
                save(complaint, actor=actor, reason="submitted")
            return
        except IntegrityError:
            if not Complaint.objects.filter(reference=complaint.reference).exists():
                raise
    raise exceptions.ConcurrentChange()


def _new_complaint(
    *,
    customer: Customer,
    actor: Any,
    category: str,
    description: str,
    channel: str,
    amount: Any,
    currency: str,
    occurred_at: datetime | None,
    transaction_ids: Iterable[str],
    priority: str | None,
) -> Complaint:
    """The checked, unsaved complaint with its clocks started, every transaction reference
    kept as text (the caller links those the customer owns)."""
    if not _may_submit(customer, actor):
        raise exceptions.ActionNotPermitted()
    description = require_text(description, "description", ValidationFailed)
    parsed_amount, refs = _clean(
        category=category,
        channel=channel,
        amount=amount,
        currency=currency,
        occurred_at=occurred_at,
        transaction_ids=transaction_ids,
    )
    complaint = Complaint(
        customer=customer,
        channel=channel,
        category=category,
        description=description,
        amount=parsed_amount,
        currency=currency if parsed_amount is not None else "",
        occurred_at=occurred_at,
        raw_transaction_refs=refs,
        priority=priority or _PRIORITY_BY_CATEGORY.get(category, Priority.NORMAL),
        regime=regime_for(customer),
    )
    clocks_start(complaint, now=timezone.now())
    return complaint


def _known_transactions(
    customer_id: int, refs: list[str]
) -> tuple[list[PaymentTransaction], list[str]]:
    """(the customer's own transactions among `refs`, the other references, kept as
    text)."""
    known = list(
        PaymentTransaction.objects.filter(
            customer_id=customer_id, transaction_id__in=refs
        ).order_by()
    )
    known_ids = {t.transaction_id for t in known}
    return known, [r for r in refs if r not in known_ids]


@transaction.atomic
def complaint_submit(
    *,
    customer: Customer,
    actor: Any,
    category: str,
    description: str,
    channel: str = ComplaintChannel.IN_APP,
    amount: Any = None,
    currency: str = "",
    occurred_at: datetime | None = None,
    transaction_ids: Iterable[str] = (),
    priority: str | None = None,
) -> Complaint:
    """Record a complaint that staff file on the customer's behalf (hotline, chat,
    e-mail), all at once: starts the clocks, links the transactions the customer owns
    (other references are kept as text), verifies them, assigns an agent and tells the
    customer what to expect. The customer's own filing through the API is
    `complaint_file`."""
    complaint = _new_complaint(
        customer=customer,
        actor=actor,
        category=category,
        description=description,
        channel=channel,
        amount=amount,
        currency=currency,
        occurred_at=occurred_at,
        transaction_ids=transaction_ids,
        priority=priority,
    )
    known, complaint.raw_transaction_refs = _known_transactions(
        customer.pk, complaint.raw_transaction_refs
    )
    _save_with_unique_reference(complaint, actor=actor)
    if known:
        complaint.transactions.add(*known)  # a new complaint: nothing linked yet to diff with
    event = _record_submitted_event(complaint, actor=actor)
    _follow_up(complaint, event=event, transactions=known)
    return complaint


def complaint_file(
    *,
    customer: Customer,
    actor: Any,
    category: str,
    description: str,
    channel: str = ComplaintChannel.IN_APP,
    amount: Any = None,
    currency: str = "",
    occurred_at: datetime | None = None,
    transaction_ids: Iterable[str] = (),
    idempotency_key: str = "",
    request_hash: str = "",
) -> tuple[Complaint, bool]:
    """The customer files a complaint through the app: (complaint, True) once its row is
    stored, with its reference and clocks running from now; (the complaint filed earlier
    with this key, False) for a retry with the same Idempotency-Key and body
    (IdempotencyKeyReused for another body).

    One INSERT and nothing else, so that a burst of complaints is accepted at the speed
    of that insert: the rest of filing runs in `complaint_intake_followup`, right after
    commit, by the drain task this filing wakes (and by the sweep should that task be
    lost). It first records the filing (the customer's transactions linked, the first
    history row and its audit entry, the "submitted" event, all dated when it was filed;
    any service that locks the complaint before that does this first), then verifies,
    assigns an agent and sends the acknowledgement."""
    if getattr(actor, "customer", None) != customer:
        raise exceptions.ActionNotPermitted()  # staff file with complaint_submit
    complaint = _new_complaint(
        customer=customer,
        actor=actor,
        category=category,
        description=description,
        channel=channel,
        amount=amount,
        currency=currency,
        occurred_at=occurred_at,
        transaction_ids=transaction_ids,
        priority=None,
    )
    complaint.idempotency_key = idempotency_key
    complaint.request_hash = request_hash if idempotency_key else ""
    complaint.intake_followup_pending = True
    sla_reschedule(complaint)
    for _attempt in range(5):
        complaint.reference = new_reference()
        try:
            _insert_without_history(complaint)
        except IntegrityError:
            earlier = _filed_with_key(customer, idempotency_key)
            if earlier is not None:
                check_same_request(earlier.request_hash, complaint.request_hash)
                return earlier, False
            if not Complaint.objects.filter(reference=complaint.reference).exists():
                raise
            continue  # the random reference was taken: draw another
        transaction.on_commit(_queue_followup)
        complaint.linked_transaction_ids = []  # ComplaintOut: none linked yet, no query
        return complaint, True
    raise exceptions.ConcurrentChange()


def _insert_without_history(complaint: Complaint) -> None:
    """The complaint's INSERT alone: in autocommit (the API) no transaction around it;
    inside a caller's transaction a savepoint, so that a duplicate key leaves the
    caller's transaction usable."""
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            complaint.save_without_historical_record()
    else:
        complaint.save_without_historical_record()


def _filed_with_key(customer: Customer, key: str) -> Complaint | None:
    if not key:
        return None
    return (
        Complaint.objects.select_related("customer", "regime", "owner")
        .filter(customer=customer, idempotency_key=key)
        .first()
    )


def _record_submitted_event(complaint: Complaint, *, actor: Any) -> ComplaintEvent:
    return record_event(
        complaint,
        actor=actor,
        kind=EventKind.TRANSITION,
        to_state=ComplaintState.SUBMITTED,
        visibility=Visibility.CUSTOMER,
        data={"channel": complaint.channel},
    )


def _submitted_event(complaint: Complaint) -> ComplaintEvent | None:
    return (
        complaint.events.filter(kind=EventKind.TRANSITION, to_state=ComplaintState.SUBMITTED)
        .order_by("pk")
        .first()
    )


def complaint_intake_record(complaint: Complaint) -> ComplaintEvent:
    """The record of a filing through the API, once (the caller holds the complaint's row
    lock, before anything else changes it): the customer's transactions among its
    references linked, the first history row (and with it the audit chain's entry) with
    the complaint as filed, and the "submitted" event, both dated when it was filed, by
    the customer. Returns the "submitted" event, the existing one when already recorded."""
    event = _submitted_event(complaint)
    if event is not None:
        return event
    actor = complaint.customer.user
    refs = list(complaint.raw_transaction_refs or [])
    known, raw = _known_transactions(complaint.customer_id, refs) if refs else ([], refs)
    if known:
        complaint.transactions.add(*known)
        complaint.raw_transaction_refs = raw
        Complaint.objects.filter(pk=complaint.pk).update(raw_transaction_refs=raw)
    complaint._history_date = complaint.created_at
    complaint._history_user = actor
    complaint._change_reason = "submitted"
    try:
        COMPLAINT_HISTORY.create_historical_record(complaint, "+")
    finally:  # later saves of this instance are dated and signed by themselves
        del complaint._history_date, complaint._history_user, complaint._change_reason
    event = _record_submitted_event(complaint, actor=actor)
    ComplaintEvent.objects.filter(pk=event.pk).update(created_at=complaint.created_at)
    event.created_at = complaint.created_at
    return event


def _follow_up(
    complaint: Complaint, *, event: ComplaintEvent, transactions: list | None = None
) -> None:
    """Verification, assignment and the acknowledgement message (the caller holds the
    transaction and, for a deferred follow-up, the complaint's row lock)."""
    robot = system("complaints")
    verify_findings(complaint, actor=robot, transactions=transactions)
    if not complaint.is_open:
        return  # withdrawn (or otherwise ended) before the follow-up ran
    if complaint.owner_id is None and setting("COMPLAINT_AUTO_ASSIGN"):
        assign_new(complaint, actor=robot)
    notify_customer(
        complaint,
        template="complaint_received",
        event=event,
        context={"promises": complaint_sla_promises(complaint=complaint)},
    )


def _queue_followup() -> None:
    """Wake the follow-up drain: a burst of filings queues one task, not one each."""
    from ..tasks import drain_intake_followups

    wake(drain_intake_followups, key=FOLLOWUP_WAKEUP)


def complaint_intake_followup(*, complaint_id: int, skip_locked: bool = False) -> bool:
    """The deferred part of filing, exactly once: the filing's record in one transaction
    (so that it stands even when the rest fails), then verification, assignment and the
    acknowledgement in another, each under the complaint's row lock and only while the
    pending flag is set, which the second clears. False when there is nothing to do (done
    already, or another worker holds it with `skip_locked`)."""
    if not _intake_record_step(complaint_id, skip_locked):
        return False
    return _intake_followup_step(complaint_id, skip_locked)


def _pending_locked(complaint_id: int, skip_locked: bool) -> Complaint | None:
    return (
        Complaint.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("customer", "customer__user", "regime", "owner")
        .filter(pk=complaint_id, intake_followup_pending=True)
        .first()
    )


@transaction.atomic
def _intake_record_step(complaint_id: int, skip_locked: bool) -> bool:
    complaint = _pending_locked(complaint_id, skip_locked)
    if complaint is None:
        return False
    complaint_intake_record(complaint)
    return True


@transaction.atomic
def _intake_followup_step(complaint_id: int, skip_locked: bool) -> bool:
    complaint = _pending_locked(complaint_id, skip_locked)
    if complaint is None:
        return False
    Complaint.objects.filter(pk=complaint.pk).update(intake_followup_pending=False)
    complaint.intake_followup_pending = False
    _follow_up(complaint, event=complaint_intake_record(complaint))
    return True


def complaint_intake_followup_due(
    *,
    older_than_seconds: int = FOLLOWUP_GRACE_SECONDS,
    limit: int = 500,
    include_failed: bool = True,
) -> int:
    """The sweep: follow-ups whose task was lost (broker down, worker killed, database
    restarted under it), fewest failures first, then oldest; each in its own transaction,
    rows another worker holds are skipped. A follow-up that fails is counted; after
    MAX_FOLLOWUP_ATTEMPTS the sweep leaves it and alerts a supervisor, so that a complaint
    that cannot be followed up automatically is neither retried forever nor forgotten.
    The drain (`include_failed=False`) takes only follow-ups that never failed: retrying a
    failure is the periodic sweep's job, at its own pace. Returns how many ran."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    attempts = MAX_FOLLOWUP_ATTEMPTS if include_failed else 1
    due = list(
        Complaint.objects.filter(
            intake_followup_pending=True,
            created_at__lt=cutoff,
            intake_followup_attempts__lt=attempts,
        )
        .order_by("intake_followup_attempts", "created_at")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for complaint_id in due:
        try:
            done += complaint_intake_followup(complaint_id=complaint_id, skip_locked=True)
        except Exception:  # one broken complaint must not stop the others
            logger.exception("complaint %s: intake follow-up failed", complaint_id)
            try:
                _count_failure(complaint_id)
            except Exception:  # the database itself is failing: the next sweep counts
                logger.exception("complaint %s: failure not counted", complaint_id)
    return done


def complaint_intake_followup_drain() -> int:
    """The woken task: every follow-up filed so far that never failed, in batches; a full
    batch queues the next run instead of holding the worker. Returns how many ran."""
    woken(FOLLOWUP_WAKEUP)
    done = complaint_intake_followup_due(
        older_than_seconds=0, limit=FOLLOWUP_DRAIN_BATCH, include_failed=False
    )
    if done == FOLLOWUP_DRAIN_BATCH:
        _queue_followup()
    return done


@transaction.atomic
def _count_failure(complaint_id: int) -> None:
    Complaint.objects.filter(pk=complaint_id).update(
        intake_followup_attempts=F("intake_followup_attempts") + 1
    )
    complaint = Complaint.objects.select_related("owner").get(pk=complaint_id)
    if complaint.intake_followup_attempts != MAX_FOLLOWUP_ATTEMPTS:
        return
    logger.error(
        "complaint %s: intake follow-up failed %d times; left to a supervisor",
        complaint.reference,
        MAX_FOLLOWUP_ATTEMPTS,
    )
    message = _(
        "The automatic follow-up of complaint %(ref)s (transaction checks, assignment, "
        "acknowledgement) failed %(n)d times: check, assign and acknowledge it by hand."
    ) % {"ref": complaint.reference, "n": MAX_FOLLOWUP_ATTEMPTS}
    alert_staff(owner_for_level(1), complaint, kind=AlertKind.FOLLOWUP_FAILED, message=message)
