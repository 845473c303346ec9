import pytest

from compensation import services
from compensation.models import LineStatus, ProposalLine, ProposalState, WalletLedgerEntry
from tests.backoffice.factories import staff_user
from tests.compensation.factories import (
    activate_policy,
    duplicate_charge_complaint,
    fresh,
    refund_rule,
    submitted,
)

pytestmark = pytest.mark.django_db


def test_duplicate_charge_is_quoted_approved_and_paid_once(run_on_commit, counting_gateway):
    activate_policy([refund_rule()])
    complaint, agent, duplicate = duplicate_charge_complaint(amount="250.00")
    proposal = submitted(complaint, agent)
    assert proposal.state == ProposalState.PENDING_APPROVAL
    line = proposal.lines.get()
    assert line.amount == duplicate.amount
    assert line.trace["caps"][-1]["cap"] == "complaint_cap"
    run_on_commit(services.compensation_approve, proposal=proposal, actor=staff_user("supervisor"))
    proposal = fresh(proposal)
    assert proposal.state == ProposalState.SUCCEEDED
    line = ProposalLine.objects.get(pk=line.pk)
    assert line.status == LineStatus.SUCCEEDED
    entry = WalletLedgerEntry.objects.get()
    assert (entry.amount, entry.reference) == (duplicate.amount, line.gateway_reference)
    assert sum(counting_gateway.values()) == 1
