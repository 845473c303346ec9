"""Insight fixtures: complaints written straight to the tables with exact timestamps, so
each figure can be computed by hand. (The workflow itself is tested in tests/complaints.)"""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from backoffice.core.actors import system_actor
from compensation.models import (
    CompensationPolicy,
    CompensationProposal,
    CompensationRule,
    PolicyBudget,
    PolicyVersion,
    ProposalLine,
)
from complaints.models import (
    AgentProfile,
    Complaint,
    ComplaintEvent,
    ComplaintSlaBreach,
    RegulatoryRegime,
    new_reference,
)
from tests.backoffice.factories import CustomerFactory, PaymentTransactionFactory, staff_user

HK = ZoneInfo("Asia/Hong_Kong")
D = Decimal


def local(*args) -> datetime:
    """A wall-clock time in Hong Kong (settings.TIME_ZONE)."""
    return datetime(*args, tzinfo=HK)


def regime(code: str | None = None) -> RegulatoryRegime:
    rows = RegulatoryRegime.objects.all()
    return rows.get(code=code) if code else rows.get(is_default=True)


def team(lead_username: str, *agents: str):
    """A supervisor and agents whose profiles name them as team lead."""
    lead = staff_user("supervisor", username=lead_username)
    members = []
    for name in agents:
        member = staff_user("agent", username=name)
        AgentProfile.objects.create(user=member, team_lead=lead)
        members.append(member)
    return lead, members


def complaint(created_at: datetime, **fields) -> Complaint:
    """A complaint received at `created_at`; milestones given as hours after receipt."""
    hours = {
        key: fields.pop(key) for key in ("ack_h", "first_h", "close_h", "notice_h") if key in fields
    }
    fields.setdefault("customer", CustomerFactory())
    fields.setdefault("regime", regime())
    fields.setdefault("category", "duplicate_charge")
    fields.setdefault("channel", "in_app")
    fields.setdefault("description", "charged twice")
    row = Complaint.objects.create(reference=new_reference(created_at), **fields)
    after = {
        "acknowledged_at": hours.get("ack_h"),
        "first_response_at": hours.get("first_h"),
        "closed_at": hours.get("close_h"),
        "resolution_notice_sent_at": hours.get("notice_h", hours.get("close_h")),
    }
    Complaint.objects.filter(pk=row.pk).update(
        created_at=created_at,
        **{k: created_at + timedelta(hours=h) for k, h in after.items() if h is not None},
    )
    return Complaint.objects.get(pk=row.pk)


def breach(row: Complaint, clock: str, *, hours: float = 1) -> ComplaintSlaBreach:
    due = row.created_at + timedelta(hours=hours)
    return ComplaintSlaBreach.objects.create(
        complaint=row, clock=clock, due_at=due, breached_at=due + timedelta(minutes=1)
    )


def event(row: Complaint, *, from_state: str, to_state: str, reason: str = "", at=None):
    created = ComplaintEvent.objects.create(
        complaint=row,
        kind="transition",
        actor=system_actor("tests"),
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )
    if at is not None:
        ComplaintEvent.objects.filter(pk=created.pk).update(created_at=at)
    return created


def linked_transaction(row: Complaint, **fields):
    txn = PaymentTransactionFactory(customer=row.customer, **fields)
    row.transactions.add(txn)
    return txn


_POLICY: dict[str, PolicyVersion] = {}


def policy_version(budgets: dict[str, str]) -> PolicyVersion:
    """An active policy version with monthly budgets per currency (written directly)."""
    author = staff_user("manager")
    policy = CompensationPolicy.objects.create(code=f"p{author.pk}", name="Standard")
    for currency, limit in budgets.items():
        PolicyBudget.objects.create(policy=policy, currency=currency, monthly_limit=D(limit))
    return PolicyVersion.objects.create(policy=policy, number=1, author=author, state="active")


def paid_line(
    row: Complaint,
    version: PolicyVersion,
    *,
    amount: str,
    currency: str,
    kind: str,
    settled_at: datetime,
    status: str = "succeeded",
) -> ProposalLine:
    rule = CompensationRule.objects.create(
        version=version,
        order=CompensationRule.objects.filter(version=version).count() + 1,
        name="rule",
        kind=kind,
        refund_basis="fixed" if kind == "refund" else "",
        currency=currency,
        rounding="ROUND_HALF_EVEN",
    )
    proposal = CompensationProposal.objects.create(
        complaint=row,
        customer=row.customer,
        policy_version=version,
        currency=currency,
        total_amount=D(amount),
        state="succeeded",
        proposed_by=version.author,
    )
    return ProposalLine.objects.create(
        proposal=proposal,
        rule=rule,
        kind=kind,
        currency=currency,
        computed_amount=D(amount),
        amount=D(amount),
        lower_bound=D(amount),
        upper_bound=D(amount),
        status=status,
        settled_at=settled_at,
    )
