"""Acceptance 3 and the maker-checker rules: the proposer never approves (superusers
included, admin button included), auditors never approve, one person approves once, the
approver's role must reach the tier; the policy version lifecycle."""

import pytest
from django.urls import reverse

from compensation import exceptions, services
from compensation.models import PolicyVersion, ProposalApproval, ProposalState, VersionState
from tests.backoffice.factories import UserFactory, staff_user
from tests.compensation.factories import (
    activate_policy,
    duplicate_charge_complaint,
    fresh,
    quoted,
    refund_rule,
)

pytestmark = pytest.mark.django_db


def _proposal_by(proposer=None, amount="250.00"):
    """A pending proposal quoted by `proposer` (default: the complaint's owning agent)."""
    activate_policy([refund_rule()])
    complaint, agent, _txn = duplicate_charge_complaint(amount=amount)
    proposer = proposer or agent
    proposal = quoted(complaint, proposer)
    return services.compensation_submit(proposal=proposal, actor=proposer)


def test_3_the_proposer_cannot_approve():
    supervisor = staff_user("supervisor")
    proposal = _proposal_by(supervisor)
    with pytest.raises(exceptions.ProposerCannotApprove):
        services.compensation_approve(proposal=proposal, actor=supervisor)
    assert not ProposalApproval.objects.exists()


def test_3_the_proposer_cannot_approve_even_as_superuser():
    boss = staff_user("manager", is_superuser=True)
    proposal = _proposal_by(boss)
    with pytest.raises(exceptions.ProposerCannotApprove):
        services.compensation_approve(proposal=proposal, actor=boss)
    assert fresh(proposal).state == ProposalState.PENDING_APPROVAL


def test_3_the_proposer_cannot_approve_through_the_admin_button(client):
    boss = staff_user("manager", is_superuser=True)
    proposal = _proposal_by(boss)
    client.force_login(boss)
    page = client.get(reverse("admin:compensation_compensationproposal_change", args=[proposal.pk]))
    assert page.status_code == 200
    approve_url = reverse("admin:compensation_proposal_action", args=[proposal.pk, "approve"])
    assert approve_url not in page.content.decode()
    response = client.post(approve_url, {"comment": "looks fine"}, follow=True)
    assert "cannot approve" in response.content.decode()
    assert fresh(proposal).state == ProposalState.PENDING_APPROVAL
    assert not ProposalApproval.objects.exists()


def test_an_eligible_approver_sees_and_uses_the_admin_button(
    client, django_capture_on_commit_callbacks
):
    proposal = _proposal_by(staff_user("supervisor"))
    approver = staff_user("supervisor")
    client.force_login(approver)
    page = client.get(reverse("admin:compensation_compensationproposal_change", args=[proposal.pk]))
    approve_url = reverse("admin:compensation_proposal_action", args=[proposal.pk, "approve"])
    assert approve_url in page.content.decode()
    assert "refundable_remainder" in page.content.decode()  # the trace is shown
    with django_capture_on_commit_callbacks(execute=True):
        client.post(approve_url, {"comment": "checked the ledger"})
    assert fresh(proposal).state == ProposalState.SUCCEEDED


@pytest.mark.parametrize(
    ("role", "error"),
    [
        ("auditor", exceptions.AuditorCannotApprove),
        ("agent", exceptions.ApproverRankTooLow),
    ],
)
def test_auditors_and_low_roles_cannot_approve(role, error):
    proposal = _proposal_by(staff_user("supervisor"))
    approver = staff_user(role)
    if role == "auditor":
        approver.groups.add(*staff_user("manager").groups.all())
    with pytest.raises(error):
        services.compensation_approve(proposal=proposal, actor=approver)


def test_a_superuser_without_a_role_cannot_approve():
    proposal = _proposal_by(staff_user("supervisor"))
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    with pytest.raises(exceptions.ApproverRankTooLow):
        services.compensation_approve(proposal=proposal, actor=root)


def test_one_person_approves_once_and_large_amounts_need_two_managers():
    proposal = _proposal_by(staff_user("supervisor"), amount="6000.00")
    manager = staff_user("manager")
    services.compensation_approve(proposal=proposal, actor=manager)
    with pytest.raises(exceptions.AlreadyApproved):
        services.compensation_approve(proposal=proposal, actor=manager)
    with pytest.raises(exceptions.ApproverRankTooLow):
        services.compensation_approve(proposal=proposal, actor=staff_user("supervisor"))
    assert fresh(proposal).state == ProposalState.PENDING_APPROVAL


def test_an_adjuster_cannot_approve():
    proposal = _proposal_by()
    supervisor = staff_user("supervisor")
    services.compensation_adjust_line(
        line=proposal.lines.get(), actor=supervisor, amount="200.00", reason="partial refund"
    )
    with pytest.raises(exceptions.ProposerCannotApprove):
        services.compensation_approve(proposal=proposal, actor=supervisor)


def test_reject_and_withdraw_need_a_reason_and_close_the_proposal():
    proposal = _proposal_by()
    with pytest.raises(exceptions.ReasonRequired):
        services.compensation_reject(proposal=proposal, actor=staff_user("supervisor"), reason=" ")
    services.compensation_reject(
        proposal=proposal, actor=staff_user("supervisor"), reason="not our fault"
    )
    assert fresh(proposal).state == ProposalState.REJECTED


def test_only_one_open_proposal_per_complaint():
    activate_policy([refund_rule()])
    complaint, agent, _txn = duplicate_charge_complaint()
    proposal = services.compensation_submit(proposal=quoted(complaint, agent), actor=agent)
    with pytest.raises(exceptions.ProposalAlreadyOpen):
        quoted(complaint, agent)
    services.compensation_withdraw(proposal=proposal, actor=agent, reason="customer withdrew")
    assert quoted(complaint, agent).state == ProposalState.DRAFT


def test_the_author_cannot_activate_a_version_and_the_old_one_retires():
    version = activate_policy([refund_rule()])
    author = staff_user("manager")
    draft = services.policy_version_create_draft(policy=version.policy, actor=author)
    assert draft.rules.count() == 1 and draft.limits.count() == 1
    services.policy_version_submit(version=draft, actor=author)
    with pytest.raises(exceptions.AuthorCannotActivate):
        services.policy_version_activate(version=draft, actor=author)
    with pytest.raises(exceptions.NotPermitted):
        services.policy_version_activate(version=draft, actor=staff_user("supervisor"))
    services.policy_version_activate(version=draft, actor=staff_user("manager"))
    states = dict(PolicyVersion.objects.values_list("number", "state"))
    assert states == {1: VersionState.RETIRED, 2: VersionState.ACTIVE}


def test_version_comparison_page_marks_differences(client):
    version = activate_policy([refund_rule()])
    author = staff_user("manager")
    draft = services.policy_version_create_draft(policy=version.policy, actor=author)
    rule = draft.rules.get()
    rule.percentage = 50
    rule.save()
    client.force_login(author)
    page = client.get(reverse("admin:compensation_version_compare", args=[draft.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count('class="differs"') == 1 and "percentage" in body
