"""Acceptance 11: a duplicate-charge complaint → finding → quote → approval by a
supervisor → one refund executed → the resolution notice lists it → the customer sees it."""

import pytest

from backoffice.notifications.models import Notification
from compensation import services
from compensation.models import ProposalState, WalletLedgerEntry
from complaints import services as complaint_services
from complaints.exceptions import ResolutionNoticeBlocked
from complaints.models import ComplaintFinding
from tests.backoffice.factories import staff_user
from tests.compensation.factories import (
    activate_policy,
    duplicate_charge_complaint,
    fresh,
    refund_rule,
    submitted,
)

pytestmark = pytest.mark.django_db


def _propose_resolution(complaint, agent):
    complaint_services.complaint_record_identity_verification(
        complaint=complaint, actor=agent, method="one_time_code"
    )
    complaint_services.complaint_set_root_cause(
        complaint=complaint, actor=agent, root_cause="own_system"
    )
    return complaint_services.complaint_propose_resolution(
        complaint=complaint, actor=agent, summary="We refunded the duplicate charge."
    )


def test_11_duplicate_charge_end_to_end(run_on_commit, counting_gateway, api_client):
    activate_policy([refund_rule()])
    complaint, agent, duplicate = duplicate_charge_complaint(amount="388.50")
    finding = ComplaintFinding.objects.get(
        complaint=complaint, transaction=duplicate, kind="duplicate_charge"
    )
    assert (finding.kind, finding.confirmed) == ("duplicate_charge", True)

    proposal = submitted(complaint, agent)
    line = proposal.lines.get()
    assert line.trace["conditions"][0] == {
        "condition": "category",
        "expected": "duplicate_charge",
        "actual": "duplicate_charge",
        "held": True,
    }
    complaint = _propose_resolution(complaint, agent)
    with pytest.raises(ResolutionNoticeBlocked):
        complaint_services.complaint_send_resolution_notice(complaint=complaint, actor=agent)

    run_on_commit(services.compensation_approve, proposal=proposal, actor=staff_user("supervisor"))
    assert fresh(proposal).state == ProposalState.SUCCEEDED
    entry = WalletLedgerEntry.objects.get()
    assert (entry.amount, entry.original_transaction_id) == (line.amount, duplicate.transaction_id)
    assert sum(counting_gateway.values()) == 1

    run_on_commit(
        complaint_services.complaint_send_resolution_notice, complaint=complaint, actor=agent
    )
    notice = Notification.objects.get(
        topic=f"complaint:{complaint.reference}", template_key="complaint_resolution"
    )
    assert entry.reference in notice.body
    assert complaint.customer.wallet_account_id in notice.body
    assert "HKD 388.50" in notice.body

    api_client.force_authenticate(complaint.customer.user)
    refunds = api_client.get("/api/v1/compensations/").json()["refunds"]
    assert refunds == [
        {
            "complaint": complaint.reference,
            "transaction_id": duplicate.transaction_id,
            "amount": "388.50",
            "currency": "HKD",
            "status": "completed",
            "reference": entry.reference,
            "account": complaint.customer.wallet_account_id,
            "completed_at": refunds[0]["completed_at"],
        }
    ]
    assert refunds[0]["completed_at"]
