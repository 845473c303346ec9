"""Coupons and fee waivers: issued when a proposal executes, used by the payment core.
Redemption and consumption lock the row, so a coupon is used once and a waiver never goes
below zero, however many requests arrive at the same time."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from backoffice.core.money import parse_amount, quantize
from backoffice.customers.models import Customer, TransactionType

from .. import exceptions
from ..models import Coupon, FeeWaiver, FeeWaiverUse, ProposalLine, new_coupon_code
from ._common import now, save

HUNDRED = Decimal(100)


def coupon_issue(*, line: ProposalLine, actor: Any) -> Coupon:
    """The coupon of a line (issued once: the line is unique on the coupon)."""
    existing = Coupon.objects.filter(line=line).first()
    if existing is not None:
        return existing
    rule = line.rule
    grant = line.trace.get("grant", {})
    days = grant.get("validity_days") or rule.coupon_validity_days or 30
    percent = rule.coupon_percent_off
    coupon = Coupon(
        customer=line.proposal.customer,
        line=line,
        currency=line.currency,
        amount_off=None if percent else line.amount,
        percent_off=percent,
        max_discount=line.amount,
        min_spend=rule.coupon_min_spend,
        expires_at=now() + timedelta(days=days),
    )
    for _attempt in range(5):
        coupon.code = new_coupon_code()
        try:
            with transaction.atomic():
                save(coupon, actor=actor, reason=f"issued for proposal {line.proposal_id}")
            return coupon
        except IntegrityError:
            if not Coupon.objects.filter(code=coupon.code).exists():
                raise
    raise exceptions.InvalidProposalState()


def fee_waiver_grant(*, line: ProposalLine, actor: Any) -> FeeWaiver:
    """The fee waiver of a line (granted once)."""
    existing = FeeWaiver.objects.filter(line=line).first()
    if existing is not None:
        return existing
    rule = line.rule
    waiver = FeeWaiver(
        customer=line.proposal.customer,
        line=line,
        currency=line.currency,
        transaction_types=list(rule.waiver_transaction_types or []),
        remaining_count=rule.waiver_transaction_count,
        max_total=line.amount,
        remaining_amount=line.amount,
        expires_at=now() + timedelta(days=rule.waiver_days) if rule.waiver_days else None,
    )
    save(waiver, actor=actor, reason=f"granted for proposal {line.proposal_id}")
    return waiver


def _customer(wallet_account_id: str) -> Customer:
    customer = Customer.objects.filter(wallet_account_id=wallet_account_id).first()
    if customer is None:
        raise exceptions.CustomerUnknown()
    return customer


def normalise_code(code: str) -> str:
    raw = "".join(ch for ch in str(code).upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def coupon_discount(coupon: Coupon, amount: Decimal) -> Decimal:
    if coupon.amount_off is not None:
        return min(coupon.amount_off, amount)
    off = quantize(amount * coupon.percent_off / HUNDRED, coupon.currency, rounding=ROUND_DOWN)
    return min(off, coupon.max_discount)


@transaction.atomic
def coupon_redeem(
    *,
    code: str,
    wallet_account_id: str,
    transaction_id: str,
    amount: Any,
    currency: str,
    actor: Any,
) -> Coupon:
    """Use a coupon on a payment. Single use under any concurrency (row lock); the same
    transaction asking again gets the same answer. Each refusal has its own code."""
    customer = _customer(wallet_account_id)
    coupon = Coupon.objects.select_for_update().filter(code=normalise_code(code)).first()
    if coupon is None:
        raise exceptions.CouponNotFound()
    if coupon.customer_id != customer.pk:
        raise exceptions.CouponNotOwned()
    if coupon.used_at is not None:
        if coupon.used_transaction_id == transaction_id:
            return coupon
        raise exceptions.CouponAlreadyUsed()
    at = now()
    if at >= coupon.expires_at:
        raise exceptions.CouponExpired()
    if currency != coupon.currency:
        raise exceptions.CouponCurrencyMismatch()
    spend = parse_amount(amount, currency)
    if spend < coupon.min_spend:
        raise exceptions.CouponBelowMinimumSpend()
    coupon.used_at, coupon.used_transaction_id = at, transaction_id
    coupon.discount_given = coupon_discount(coupon, spend)
    save(coupon, actor=actor, reason=f"redeemed on {transaction_id}")
    return coupon


@dataclass(frozen=True)
class WaiverUse:
    waived: Decimal
    currency: str
    waiver: FeeWaiver | None


def _use(record: FeeWaiverUse) -> WaiverUse:
    return WaiverUse(waived=record.waived, currency=record.waiver.currency, waiver=record.waiver)


def _consume(customer, transaction_id, transaction_type, fee, currency, actor) -> WaiverUse:
    at = now()
    waivers = (
        FeeWaiver.objects.select_for_update()
        .filter(customer=customer, currency=currency, remaining_amount__gt=0)
        .filter(Q(remaining_count__isnull=True) | Q(remaining_count__gt=0))
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))
        .order_by(F("expires_at").asc(nulls_last=True), "pk")
    )
    waiver = next(
        (w for w in waivers if not w.transaction_types or transaction_type in w.transaction_types),
        None,
    )
    if waiver is None or fee == 0:
        return WaiverUse(waived=Decimal(0), currency=currency, waiver=None)
    waived = min(fee, waiver.remaining_amount)
    waiver.remaining_amount -= waived
    if waiver.remaining_count is not None:
        waiver.remaining_count -= 1
    save(waiver, actor=actor, reason=f"fee waived on {transaction_id}")
    FeeWaiverUse.objects.create(
        waiver=waiver, transaction_id=transaction_id, fee=fee, waived=waived
    )
    return WaiverUse(waived=waived, currency=currency, waiver=waiver)


def fee_waiver_consume(
    *,
    wallet_account_id: str,
    transaction_id: str,
    transaction_type: str,
    fee: Any,
    currency: str,
    actor: Any,
) -> WaiverUse:
    """Waive the fee of one transaction from the customer's waivers (the one expiring
    first), atomically; never below zero. Asking again for the same transaction returns
    the first answer. No waiver left: nothing is waived (0)."""
    if transaction_type not in TransactionType.values:
        raise exceptions.TransactionTypeUnknown()
    fee_amount = parse_amount(fee, currency, allow_zero=True)
    customer = _customer(wallet_account_id)
    for _attempt in range(2):
        existing = FeeWaiverUse.objects.select_related("waiver").filter(
            transaction_id=transaction_id
        )
        if record := existing.first():
            return _use(record)
        try:
            with transaction.atomic():
                return _consume(
                    customer, transaction_id, transaction_type, fee_amount, currency, actor
                )
        except IntegrityError:
            continue  # the same transaction was consumed at the same time: read its answer
    return _use(FeeWaiverUse.objects.select_related("waiver").get(transaction_id=transaction_id))
