"""The whole journey of a duplicate-charge complaint in a real browser: the agent
acknowledges it, records identity verification, the plan and the root cause, confirms the
duplicate, quotes compensation and submits it for approval, proposes the resolution; a
supervisor approves the compensation; the agent sends the resolution notice.

Screenshots of every step are written to tests/artifacts/journey-*.png."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from backoffice.notifications.models import Notification
from compensation.models import CompensationProposal, ProposalState
from complaints import services as complaint_services
from complaints.models import Complaint, ComplaintState, FindingKind
from tests.backoffice.factories import (
    CustomerWithLoginFactory,
    PaymentTransactionFactory,
    staff_user,
)
from tests.compensation.factories import activate_policy, refund_rule
from tests.complaints.factories import available_agent, ensure_reference_data
from tests.e2e.conftest import ARTIFACTS, admin_login

pytestmark = pytest.mark.django_db(transaction=True)
AMOUNT = Decimal("250.00")  # above the no-approval tier: one supervisor must approve


def _duplicate_charge_complaint(agent) -> Complaint:
    ensure_reference_data()
    customer = CustomerWithLoginFactory(wallet_account_id="W-JOURNEY-1")
    when = timezone.now() - timedelta(hours=2)
    first, second = (
        PaymentTransactionFactory(
            customer=customer,
            amount=AMOUNT,
            currency="HKD",
            occurred_at=when + timedelta(seconds=offset),
            counterparty="Harbour Coffee",
        )
        for offset in (0, 40)
    )
    complaint = complaint_services.complaint_submit(
        customer=customer,
        actor=customer.user,
        category="duplicate_charge",
        description="Charged twice at Harbour Coffee.",
        amount=AMOUNT,
        currency="HKD",
        transaction_ids=[first.transaction_id, second.transaction_id],
    )
    complaint.refresh_from_db()
    assert complaint.owner == agent
    return complaint


def _action(page, complaint: Complaint, name: str, **fields) -> None:
    """Open the complaint page, press the workflow button `name`, fill and confirm."""
    page.goto(f"/admin/complaints/complaint/{complaint.pk}/change/")
    page.click(f'a.complaint-action[data-action="{name}"]')
    for field, value in fields.items():
        selector = f"#id_{field}"
        if page.locator(selector).evaluate("e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    page.click("input[type=submit].default")
    page.wait_for_url(f"**/admin/complaints/complaint/{complaint.pk}/change/")
    assert "errornote" not in page.content()


def _state(complaint: Complaint) -> str:
    return Complaint.objects.get(pk=complaint.pk).state


def _proposal_state(proposal: CompensationProposal) -> str:
    return CompensationProposal.objects.get(pk=proposal.pk).state


def test_agent_and_supervisor_resolve_a_duplicate_charge_with_compensation(
    page, browser, live_server, screenshot
):
    agent = available_agent("agent-journey")
    supervisor = staff_user("supervisor", username="supervisor-journey")
    activate_policy([refund_rule()])
    complaint = _duplicate_charge_complaint(agent)

    admin_login(page, "agent-journey")
    page.goto(f"/admin/complaints/complaint/{complaint.pk}/change/")
    page.wait_for_selector(f"text={complaint.reference}")
    screenshot("journey-01-complaint-submitted")

    _action(page, complaint, "acknowledge", reason="Sorry for the trouble; we are on it.")
    assert _state(complaint) == ComplaintState.ACKNOWLEDGED
    screenshot("journey-02-acknowledged")

    _action(page, complaint, "verify_identity", method="one_time_code")
    screenshot("journey-03-identity-verified")

    _action(page, complaint, "start_investigation", plan="Compare both charges in the ledger.")
    _action(page, complaint, "set_root_cause", root_cause="own_system")
    assert _state(complaint) == ComplaintState.INVESTIGATING
    duplicate = complaint.findings.get(kind=FindingKind.DUPLICATE_CHARGE)
    page.click(f'button[formaction$="/finding/{duplicate.pk}/confirm/"]')
    page.wait_for_url(f"**/admin/complaints/complaint/{complaint.pk}/change/")
    duplicate.refresh_from_db()
    assert duplicate.confirmed is True
    screenshot("journey-04-root-cause-plan-and-finding")

    page.goto("/admin/compensation/compensationproposal/")
    page.click('a[href="/admin/compensation/compensationproposal/quote/"]')
    page.fill("#id_reference", complaint.reference)
    page.click("input[type=submit].default")
    page.wait_for_url("**/admin/compensation/compensationproposal/*/change/")
    proposal = CompensationProposal.objects.get(complaint=complaint)
    assert proposal.state == ProposalState.DRAFT
    assert proposal.lines.get().amount == AMOUNT
    screenshot("journey-05-compensation-quoted")
    page.click('a.proposal-action[data-action="submit"]')
    page.click("input[type=submit].default")
    page.wait_for_url(f"**/admin/compensation/compensationproposal/{proposal.pk}/change/")
    assert _proposal_state(proposal) == ProposalState.PENDING_APPROVAL
    screenshot("journey-06-compensation-submitted")

    _action(page, complaint, "propose_resolution", summary="We refund the duplicate charge.")
    assert _state(complaint) == ComplaintState.RESOLUTION_PROPOSED
    screenshot("journey-07-resolution-proposed")

    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    supervisor_page = context.new_page()
    admin_login(supervisor_page, supervisor.username)
    supervisor_page.goto(f"/admin/compensation/compensationproposal/{proposal.pk}/change/")
    supervisor_page.click('a.proposal-action[data-action="approve"]')
    supervisor_page.fill("#id_comment", "Duplicate confirmed in the ledger.")
    supervisor_page.click("input[type=submit].default")
    supervisor_page.wait_for_url(
        f"**/admin/compensation/compensationproposal/{proposal.pk}/change/"
    )
    supervisor_page.screenshot(path=str(ARTIFACTS / "journey-08-approved.png"), full_page=True)
    context.close()
    assert _proposal_state(proposal) in (
        ProposalState.APPROVED,
        ProposalState.EXECUTING,
        ProposalState.SUCCEEDED,
    )

    _action(page, complaint, "send_resolution_notice")
    assert _state(complaint) == ComplaintState.AWAITING_CONFIRMATION
    notice = Notification.objects.filter(topic=f"complaint:{complaint.reference}").latest("pk")
    assert "250.00" in notice.body
    screenshot("journey-09-notice-sent")
