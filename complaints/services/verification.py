"""Identity verification and automatic transaction verification (findings)."""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.exceptions import ValidationFailed
from backoffice.core.money import quantize
from backoffice.customers.models import PaymentTransaction, TransactionStatus, TransactionType

from .. import exceptions
from ..conf import setting
from ..models import (
    Complaint,
    ComplaintCategory,
    ComplaintFinding,
    EventKind,
    FindingKind,
    IdentityMethod,
)
from ..permissions import Action
from ._core import locked, record_event, require_permission, save

Check = tuple[str, PaymentTransaction, dict[str, Any]]


def _money(amount: Decimal, currency: str) -> str:
    return str(quantize(amount, currency, rounding=ROUND_HALF_EVEN))


def _status_checks(txn: PaymentTransaction, now: datetime) -> list[Check]:
    if txn.status == TransactionStatus.FAILED:
        details = {"status": "failed", "error_code": txn.error_code}
        details["error_message"] = txn.error_message
        return [(FindingKind.TRANSACTION_STATUS, txn, details)]
    if txn.status == TransactionStatus.PENDING:
        hours = int((now - txn.occurred_at).total_seconds() // 3600)
        if hours >= setting("COMPLAINT_SETTLEMENT_DELAY_HOURS"):
            return [(FindingKind.SETTLEMENT_DELAY, txn, {"status": "pending", "hours": hours})]
        return [(FindingKind.TRANSACTION_STATUS, txn, {"status": "pending", "hours": hours})]
    if txn.status == TransactionStatus.REVERSED:
        return [(FindingKind.ALREADY_REFUNDED, txn, {"reason": "reversed"})]
    settled = txn.settled_at.isoformat() if txn.settled_at else None
    return [(FindingKind.TRANSACTION_STATUS, txn, {"status": "succeeded", "settled_at": settled})]


def _same_money(txn: PaymentTransaction) -> dict[str, Any]:
    return {
        "customer_id": txn.customer_id,
        "counterparty": txn.counterparty,
        "amount": txn.amount,
        "currency": txn.currency,
        "status": TransactionStatus.SUCCEEDED,
    }


def _duplicate_checks(txn: PaymentTransaction, twins: list[PaymentTransaction]) -> list[Check]:
    checks = []
    for twin in twins:
        original, duplicate = sorted([txn, twin], key=lambda t: (t.occurred_at, t.pk))
        details = {
            "original": original.transaction_id,
            "duplicate": duplicate.transaction_id,
            "amount": _money(txn.amount, txn.currency),
            "currency": txn.currency,
        }
        checks.append((FindingKind.DUPLICATE_CHARGE, duplicate, details))
    return checks


def _refund_checks(txn: PaymentTransaction, refund: PaymentTransaction | None) -> list[Check]:
    if refund is None:
        return []
    details = {"refund": refund.transaction_id, "amount": _money(refund.amount, refund.currency)}
    return [(FindingKind.ALREADY_REFUNDED, txn, details)]


def _related_checks(txn: PaymentTransaction) -> list[Check]:
    """Duplicates (same customer, counterparty, amount and type within the configured
    window, for a successful payment) and a later refund of the same money; one query
    reads the candidates for both."""
    if txn.type == TransactionType.REFUND:
        return []
    window = timedelta(minutes=setting("COMPLAINT_DUPLICATE_WINDOW_MINUTES"))
    low, high = txn.occurred_at - window, txn.occurred_at + window
    wants_twins = txn.status == TransactionStatus.SUCCEEDED
    related = Q(type=TransactionType.REFUND, occurred_at__gte=txn.occurred_at)
    if wants_twins:
        related |= Q(type=txn.type, occurred_at__range=(low, high))
    candidates = list(
        PaymentTransaction.objects.filter(related, **_same_money(txn))
        .exclude(pk=txn.pk)
        .order_by("occurred_at", "pk")
    )
    twins = [
        t for t in candidates if wants_twins and t.type == txn.type and low <= t.occurred_at <= high
    ]
    refund = next((t for t in candidates if t.type == TransactionType.REFUND), None)
    return _duplicate_checks(txn, twins) + _refund_checks(txn, refund)


def _amount_checks(complaint: Complaint, txns: list[PaymentTransaction]) -> list[Check]:
    """Claimed vs recorded: for a single referenced transaction, or for each one when the
    complaint is about a wrong amount."""
    if complaint.amount is None:
        return []
    if len(txns) != 1 and complaint.category != ComplaintCategory.WRONG_AMOUNT:
        return []
    checks = []
    for txn in txns:
        if txn.currency != complaint.currency or txn.amount == complaint.amount:
            continue
        details = {
            "claimed": _money(complaint.amount, txn.currency),
            "recorded": _money(txn.amount, txn.currency),
            "difference": _money(txn.amount - complaint.amount, txn.currency),
            "currency": txn.currency,
        }
        checks.append((FindingKind.AMOUNT_MISMATCH, txn, details))
    return checks


def _link_known_references(complaint: Complaint) -> bool:
    """References the payment core has sent us since the complaint was filed get linked;
    True when there were any."""
    if not complaint.raw_transaction_refs:
        return False
    known = list(
        PaymentTransaction.objects.filter(
            customer_id=complaint.customer_id, transaction_id__in=complaint.raw_transaction_refs
        )
    )
    if known:
        complaint.transactions.add(*known)
        ids = {t.transaction_id for t in known}
        complaint.raw_transaction_refs = [r for r in complaint.raw_transaction_refs if r not in ids]
    return bool(known)


def verify_findings(
    complaint: Complaint,
    *,
    actor: Any,
    transactions: list[PaymentTransaction] | None = None,
) -> list[ComplaintFinding]:
    """Run every check on the referenced transactions; store new findings (idempotent).

    `transactions`: the complaint's linked transactions when the caller has just linked
    them (intake), which spares reading them back. The complaint itself is saved (with a
    history row) only when references got linked: otherwise the run changes nothing on
    it, and the event below records that it happened."""
    linked = _link_known_references(complaint)
    if transactions is None or linked:
        txns = list(complaint.transactions.order_by("occurred_at", "pk"))
    else:
        txns = sorted(transactions, key=lambda t: (t.occurred_at, t.pk))
    now = timezone.now()
    checks: list[Check] = _amount_checks(complaint, txns)
    for txn in txns:
        checks += _status_checks(txn, now) + _related_checks(txn)
    found = set(
        ComplaintFinding.objects.filter(complaint=complaint).values_list("kind", "transaction_id")
    )
    created = []
    for kind, txn, details in checks:
        if (kind, txn.pk) in found:
            continue
        finding = ComplaintFinding(complaint=complaint, kind=kind, transaction=txn, details=details)
        finding._history_user = actor
        finding._change_reason = "found by transaction verification"
        finding.save()
        found.add((kind, txn.pk))
        created.append(finding)
    if linked:
        save(complaint, actor=actor, reason="transactions verified")
    record_event(
        complaint,
        actor=actor,
        kind=EventKind.VERIFICATION,
        reason=_("%(n)d new finding(s).") % {"n": len(created)},
        data={"findings": [f.pk for f in created], "unknown": complaint.raw_transaction_refs},
    )
    return created


@transaction.atomic
def complaint_verify_transactions(*, complaint: Complaint, actor: Any) -> list[ComplaintFinding]:
    """On demand: link references ingested since, and check every linked transaction."""
    complaint = locked(complaint)
    require_permission(complaint, actor, Action.VERIFY_TRANSACTIONS)
    return verify_findings(complaint, actor=actor)


@transaction.atomic
def complaint_record_identity_verification(
    *, complaint: Complaint, actor: Any, method: str
) -> Complaint:
    """Record that the complainant was verified as the account holder, how and by whom."""
    if method not in IdentityMethod.values:
        raise ValidationFailed(
            fields={"method": [{"code": "invalid_choice", "message": _("Unknown method.")}]}
        )
    complaint = locked(complaint)
    require_permission(complaint, actor, Action.VERIFY_IDENTITY)
    if not complaint.is_open:
        raise exceptions.InvalidTransition()
    complaint.identity_verified_at = timezone.now()
    complaint.identity_verified_by = actor
    complaint.identity_verification_method = method
    save(complaint, actor=actor, reason=f"identity verified by {method}")
    record_event(complaint, actor=actor, kind=EventKind.IDENTITY, data={"method": method})
    return complaint


@transaction.atomic
def complaint_review_finding(
    *, finding: ComplaintFinding, actor: Any, confirmed: bool, reason: str = ""
) -> ComplaintFinding:
    """Staff confirm a finding (it becomes a fact for compensation) or dismiss it."""
    complaint = locked(finding.complaint_id)
    require_permission(complaint, actor, Action.REVIEW_FINDING)
    finding = ComplaintFinding.objects.select_for_update().get(pk=finding.pk)
    finding.confirmed = confirmed
    finding.reviewed_at, finding.reviewed_by = timezone.now(), actor
    finding._change_reason = f"{'confirmed' if confirmed else 'dismissed'}: {reason}"[:100]
    finding._history_user = actor
    finding.save()
    record_event(
        complaint,
        actor=actor,
        kind=EventKind.FINDING_REVIEW,
        reason=reason,
        data={"finding": finding.pk, "kind": finding.kind, "confirmed": confirmed},
    )
    return finding
