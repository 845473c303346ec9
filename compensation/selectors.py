"""Readers: what the resolution notice, customers and staff see of compensation."""

from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from backoffice.customers.models import Customer

from .engine import exact
from .models import (
    OPEN_PROPOSAL_STATES,
    CompensationProposal,
    Coupon,
    FeeWaiver,
    GrantKind,
    LineStatus,
    PolicyBudget,
    ProposalLine,
    ProposalState,
    ReservationStatus,
)
from .services.limits import month_of


def _describe(line: ProposalLine) -> str:
    if line.kind == GrantKind.COUPON:
        return _("Coupon %(code)s") % {"code": line.gateway_reference}
    if line.kind == GrantKind.FEE_WAIVER:
        return _("Fee waiver on your next transactions")
    if line.transaction_id:
        return _("Refund for transaction %(txn)s") % {"txn": line.transaction.transaction_id}
    return _("Refund")


def complaint_compensation_lines(complaint: Any) -> list[dict[str, Any]]:
    """Hook for the resolution notice: everything granted and executed for the complaint,
    described in the customer's language, with the refund reference and account."""
    lines = (
        ProposalLine.objects.filter(proposal__complaint=complaint, status=LineStatus.SUCCEEDED)
        .select_related("transaction")
        .order_by("pk")
    )
    with translation.override(complaint.customer.language):
        return [
            {
                "description": _describe(line),
                "amount": str(exact(line.amount, line.currency)),
                "currency": line.currency,
                "reference": line.gateway_reference,
                "account": line.account_credited if line.kind == GrantKind.REFUND else "",
            }
            for line in lines
        ]


def complaint_notice_blocker(complaint: Any) -> str | None:
    """Hook for the resolution notice: held back while compensation is still open."""
    proposal = (
        CompensationProposal.objects.filter(complaint=complaint, state__in=OPEN_PROPOSAL_STATES)
        .only("pk", "state")
        .first()
    )
    if proposal is None:
        return None
    with translation.override(complaint.customer.language):
        return _("compensation proposal #%(id)s is %(state)s") % {
            "id": proposal.pk,
            "state": ProposalState(proposal.state).label,
        }


def customer_refunds(*, customer: Customer) -> QuerySet[ProposalLine]:
    """Refunds the customer was granted (after approval; deliberations stay internal)."""
    return (
        ProposalLine.objects.filter(proposal__customer=customer, kind=GrantKind.REFUND)
        .exclude(status=LineStatus.PENDING)
        .select_related("proposal__complaint", "transaction")
        .order_by("-created_at", "-pk")
    )


def customer_coupons(*, customer: Customer) -> QuerySet[Coupon]:
    return Coupon.objects.filter(customer=customer).order_by("-created_at", "-pk")


def customer_fee_waivers(*, customer: Customer) -> QuerySet[FeeWaiver]:
    return FeeWaiver.objects.filter(customer=customer).order_by("-created_at", "-pk")


def budget_usage(*, when=None) -> list[dict[str, Any]]:
    """Each policy budget this month: limit, held, paid out and what is left."""
    month = month_of(when or timezone.now())
    rows = []
    budgets = PolicyBudget.objects.select_related("policy").annotate(
        held=Sum(
            "reservations__amount",
            filter=Q(reservations__month=month, reservations__status=ReservationStatus.HELD),
        ),
        consumed=Sum(
            "reservations__amount",
            filter=Q(reservations__month=month, reservations__status=ReservationStatus.CONSUMED),
        ),
    )
    for budget in budgets.order_by("policy__code", "currency"):
        held, consumed = budget.held or Decimal(0), budget.consumed or Decimal(0)
        rows.append(
            {
                "budget": budget,
                "month": month,
                "held": held,
                "consumed": consumed,
                "left": budget.monthly_limit - held - consumed,
            }
        )
    return rows
