"""Acceptance 1, 4, 5 (rounding aside), 6 and 9: per-transaction remainders, tiers, the
rolling goodwill window and policy changes, each checked again at the final approval."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from compensation import exceptions, services
from compensation.models import ProposalApproval, ProposalState
from tests.backoffice.factories import CustomerWithLoginFactory, staff_user
from tests.compensation.factories import (
    activate_policy,
    booked_refund,
    coupon_rule,
    duplicate_charge_complaint,
    fresh,
    quoted,
    refund_rule,
    submitted,
)

pytestmark = pytest.mark.django_db
D = Decimal


def test_1_charge_100_with_60_refunded_30_pending_5_unknown_refuses_a_further_10(run_on_commit):
    version = activate_policy([refund_rule()])
    complaint, agent, txn = duplicate_charge_complaint(amount="100.00")
    booked_refund(
        txn, "60.00", proposal_state="succeeded", line_status="succeeded", version=version
    )
    booked_refund(
        txn, "30.00", proposal_state="pending_approval", line_status="pending", version=version
    )
    proposal = submitted(complaint, agent)
    line = proposal.lines.get()
    assert line.amount == D("10.00")
    remainder = next(c for c in line.trace["caps"] if c["cap"] == "refundable_remainder")
    assert (remainder["before"], remainder["after"]) == ("100.00", "10.00")

    booked_refund(txn, "5.00", proposal_state="unknown", line_status="unknown", version=version)
    with pytest.raises(exceptions.RefundExceedsOriginal):
        run_on_commit(
            services.compensation_approve, proposal=proposal, actor=staff_user("supervisor")
        )
    assert fresh(proposal).state == ProposalState.PENDING_APPROVAL
    assert not ProposalApproval.objects.filter(proposal=proposal).exists()

    with pytest.raises(exceptions.AdjustmentOutOfBounds):
        services.compensation_adjust_line(line=line, actor=agent, amount="10.01", reason="all")
    services.compensation_adjust_line(line=line, actor=agent, amount="5.00", reason="remainder")
    run_on_commit(services.compensation_approve, proposal=proposal, actor=staff_user("supervisor"))
    assert fresh(proposal).state == ProposalState.SUCCEEDED


def test_4_amount_exactly_at_the_threshold_uses_the_lower_tier(run_on_commit):
    activate_policy([refund_rule(auto_approve=True)])
    complaint, agent, _txn = duplicate_charge_complaint(amount="100.00")
    proposal = run_on_commit(
        services.compensation_submit, proposal=quoted(complaint, agent), actor=agent
    )
    proposal = fresh(proposal)
    assert proposal.auto_approved is True
    assert proposal.state == ProposalState.SUCCEEDED


def test_4_one_cent_above_the_threshold_needs_a_supervisor():
    activate_policy([refund_rule(auto_approve=True)])
    complaint, agent, _txn = duplicate_charge_complaint(amount="100.01")
    proposal = submitted(complaint, agent)
    assert proposal.state == ProposalState.PENDING_APPROVAL
    assert (proposal.approvals_required, proposal.minimum_role) == (1, "supervisor")


def test_4_an_amount_edited_after_the_first_approval_clears_approvals(run_on_commit):
    activate_policy([refund_rule()])
    complaint, agent, _txn = duplicate_charge_complaint(amount="6000.00")
    proposal = submitted(complaint, agent)
    assert (proposal.approvals_required, proposal.minimum_role) == (2, "manager")
    first = staff_user("manager")
    services.compensation_approve(proposal=proposal, actor=first)
    assert fresh(proposal).state == ProposalState.PENDING_APPROVAL

    line = proposal.lines.get()
    services.compensation_adjust_line(line=line, actor=agent, amount="4000.00", reason="partial")
    approval = ProposalApproval.objects.get(proposal=proposal)
    assert approval.cleared_at is not None
    proposal = fresh(proposal)
    assert (proposal.approvals_required, proposal.minimum_role) == (1, "supervisor")
    assert proposal.total_amount == D("4000.00")
    run_on_commit(services.compensation_approve, proposal=proposal, actor=first)
    assert fresh(proposal).state == ProposalState.SUCCEEDED


def test_4_splitting_into_small_proposals_does_not_dodge_the_goodwill_cap(run_on_commit):
    activate_policy([coupon_rule("60.00")], goodwill_limit="100.00")
    customer = CustomerWithLoginFactory()
    first, agent, _ = duplicate_charge_complaint(customer=customer)
    run_on_commit(services.compensation_submit, proposal=quoted(first, agent), actor=agent)
    second, agent2, _ = duplicate_charge_complaint(customer=customer, agent=agent)
    with pytest.raises(exceptions.GoodwillLimitExceeded):
        services.compensation_submit(proposal=quoted(second, agent2), actor=agent2)


def test_6_rolling_window_at_its_edge(run_on_commit):
    activate_policy([coupon_rule("60.00")], goodwill_limit="100.00", window_days=30)
    customer = CustomerWithLoginFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first, agent, _ = duplicate_charge_complaint(customer=customer)
        run_on_commit(services.compensation_submit, proposal=quoted(first, agent), actor=agent)
    approved_at = start
    with time_machine.travel(start + timedelta(days=1), tick=False):
        second, _, _ = duplicate_charge_complaint(customer=customer, agent=agent)
        proposal = quoted(second, agent)
        services.compensation_adjust_line(
            line=proposal.lines.get(), actor=agent, amount="40.00", reason="up to the limit"
        )
        run_on_commit(services.compensation_submit, proposal=proposal, actor=agent)
        assert fresh(proposal).state == ProposalState.SUCCEEDED  # 60 + 40 = 100: allowed
    with time_machine.travel(approved_at + timedelta(days=30), tick=False):
        third, _, _ = duplicate_charge_complaint(customer=customer, agent=agent)
        proposal = quoted(third, agent)
        services.compensation_adjust_line(
            line=proposal.lines.get(), actor=agent, amount="40.00", reason="still in window"
        )
        with pytest.raises(exceptions.GoodwillLimitExceeded):
            services.compensation_submit(proposal=proposal, actor=agent)
    with time_machine.travel(approved_at + timedelta(days=30, seconds=1), tick=False):
        proposal = fresh(proposal)
        proposal = run_on_commit(services.compensation_submit, proposal=proposal, actor=agent)
        assert fresh(proposal).state == ProposalState.SUCCEEDED  # the first 60 left the window


def test_9_policy_changed_between_quote_and_approval_asks_for_a_requote():
    version = activate_policy([refund_rule()])
    complaint, agent, _txn = duplicate_charge_complaint(amount="250.00")
    proposal = submitted(complaint, agent)
    author, approver = staff_user("manager"), staff_user("manager")
    draft = services.policy_version_create_draft(policy=version.policy, actor=author)
    services.policy_version_submit(version=draft, actor=author)
    services.policy_version_activate(version=draft, actor=approver)
    with pytest.raises(exceptions.PolicyChanged) as refused:
        services.compensation_approve(proposal=proposal, actor=staff_user("supervisor"))
    assert refused.value.code == "policy_changed_requote"
    assert fresh(proposal).state == ProposalState.PENDING_APPROVAL


def test_complaint_cap_limits_the_quote_and_the_approval():
    activate_policy([refund_rule()], cap="80.00")
    complaint, agent, _txn = duplicate_charge_complaint(amount="100.00")
    line = quoted(complaint, agent).lines.get()
    assert line.amount == D("80.00")
    assert line.trace["caps"][-1] == {
        "cap": "complaint_cap",
        "limit": "80.00",
        "before": "100.00",
        "after": "80.00",
    }
