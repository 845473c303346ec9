"""The money limits, computed from the ledger of proposal lines.

- Per transaction: refunds succeeded, executing, unknown or pending (awaiting approval or
  approved) never exceed the original amount; fee refunds never exceed the original fee.
- Per complaint: the version's cap in the currency.
- Per customer: goodwill (coupons, fee waivers, goodwill refunds) over a rolling window.
- Per policy: a monthly budget per currency, reserved at approval, released on failure.
The final approval checks all of them under the customer's and the budget's row locks."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.customers.models import PaymentTransaction

from .. import exceptions
from ..models import (
    BudgetReservation,
    CompensationProposal,
    CurrencyLimit,
    GrantKind,
    LineStatus,
    PolicyBudget,
    ProposalLine,
    ProposalState,
    RefundBasis,
    ReservationStatus,
)
from ._common import save

_LINE_COUNTED = Q(status__in=[LineStatus.EXECUTING, LineStatus.SUCCEEDED, LineStatus.UNKNOWN]) | Q(
    status=LineStatus.PENDING,
    proposal__state__in=[ProposalState.PENDING_APPROVAL, ProposalState.APPROVED],
)
_COMMITTED = Q(
    proposal__state__in=[
        ProposalState.APPROVED,
        ProposalState.EXECUTING,
        ProposalState.SUCCEEDED,
        ProposalState.UNKNOWN,
        ProposalState.FAILED,
    ]
) & ~Q(status=LineStatus.FAILED)


def _total(queryset) -> Decimal:
    return queryset.aggregate(total=Sum("amount"))["total"] or Decimal(0)


def refundable_remainder(
    txn: PaymentTransaction, *, covers_fee: bool, exclude: CompensationProposal | None = None
) -> Decimal:
    """What may still be refunded on `txn` (its fee, for fee refunds)."""
    lines = ProposalLine.objects.filter(transaction=txn, kind=GrantKind.REFUND).filter(
        _LINE_COUNTED
    )
    if covers_fee:
        lines = lines.filter(refund_basis=RefundBasis.TRANSACTION_FEE)
    else:
        lines = lines.exclude(refund_basis=RefundBasis.TRANSACTION_FEE)
    if exclude is not None and exclude.pk:
        lines = lines.exclude(proposal=exclude)
    original = txn.fee if covers_fee else txn.amount
    return max(original - _total(lines), Decimal(0))


def currency_limit(proposal_version, currency: str) -> CurrencyLimit:
    limit = CurrencyLimit.objects.filter(version=proposal_version, currency=currency).first()
    if limit is None:
        raise exceptions.LimitsNotConfigured()
    return limit


def complaint_committed(
    complaint_id: int, currency: str, exclude: CompensationProposal | None = None
) -> Decimal:
    """Compensation already approved or paid for the complaint (failed lines aside)."""
    lines = ProposalLine.objects.filter(
        _COMMITTED, proposal__complaint_id=complaint_id, currency=currency
    )
    if exclude is not None and exclude.pk:
        lines = lines.exclude(proposal=exclude)
    return _total(lines)


def goodwill_in_window(
    customer_id: int, currency: str, days: int, exclude: CompensationProposal | None = None
) -> Decimal:
    """Goodwill approved for the customer within the last `days` days (failed aside)."""
    since = timezone.now() - timedelta(days=days)
    lines = ProposalLine.objects.filter(
        _COMMITTED,
        proposal__customer_id=customer_id,
        proposal__approved_at__gte=since,
        currency=currency,
        is_goodwill=True,
    )
    if exclude is not None and exclude.pk:
        lines = lines.exclude(proposal=exclude)
    return _total(lines)


def check_refundable(proposal: CompensationProposal, lines: list[ProposalLine]) -> None:
    """Every refund line fits in what its transaction has left."""
    wanted: dict[tuple[int, bool], Decimal] = {}
    txns: dict[int, PaymentTransaction] = {}
    for line in lines:
        if line.kind == GrantKind.REFUND and line.transaction_id:
            key = (line.transaction_id, line.covers_fee)
            wanted[key] = wanted.get(key, Decimal(0)) + line.amount
            txns[line.transaction_id] = line.transaction
    for (txn_id, covers_fee), amount in wanted.items():
        left = refundable_remainder(txns[txn_id], covers_fee=covers_fee, exclude=proposal)
        if amount > left:
            raise exceptions.RefundExceedsOriginal(
                fields={
                    "transaction": [
                        {
                            "code": exceptions.RefundExceedsOriginal.code,
                            "message": _("%(txn)s: %(amount)s asked, %(left)s left.")
                            % {"txn": txns[txn_id].transaction_id, "amount": amount, "left": left},
                        }
                    ]
                }
            )


def check_caps(proposal: CompensationProposal, lines: list[ProposalLine]) -> None:
    """Per-complaint cap and the customer's rolling goodwill limit."""
    version = proposal.policy_version
    limit = currency_limit(version, proposal.currency)
    total = sum((line.amount for line in lines), Decimal(0))
    committed = complaint_committed(proposal.complaint_id, proposal.currency, exclude=proposal)
    if committed + total > limit.per_complaint_cap:
        raise exceptions.ComplaintCapExceeded()
    goodwill = sum((line.amount for line in lines if line.is_goodwill), Decimal(0))
    if goodwill:
        used = goodwill_in_window(
            proposal.customer_id,
            proposal.currency,
            version.goodwill_window_days,
            exclude=proposal,
        )
        if used + goodwill > limit.goodwill_window_limit:
            raise exceptions.GoodwillLimitExceeded()


def month_of(when) -> object:
    return timezone.localdate(when).replace(day=1)


def budget_used(budget: PolicyBudget, month) -> Decimal:
    return budget.reservations.filter(
        month=month, status__in=[ReservationStatus.HELD, ReservationStatus.CONSUMED]
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)


def reserve_budget(
    proposal: CompensationProposal, lines: list[ProposalLine], *, at, actor: Any
) -> None:
    """Lock the policy's budget row for the currency and reserve every line's amount."""
    budget = (
        PolicyBudget.objects.select_for_update()
        .filter(policy_id=proposal.policy_version.policy_id, currency=proposal.currency)
        .first()
    )
    if budget is None:
        raise exceptions.BudgetNotConfigured()
    month = month_of(at)
    total = sum((line.amount for line in lines), Decimal(0))
    if budget_used(budget, month) + total > budget.monthly_limit:
        raise exceptions.BudgetExhausted()
    for line in lines:
        reservation = BudgetReservation(budget=budget, line=line, month=month, amount=line.amount)
        save(reservation, actor=actor, reason=f"reserved at approval of proposal {proposal.pk}")
