"""Every compensation admin page renders; auditors read everything and get no buttons."""

import pytest
from django.urls import reverse

from compensation.models import (
    ApprovalTier,
    BudgetReservation,
    CompensationPolicy,
    Coupon,
    FeeWaiver,
    PolicyBudget,
    PolicyVersion,
    WalletLedgerEntry,
)
from tests.backoffice.factories import staff_user
from tests.compensation.factories import (
    activate_policy,
    coupon_rule,
    duplicate_charge_complaint,
    fee_waiver_rule,
    refund_rule,
    submitted,
)

pytestmark = pytest.mark.django_db
MODELS = [
    CompensationPolicy,
    PolicyVersion,
    PolicyBudget,
    ApprovalTier,
    BudgetReservation,
    Coupon,
    FeeWaiver,
    WalletLedgerEntry,
]


@pytest.fixture
def world(run_on_commit):
    from compensation import services

    activate_policy([refund_rule(), coupon_rule("60.00"), fee_waiver_rule()])
    complaint, agent, _txn = duplicate_charge_complaint(amount="250.00")
    proposal = submitted(complaint, agent)
    run_on_commit(services.compensation_approve, proposal=proposal, actor=staff_user("manager"))
    return proposal


@pytest.mark.parametrize("role", ["manager", "auditor"])
def test_every_page_renders(client, world, role):
    client.force_login(staff_user(role))
    for model in MODELS:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        obj = model.objects.first()
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert client.get(change).status_code == 200, change
    page = client.get(
        reverse("admin:compensation_compensationproposal_change", args=[world.pk])
    ).content.decode()
    assert "proposal-action" not in page  # executed: nothing left to press


def test_auditors_get_no_approve_button(client):
    activate_policy([refund_rule()])
    complaint, agent, _txn = duplicate_charge_complaint(amount="250.00")
    proposal = submitted(complaint, agent)
    client.force_login(staff_user("auditor"))
    url = reverse("admin:compensation_compensationproposal_change", args=[proposal.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "proposal-action" not in page.content.decode()
    approve = reverse("admin:compensation_proposal_action", args=[proposal.pk, "approve"])
    response = client.post(approve, {"comment": "fine"}, follow=True)
    assert "Auditors cannot approve compensation." in response.content.decode()
