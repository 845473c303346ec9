"""Demo compensation: the standard policy (authored by manager1, activated by manager2),
approval tiers and budgets per currency, and two duplicate-charge complaints with
proposals: one paid into the wallet, one waiting for a supervisor's approval."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from backoffice.core.exceptions import ApplicationError
from backoffice.customers.models import PaymentTransaction
from complaints import services as complaint_services
from complaints.models import FindingKind

from . import services
from .models import (
    ApprovalTier,
    CompensationPolicy,
    CompensationProposal,
    CompensationRule,
    CurrencyLimit,
    PolicyBudget,
)

D = Decimal
# currency: (complaint cap, goodwill per 30 days, monthly budget, waiver max, coupon value,
#            tiers [(up to, approvals, minimum role)])
CURRENCIES = {
    "HKD": ("20000", "500", "500000", "50", "50", [("100", 0), ("5000", 1), (None, 2)]),
    "CNY": ("20000", "500", "500000", "50", "50", [("100", 0), ("5000", 1), (None, 2)]),
    "USD": ("2500", "60", "60000", "6", "6", [("15", 0), ("650", 1), (None, 2)]),
    "JPY": ("400000", "8000", "9000000", "800", "800", [("2000", 0), ("100000", 1), (None, 2)]),
    "KWD": ("800.000", "15.000", "15000.000", "2.000", "1.500", [("5", 0), ("200", 1), (None, 2)]),
}
ROLE_BY_APPROVALS = {0: "supervisor", 1: "supervisor", 2: "manager"}


def _second_manager(ctx):
    user, _ = get_user_model().objects.get_or_create(
        username="manager2",
        defaults={"first_name": "Grace", "last_name": "Yip", "email": "manager2@wallet.example"},
    )
    user.is_staff, user.is_active = True, True
    user.set_password(ctx.password)
    user.save()
    user.groups.set([Group.objects.get(name="manager")])
    ctx.logins.append(("manager2", "Manager (approves manager1's policy versions)"))
    return user


def _rules(version) -> None:
    order = 1
    common = {"customer_at_fault": "no", "rounding": "ROUND_HALF_EVEN"}
    CompensationRule.objects.create(
        version=version,
        order=order,
        name="Duplicate charge: refund 100% of the duplicate",
        finding_kind=FindingKind.DUPLICATE_CHARGE,
        kind="refund",
        refund_basis="duplicate_amount",
        **common,
    )
    CompensationRule.objects.create(
        version=version,
        order=order + 1,
        name="Overcharge: refund the difference",
        category="wrong_amount",
        finding_kind=FindingKind.AMOUNT_MISMATCH,
        kind="refund",
        refund_basis="overcharge_difference",
        **common,
    )
    order += 2
    for currency, (_cap, _gw, _budget, waiver, coupon, _tiers) in CURRENCIES.items():
        CompensationRule.objects.create(
            version=version,
            order=order,
            name=f"Settlement delay: fees waived on the next 3 transfers ({currency})",
            finding_kind=FindingKind.SETTLEMENT_DELAY,
            currency=currency,
            kind="fee_waiver",
            max_amount=D(waiver),
            waiver_transaction_count=3,
            waiver_days=30,
            waiver_transaction_types=["transfer"],
            auto_approve=True,
            rounding="ROUND_DOWN",
        )
        CompensationRule.objects.create(
            version=version,
            order=order + 1,
            name=f"Late initial judgement: goodwill coupon ({currency})",
            breached_clock="first_response",
            customer_at_fault="any",
            currency=currency,
            kind="coupon",
            coupon_amount_off=D(coupon),
            coupon_min_spend=D(coupon) * 2,
            coupon_validity_days=30,
            auto_approve=True,
            rounding="ROUND_DOWN",
        )
        order += 2


def _policy(ctx, manager1, manager2) -> CompensationPolicy:
    policy, _ = CompensationPolicy.objects.get_or_create(
        code="standard",
        defaults={"name": "Standard compensation", "is_default": True},
    )
    if policy.versions.exists():
        return policy
    version = services.policy_version_create_draft(
        policy=policy, actor=manager1, notes="First edition."
    )
    _rules(version)
    for currency, (cap, goodwill, budget, _w, _c, tiers) in CURRENCIES.items():
        CurrencyLimit.objects.create(
            version=version,
            currency=currency,
            per_complaint_cap=D(cap),
            goodwill_window_limit=D(goodwill),
        )
        PolicyBudget.objects.get_or_create(
            policy=policy, currency=currency, defaults={"monthly_limit": D(budget)}
        )
        if not ApprovalTier.objects.filter(currency=currency).exists():
            for up_to, approvals in tiers:
                ApprovalTier.objects.create(
                    currency=currency,
                    up_to=D(up_to) if up_to else None,
                    approvals_required=approvals,
                    minimum_role=ROLE_BY_APPROVALS[approvals],
                )
    services.policy_version_submit(version=version, actor=manager1)
    services.policy_version_activate(version=version, actor=manager2)
    ctx.out(f"compensation policy {version} active ({len(CURRENCIES)} currencies)")
    return policy


def _duplicate_complaint(duplicate: PaymentTransaction, agent):
    original = PaymentTransaction.objects.filter(
        customer=duplicate.customer,
        counterparty=duplicate.counterparty,
        amount=duplicate.amount,
        transaction_id=duplicate.transaction_id[:-1],
    ).first()
    refs = [t.transaction_id for t in (original, duplicate) if t is not None]
    complaint = complaint_services.complaint_submit(
        customer=duplicate.customer,
        actor=agent,
        channel="hotline",
        category="duplicate_charge",
        description="The customer called: the same payment was taken twice.",
        amount=duplicate.amount,
        currency=duplicate.currency,
        transaction_ids=refs,
    )
    owner = complaint.owner or agent
    complaint = complaint_services.complaint_acknowledge(complaint=complaint, actor=owner)
    complaint = complaint_services.complaint_start_investigation(
        complaint=complaint, actor=owner, plan="Compare the two charges in the ledger."
    )
    for finding in complaint.findings.filter(kind=FindingKind.DUPLICATE_CHARGE):
        complaint_services.complaint_review_finding(
            finding=finding, actor=owner, confirmed=True, reason="Same merchant, 50 s apart."
        )
    return complaint, owner


def seed_demo(ctx) -> None:
    users = get_user_model().objects
    manager1, supervisor = users.get(username="manager1"), users.get(username="supervisor1")
    manager2 = _second_manager(ctx)
    _policy(ctx, manager1, manager2)
    if CompensationProposal.objects.exists():
        ctx.out("compensation proposals already present: kept as they are")
        return
    duplicates = PaymentTransaction.objects.filter(
        transaction_id__endswith="D", currency__in=list(CURRENCIES)
    ).order_by("pk")[:2]
    made = []
    for index, duplicate in enumerate(duplicates):
        try:
            with transaction.atomic():
                complaint, owner = _duplicate_complaint(duplicate, users.get(username="agent1"))
                proposal = services.compensation_quote(complaint=complaint, actor=owner)
                proposal = services.compensation_submit(proposal=proposal, actor=owner)
                if index == 0 and proposal.state == "pending_approval":
                    services.compensation_approve(proposal=proposal, actor=supervisor)
        except ApplicationError as exc:
            ctx.out(f"compensation demo for {duplicate.transaction_id} skipped: {exc.message}")
            continue
        made.append(f"{complaint.reference} #{proposal.pk}")
    ctx.out("compensation proposals: " + (", ".join(made) or "none"))
