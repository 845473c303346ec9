"""Demo complaints in every state, with findings, messages and notices, built with the
real services from the kernel's demo customers, staff and transactions."""

from django.contrib.auth import get_user_model

from backoffice.customers.models import Customer, PaymentTransaction

from . import services
from .models import AgentProfile, Complaint, ComplaintState

S = ComplaintState
# (customer number, category, target state, description)
PLAN = [
    (1, "duplicate_charge", S.CLOSED, "I was charged twice for one coffee."),
    (2, "funds_not_received", S.SUBMITTED, "My friend has not received my transfer."),
    (3, "transaction_failure", S.ACKNOWLEDGED, "My payment failed but I need to pay today."),
    (4, "wrong_amount", S.INVESTIGATING, "The taxi charged more than the meter showed."),
    (5, "transfer_delay", S.AWAITING_CUSTOMER_INFO, "My bank transfer is three days late."),
    (6, "balance_error", S.RESOLUTION_PROPOSED, "My balance is lower than it should be."),
    (7, "duplicate_charge", S.AWAITING_CONFIRMATION, "Two identical charges at the bookshop."),
    (8, "account_security", S.ESCALATED, "Someone paid from my account last night."),
    (9, "other", S.REJECTED, "I want a discount on my phone plan."),
    (10, "service_delay", S.WITHDRAWN, "Nobody answered my chat for an hour."),
    (11, "account_frozen", S.INVESTIGATING, "My account was frozen after I logged in abroad."),
]
ORDER = [
    S.ACKNOWLEDGED,
    S.INVESTIGATING,
    S.RESOLUTION_PROPOSED,
    S.AWAITING_CONFIRMATION,
    S.CLOSED,
]


def _staff() -> dict:
    users = get_user_model().objects.in_bulk(
        ["agent1", "agent2", "supervisor1", "manager1"], field_name="username"
    )
    for name in ("agent1", "agent2"):
        AgentProfile.objects.update_or_create(
            user=users[name], defaults={"is_available": True, "team_lead": users["supervisor1"]}
        )
    return users


def _transactions(customer: Customer, category: str) -> list[str]:
    txns = PaymentTransaction.objects.filter(customer=customer)
    if category == "duplicate_charge":
        duplicate = PaymentTransaction.objects.filter(transaction_id__endswith="D").first()
        if duplicate is not None:
            return [duplicate.transaction_id]
    if category in ("transfer_delay", "funds_not_received"):
        txns = txns.filter(status="pending")
    if category == "transaction_failure":
        txns = txns.filter(status="failed")
    return [t.transaction_id for t in txns[:1]]


def _advance(complaint: Complaint, target: str, staff: dict) -> Complaint:
    agent = complaint.owner or staff["agent1"]
    customer_user = complaint.customer.user or agent
    if target == S.WITHDRAWN:
        return services.complaint_withdraw(complaint=complaint, actor=customer_user)
    if target == S.SUBMITTED:
        return complaint
    complaint = services.complaint_acknowledge(complaint=complaint, actor=agent)
    if target == S.REJECTED:
        return services.complaint_reject(
            complaint=complaint, actor=agent, reason="A commercial request, not a complaint."
        )
    if target == S.ACKNOWLEDGED:
        return complaint
    complaint = services.complaint_start_investigation(
        complaint=complaint, actor=agent, plan="Pull the transaction logs and call the merchant."
    )
    if target == S.AWAITING_CUSTOMER_INFO:
        return services.complaint_request_info(
            complaint=complaint, actor=agent, reason="Please upload the bank's transfer receipt."
        )
    if target == S.ESCALATED:
        return services.complaint_escalate(
            complaint=complaint, actor=staff["supervisor1"], reason="Possible account takeover."
        )
    if target == S.INVESTIGATING:
        return complaint
    services.complaint_record_identity_verification(
        complaint=complaint, actor=agent, method="one_time_code"
    )
    services.complaint_set_root_cause(complaint=complaint, actor=agent, root_cause="merchant")
    for finding in complaint.findings.all():
        services.complaint_review_finding(finding=finding, actor=agent, confirmed=True)
    complaint = services.complaint_propose_resolution(
        complaint=complaint,
        actor=agent,
        summary="The merchant confirmed the double charge and refunds the second payment.",
        follow_up_advice="The refund reaches your wallet within 3 business days.",
    )
    for state in ORDER[ORDER.index(S.AWAITING_CONFIRMATION) :]:
        if ORDER.index(target) < ORDER.index(state):
            break
        if state == S.AWAITING_CONFIRMATION:
            complaint = services.complaint_send_resolution_notice(complaint=complaint, actor=agent)
        else:
            complaint = services.complaint_accept_resolution(
                complaint=complaint, actor=customer_user
            )
            if complaint.customer.user_id:
                services.complaint_rate(
                    complaint=complaint, actor=customer_user, score=5, reason="Clear and fast."
                )
    return complaint


def seed_demo(ctx) -> None:
    if Complaint.objects.exists():
        ctx.out("complaints already present: kept as they are")
        return
    staff = _staff()
    made = []
    for number, category, target, description in PLAN:
        customer = Customer.objects.get(wallet_account_id=f"W{10000000 + number}")
        actor = customer.user or staff["agent2"]
        complaint = services.complaint_submit(
            customer=customer,
            actor=actor,
            channel="in_app" if customer.user else "hotline",
            category=category,
            description=description,
            transaction_ids=_transactions(customer, category),
        )
        made.append(_advance(complaint, target, staff))
    ctx.out(f"{len(made)} complaints: " + ", ".join(f"{c.reference} {c.state}" for c in made))
