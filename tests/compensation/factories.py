"""Compensation test helpers. Policies are activated and complaints verified through the
real services, so every test starts from a state the application itself can produce."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from backoffice.customers.models import PaymentTransaction
from compensation import services
from compensation.models import (
    ApprovalTier,
    CompensationPolicy,
    CompensationProposal,
    CompensationRule,
    CurrencyLimit,
    PolicyBudget,
    PolicyVersion,
)
from complaints import services as complaint_services
from complaints.models import ComplaintFinding, FindingKind
from tests.backoffice.factories import (
    CustomerWithLoginFactory,
    PaymentTransactionFactory,
    staff_user,
)
from tests.complaints.factories import advance, available_agent

D = Decimal

DEFAULT_TIERS = {
    "HKD": [("100.00", 0, "supervisor"), ("5000.00", 1, "supervisor"), (None, 2, "manager")],
    "JPY": [("2000", 0, "supervisor"), ("100000", 1, "supervisor"), (None, 2, "manager")],
    "KWD": [("5.000", 0, "supervisor"), ("200.000", 1, "supervisor"), (None, 2, "manager")],
}


def tiers(currency: str, rows) -> None:
    for up_to, approvals, role in rows:
        ApprovalTier.objects.create(
            currency=currency,
            up_to=D(up_to) if up_to is not None else None,
            approvals_required=approvals,
            minimum_role=role,
        )


def refund_rule(**overrides) -> dict:
    fields = {
        "name": "Duplicate charge: refund the duplicate",
        "category": "duplicate_charge",
        "finding_kind": FindingKind.DUPLICATE_CHARGE,
        "kind": "refund",
        "refund_basis": "duplicate_amount",
        "percentage": D("100"),
        "rounding": "ROUND_HALF_EVEN",
        "auto_approve": False,
    }
    fields.update(overrides)
    return fields


def activate_policy(
    rules: list[dict],
    *,
    currency: str = "HKD",
    cap: str = "100000",
    goodwill_limit: str = "1000",
    budget: str = "1000000",
    window_days: int = 30,
    with_tiers: bool = True,
    code: str = "standard",
) -> PolicyVersion:
    """A default policy whose version 1 holds `rules`, activated by a second manager."""
    author, approver = staff_user("manager"), staff_user("manager")
    policy = CompensationPolicy.objects.create(code=code, name=code.title(), is_default=True)
    version = services.policy_version_create_draft(policy=policy, actor=author)
    version.goodwill_window_days = window_days
    version.save()
    for order, fields in enumerate(rules, start=1):
        CompensationRule.objects.create(version=version, order=order, **fields)
    CurrencyLimit.objects.create(
        version=version,
        currency=currency,
        per_complaint_cap=D(cap),
        goodwill_window_limit=D(goodwill_limit),
    )
    PolicyBudget.objects.create(policy=policy, currency=currency, monthly_limit=D(budget))
    if with_tiers and not ApprovalTier.objects.filter(currency=currency).exists():
        tiers(currency, DEFAULT_TIERS[currency])
    services.policy_version_submit(version=version, actor=author)
    return services.policy_version_activate(version=version, actor=approver)


def duplicate_charge_complaint(
    *, amount: str = "100.00", currency: str = "HKD", customer=None, agent=None
):
    """A complaint under investigation with a confirmed duplicate-charge finding.
    Returns (complaint, agent, duplicate transaction)."""
    customer = customer or CustomerWithLoginFactory()
    agent = agent or available_agent()
    when = timezone.now() - timedelta(hours=3)
    merchant = f"Harbour Coffee {PaymentTransaction.objects.count()}"
    first = PaymentTransactionFactory(
        customer=customer,
        amount=D(amount),
        currency=currency,
        occurred_at=when,
        counterparty=merchant,
    )
    second = PaymentTransactionFactory(
        customer=customer,
        amount=D(amount),
        currency=currency,
        occurred_at=when + timedelta(seconds=50),
        counterparty=merchant,
    )
    complaint = complaint_services.complaint_submit(
        customer=customer,
        actor=customer.user,
        category="duplicate_charge",
        description="Charged twice at Harbour Coffee.",
        amount=D(amount),
        currency=currency,
        transaction_ids=[first.transaction_id, second.transaction_id],
    )
    complaint.owner = None
    complaint = advance(complaint, "investigating", agent=_owner(complaint, agent))
    finding = ComplaintFinding.objects.get(
        complaint=complaint, kind=FindingKind.DUPLICATE_CHARGE, transaction=second
    )
    complaint_services.complaint_review_finding(
        finding=finding, actor=complaint.owner, confirmed=True, reason="same merchant, 50s apart"
    )
    return complaint, complaint.owner, second


def _owner(complaint, agent):
    complaint.refresh_from_db()
    return complaint.owner or agent


def quoted(complaint, agent) -> CompensationProposal:
    return services.compensation_quote(complaint=complaint, actor=agent)


def submitted(complaint, agent) -> CompensationProposal:
    proposal = quoted(complaint, agent)
    return services.compensation_submit(proposal=proposal, actor=agent)


def fresh(proposal: CompensationProposal) -> CompensationProposal:
    return CompensationProposal.objects.get(pk=proposal.pk)


def coupon_rule(amount_off: str = "60.00", **overrides) -> dict:
    fields = {
        "name": "Goodwill coupon",
        "customer_at_fault": "any",
        "kind": "coupon",
        "currency": "HKD",
        "coupon_amount_off": D(amount_off),
        "coupon_min_spend": D("100.00"),
        "coupon_validity_days": 30,
        "rounding": "ROUND_DOWN",
        "auto_approve": True,
    }
    fields.update(overrides)
    return fields


def fee_waiver_rule(max_total: str = "15.00", count: int | None = 2, **overrides) -> dict:
    fields = {
        "name": "Fee waiver on the next transfers",
        "customer_at_fault": "any",
        "kind": "fee_waiver",
        "currency": "HKD",
        "max_amount": D(max_total),
        "waiver_transaction_count": count,
        "waiver_days": 30,
        "waiver_transaction_types": ["transfer"],
        "rounding": "ROUND_DOWN",
        "auto_approve": True,
    }
    fields.update(overrides)
    return fields


def booked_refund(txn, amount: str, *, proposal_state: str, line_status: str, version):
    """A refund line on `txn` in a given state, in a proposal for another complaint of the
    same customer (what earlier compensation left in the ledger)."""
    from compensation.models import ProposalLine
    from tests.complaints.factories import submit

    complaint = submit(txn.customer)
    proposal = CompensationProposal.objects.create(
        complaint=complaint,
        customer=txn.customer,
        policy_version=version,
        currency=txn.currency,
        total_amount=D(amount),
        state=proposal_state,
        proposed_by=staff_user("agent"),
        approved_at=timezone.now(),
    )
    return ProposalLine.objects.create(
        proposal=proposal,
        rule=version.rules.first(),
        kind="refund",
        refund_basis="duplicate_amount",
        transaction=txn,
        currency=txn.currency,
        computed_amount=D(amount),
        amount=D(amount),
        lower_bound=D(amount),
        upper_bound=D(amount),
        status=line_status,
    )
