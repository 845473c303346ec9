"""Guards, escalation ownership, the customer's answer, notices and signals."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from backoffice.notifications.models import Notification
from complaints import hooks, services
from complaints.exceptions import (
    FollowUpPlanRequired,
    IdentityNotVerified,
    InvalidTransition,
    RatingNotAllowed,
    ReasonRequired,
    ReopenWindowPassed,
    ResolutionNoticeBlocked,
    RootCauseMissing,
)
from complaints.models import ComplaintEvent, ComplaintState, Visibility
from complaints.signals import complaint_closed
from tests.backoffice.factories import staff_user
from tests.complaints.factories import advance, fresh, submit

pytestmark = pytest.mark.django_db
S = ComplaintState


def test_no_proposal_without_identity_and_root_cause(agent):
    complaint = advance(submit(), S.INVESTIGATING, agent=agent)
    with pytest.raises(IdentityNotVerified):
        services.complaint_propose_resolution(complaint=complaint, actor=agent, summary="done")
    services.complaint_record_identity_verification(
        complaint=complaint, actor=agent, method="bound_phone"
    )
    with pytest.raises(RootCauseMissing):
        services.complaint_propose_resolution(complaint=complaint, actor=agent, summary="done")
    assert fresh(complaint).state == S.INVESTIGATING


def test_invalid_transition_is_a_conflict(agent):
    complaint = submit()
    with pytest.raises(InvalidTransition):
        services.complaint_send_resolution_notice(complaint=complaint, actor=agent)


def test_reasons_and_plans_are_required(agent):
    complaint = advance(submit(), S.ACKNOWLEDGED, agent=agent)
    with pytest.raises(FollowUpPlanRequired):
        services.complaint_start_investigation(complaint=complaint, actor=agent, plan="  ")
    with pytest.raises(ReasonRequired):
        services.complaint_reject(complaint=complaint, actor=agent, reason="")


def test_notice_guard_from_another_app_blocks_the_notice(agent, monkeypatch):
    complaint = advance(submit(), S.RESOLUTION_PROPOSED, agent=agent)
    monkeypatch.setattr(hooks, "resolution_notice_guards", [lambda c: "compensation pending"])
    with pytest.raises(ResolutionNoticeBlocked) as error:
        services.complaint_send_resolution_notice(complaint=complaint, actor=agent)
    assert "compensation pending" in str(error.value.message)
    assert fresh(complaint).state == S.RESOLUTION_PROPOSED


def test_resolution_notice_lists_compensation_and_regulator(agent, monkeypatch):
    line = {
        "description": "Refund of the duplicate charge",
        "amount": "100.00",
        "currency": "HKD",
        "reference": "RF-1",
        "account": "wallet W1",
    }
    monkeypatch.setattr(hooks, "notice_compensation_providers", [lambda c: [line]])
    complaint = advance(submit(), S.AWAITING_CONFIRMATION, agent=agent)
    notice = Notification.objects.get(
        topic=f"complaint:{complaint.reference}", template_key="complaint_resolution"
    )
    assert "Refund of the duplicate charge: HKD 100.00" in notice.body
    assert complaint.regime.regulator_name in notice.body
    assert notice.fallback_channel in ("in_app", "")


def test_resolution_notice_in_the_customers_language(agent):
    complaint = submit()
    complaint.customer.language = "zh-hant"
    complaint.customer.save()
    complaint = advance(complaint, S.AWAITING_CONFIRMATION, agent=agent)
    notice = Notification.objects.get(
        topic=f"complaint:{complaint.reference}", template_key="complaint_resolution"
    )
    assert "投訴處理結果通知書" in notice.body


def test_customer_rejection_escalates_to_a_supervisor_who_must_plan(agent):
    supervisor = staff_user("supervisor")
    complaint = advance(submit(), S.AWAITING_CONFIRMATION, agent=agent)
    services.complaint_reject_resolution(
        complaint=complaint, actor=complaint.customer.user, reason="not enough"
    )
    complaint = fresh(complaint)
    assert complaint.state == S.ESCALATED
    assert complaint.escalation_level == 1 and complaint.owner == supervisor
    with pytest.raises(FollowUpPlanRequired):
        services.complaint_start_investigation(complaint=complaint, actor=supervisor, plan="")
    services.complaint_start_investigation(
        complaint=complaint, actor=supervisor, plan="call the merchant"
    )
    complaint = fresh(complaint)
    assert complaint.state == S.INVESTIGATING and complaint.follow_up_plan == "call the merchant"
    assert supervisor.complaint_alerts.filter(kind="escalated").exists()


def test_accept_closes_and_sends_the_signal_once(agent):
    received = []

    def receiver(sender, complaint, **kwargs):
        received.append(complaint.reference)

    complaint_closed.connect(receiver)
    try:
        complaint = advance(submit(), S.CLOSED, agent=agent)
    finally:
        complaint_closed.disconnect(receiver)
    assert received == [complaint.reference]
    assert complaint.closed_at is not None


def test_reopen_within_window_only(agent):
    complaint = advance(submit(), S.CLOSED, agent=agent)
    services.complaint_reopen(complaint=complaint, actor=agent, reason="still missing")
    assert fresh(complaint).state == S.INVESTIGATING
    second = advance(submit(), S.CLOSED, agent=agent)
    with (
        time_machine.travel(timezone.now() + timedelta(days=31)),
        pytest.raises(ReopenWindowPassed),
    ):
        services.complaint_reopen(complaint=second, actor=agent, reason="late")


def test_rating_once_after_closing(agent):
    complaint = advance(submit(), S.AWAITING_CONFIRMATION, agent=agent)
    customer = complaint.customer.user
    with pytest.raises(RatingNotAllowed):
        services.complaint_rate(complaint=complaint, actor=customer, score=5)
    services.complaint_accept_resolution(complaint=complaint, actor=customer)
    services.complaint_rate(complaint=complaint, actor=customer, score=5, reason="quick")
    with pytest.raises(RatingNotAllowed):
        services.complaint_rate(complaint=complaint, actor=customer, score=1)
    assert fresh(complaint).satisfaction_score == 5


def test_auto_close_after_the_configured_days(agent, settings):
    settings.COMPLAINT_AUTO_CLOSE_DAYS = 14
    complaint = advance(submit(), S.AWAITING_CONFIRMATION, agent=agent)
    assert services.complaint_auto_close_due(now=timezone.now() + timedelta(days=13)) == 0
    assert services.complaint_auto_close_due(now=timezone.now() + timedelta(days=15)) == 1
    assert services.complaint_auto_close_due(now=timezone.now() + timedelta(days=15)) == 0
    complaint = fresh(complaint)
    assert complaint.state == S.CLOSED
    assert Notification.objects.filter(
        topic=f"complaint:{complaint.reference}", template_key="complaint_auto_closed"
    ).exists()
    assert complaint.history.latest().history_user.username == "system:auto-close"


def test_customer_answer_resumes_investigation(agent):
    complaint = advance(submit(), S.AWAITING_CUSTOMER_INFO, agent=agent)
    services.complaint_add_message(
        complaint=complaint, actor=complaint.customer.user, body="Here is my receipt."
    )
    assert fresh(complaint).state == S.INVESTIGATING


def test_events_are_customer_visible_or_internal(agent):
    complaint = advance(submit(), S.INVESTIGATING, agent=agent)
    services.complaint_set_root_cause(complaint=complaint, actor=agent, root_cause="merchant")
    kinds = dict(
        ComplaintEvent.objects.filter(complaint=complaint).values_list("kind", "visibility")
    )
    assert kinds["root_cause"] == Visibility.INTERNAL
    assert kinds["transition"] == Visibility.CUSTOMER


def test_reassign_by_supervisor_with_reason(agent):
    supervisor = staff_user("supervisor")
    other = staff_user("agent")
    complaint = advance(submit(), S.INVESTIGATING, agent=agent)
    services.complaint_assign(complaint=complaint, actor=supervisor, owner=other, reason="leave")
    assert fresh(complaint).owner == other
    event = ComplaintEvent.objects.filter(complaint=complaint, kind="assignment").latest("id")
    assert event.reason == "leave" and event.actor == supervisor
