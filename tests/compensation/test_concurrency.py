"""Acceptance 2, 6 and 10 under real concurrency (PostgreSQL row locks): threads start
together at a barrier; each closes its database connection when done."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from backoffice.core.exceptions import ApplicationError
from compensation import services
from compensation.models import Coupon, ProposalState, WalletLedgerEntry
from tests.backoffice.factories import CustomerWithLoginFactory, staff_user
from tests.compensation.factories import (
    activate_policy,
    coupon_rule,
    duplicate_charge_complaint,
    fresh,
    quoted,
    refund_rule,
    submitted,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
D = Decimal


@pytest.fixture(autouse=True)
def _reference_data():
    """Transactional tests flush the database between tests: the role groups and the
    regulatory regimes the migrations created must be put back."""
    from backoffice.roles.services import roles_sync_permissions
    from complaints.models import RegulatoryRegime
    from complaints.seed_data import REGIMES

    roles_sync_permissions()
    for row in REGIMES:
        fields = {k: v for k, v in row.items() if k != "code"}
        RegulatoryRegime.objects.update_or_create(code=row["code"], defaults=fields)


def run_together(calls) -> tuple[list, list[str]]:
    """Run each call in its own thread at the same moment; results and error codes."""
    barrier, lock = threading.Barrier(len(calls)), threading.Lock()
    results, errors = [], []

    def worker(call):
        try:
            barrier.wait()
            outcome = call()
            with lock:
                results.append(outcome)
        except ApplicationError as exc:
            with lock:
                errors.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def _approve(proposal, actor):
    return lambda: services.compensation_approve(proposal=proposal, actor=actor)


def test_2_two_approvers_at_once_one_execution_one_gateway_call(counting_gateway):
    activate_policy([refund_rule()])
    complaint, agent, _txn = duplicate_charge_complaint(amount="250.00")
    proposal = submitted(complaint, agent)
    results, errors = run_together(
        [_approve(proposal, staff_user("supervisor")), _approve(proposal, staff_user("supervisor"))]
    )
    assert (len(results), errors) == (1, ["proposal_state_invalid"])
    assert fresh(proposal).state == ProposalState.SUCCEEDED
    assert WalletLedgerEntry.objects.count() == 1
    assert list(counting_gateway.values()) == [1]


def test_2_a_double_click_by_one_approver_executes_once(counting_gateway):
    activate_policy([refund_rule()])
    complaint, agent, _txn = duplicate_charge_complaint(amount="250.00")
    proposal = submitted(complaint, agent)
    supervisor = staff_user("supervisor")
    results, errors = run_together([_approve(proposal, supervisor)] * 2)
    assert len(results) == 1 and len(errors) == 1
    assert errors[0] in ("proposal_state_invalid", "already_approved")
    assert WalletLedgerEntry.objects.count() == 1
    assert list(counting_gateway.values()) == [1]


def test_6_two_proposals_that_each_fit_but_not_together():
    activate_policy([coupon_rule("60.00", auto_approve=False)], goodwill_limit="100.00")
    customer = CustomerWithLoginFactory()
    proposals = []
    for _ in range(2):
        complaint, agent, _txn = duplicate_charge_complaint(customer=customer)
        proposal = quoted(complaint, agent)
        proposals.append(services.compensation_submit(proposal=proposal, actor=agent))
    results, errors = run_together([_approve(p, staff_user("supervisor")) for p in proposals])
    assert (len(results), errors) == (1, ["goodwill_limit_exceeded"])
    states = sorted(fresh(p).state for p in proposals)
    assert states == [ProposalState.PENDING_APPROVAL, ProposalState.SUCCEEDED]


def test_10_a_coupon_redeemed_concurrently_succeeds_once():
    activate_policy([coupon_rule("60.00")])
    complaint, agent, _txn = duplicate_charge_complaint()
    services.compensation_submit(proposal=quoted(complaint, agent), actor=agent)
    coupon = Coupon.objects.get()
    robot = staff_user("agent")

    def redeem(n):
        return lambda: services.coupon_redeem(
            code=coupon.code,
            wallet_account_id=complaint.customer.wallet_account_id,
            transaction_id=f"TXN-CONC-{n}",
            amount="150.00",
            currency="HKD",
            actor=robot,
        )

    results, errors = run_together([redeem(n) for n in range(6)])
    assert len(results) == 1
    assert errors == ["coupon_already_used"] * 5
    assert Coupon.objects.get().used_transaction_id == results[0].used_transaction_id


def test_two_approvals_that_each_fit_the_budget_but_not_together():
    activate_policy([refund_rule()], budget="400.00")
    proposals = []
    for _ in range(2):
        complaint, agent, _txn = duplicate_charge_complaint(amount="250.00")
        proposals.append(submitted(complaint, agent))
    results, errors = run_together([_approve(p, staff_user("supervisor")) for p in proposals])
    assert (len(results), errors) == (1, ["budget_exhausted"])
    assert WalletLedgerEntry.objects.count() == 1
