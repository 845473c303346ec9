"""No write escapes history: every public service, called for real, leaves a history
record with a user and a reason for each row it created or changed (or, for the models
listed in history_watch.NO_HISTORY, only appends / writes its own event rows).

The services are discovered by introspection (history_watch.discover_services); each is
either in WRITERS (and must be called, at least once, by the scenario below) or in
READERS with the reason it writes nothing. A new service in neither list fails the guard.
"""

from datetime import time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from backoffice.api.services import service_credential_create
from backoffice.audit import services as audit
from backoffice.core.actors import system_actor
from backoffice.customers.models import Customer
from backoffice.customers.services import customer_update_preferences
from backoffice.notifications import services as notifications
from backoffice.notifications.models import Notification
from backoffice.roles.services import roles_sync_permissions
from compensation import services as compensation
from compensation.models import PolicyVersion, ProposalLine, VersionState
from compensation.services import grants
from complaints import services as complaints
from complaints.models import Complaint
from education.models import Campaign, Delivery, RunChunk, SecurityTip, WarningRule
from education.services import campaigns, content, delivery, fanout, preferences, warnings
from education.services.enrolment import enrolment_from_complaint, series_enrol_new_customers
from insight.services import summary_refresh
from tests.audit.history_watch import NO_HISTORY, ServiceWatch, discover_services
from tests.backoffice.factories import CustomerWithLoginFactory, staff_user
from tests.compensation.factories import duplicate_charge_complaint
from tests.complaints.factories import advance, available_agent, submit

pytestmark = pytest.mark.django_db

READERS = {
    "agent_for_new_complaint": "picks an agent; the caller assigns",
    "attachment_download_name": "builds a file name",
    "audit_verify": "reads the chain",
    "campaign_occurs_on": "calendar arithmetic",
    "campaign_validate": "raises on an invalid campaign",
    "check_approver": "raises when the author approves their own content",
    "customer_time_zones": "a distinct() query",
    "education_preferences": "reads a customer's preferences",
    "notification_due_ids": "a query for the sender",
    "role_permission_table": "merges the apps' ROLE_PERMISSIONS dicts",
    "rule_matches": "pure function of a warning rule",
    "suppression_reason": "builds a queryset",
    "warning_context_clean": "validates the app's input",
    "warning_presentation": "renders a stored decision",
}
WRITERS = {
    # complaints
    "complaint_accept_resolution",
    "complaint_acknowledge",
    "complaint_add_internal_note",
    "complaint_add_message",
    "complaint_assign",
    "complaint_auto_close_due",
    "complaint_classify",
    "complaint_escalate",
    "complaint_extend_statutory",
    "complaint_file",
    "complaint_intake_followup",
    "complaint_intake_followup_drain",
    "complaint_intake_followup_due",
    "complaint_propose_resolution",
    "complaint_rate",
    "complaint_record_identity_verification",
    "complaint_reject",
    "complaint_reject_resolution",
    "complaint_reopen",
    "complaint_request_info",
    "complaint_resume_investigation",
    "complaint_review_finding",
    "complaint_send_resolution_notice",
    "complaint_set_root_cause",
    "complaint_start_investigation",
    "complaint_submit",
    "complaint_verify_transactions",
    "complaint_withdraw",
    "sla_sweep",
    # compensation
    "compensation_adjust_line",
    "compensation_approve",
    "compensation_execute",
    "compensation_execute_line",
    "compensation_expire_stale",
    "compensation_quote",
    "compensation_reconcile",
    "compensation_reject",
    "compensation_settle",
    "compensation_submit",
    "compensation_withdraw",
    "coupon_issue",
    "coupon_redeem",
    "fee_waiver_consume",
    "fee_waiver_grant",
    "policy_version_activate",
    "policy_version_create_draft",
    "policy_version_return_to_draft",
    "policy_version_submit",
    # education
    "campaign_approve",
    "campaign_finish",
    "campaign_pause",
    "campaign_resume",
    "campaign_run_plan",
    "chunks_requeue_stale",
    "deliveries_release_held",
    "deliveries_send",
    "delivery_event_record",
    "delivery_fanout_chunk",
    "education_preferences_update",
    "enrolment_from_complaint",
    "insert_deliveries",
    "quiz_attempt_submit",
    "runs_plan_due",
    "series_deliver_due",
    "series_enrol_new_customers",
    "tip_approve",
    "tip_create",
    "tip_retire",
    "tip_version_create",
    "warning_evaluate",
    "warning_outcome_record",
    "warning_rule_save",
    # kernel
    "audit_record",
    "audit_seal",
    "customer_update_preferences",
    "notification_deliver",
    "notification_enqueue",
    "notification_record_receipt",
    "notification_retry",
    "roles_sync_permissions",
    "service_credential_create",
    "summary_refresh",
    "transaction_ingest_batch",
}


@pytest.fixture
def run_on_commit_all(django_capture_on_commit_callbacks, settings, tmp_path):
    """Run a step, then what it queued after commit (sends, payouts), as production does."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"

    def run(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run


def test_every_service_is_either_a_writer_or_a_listed_reader():
    discovered = set(discover_services())
    assert discovered - WRITERS - set(READERS) == set(), "new service: add it to a list"
    assert (WRITERS | set(READERS)) - discovered == set(), "gone: remove it from the lists"
    assert WRITERS.isdisjoint(READERS)


def test_models_without_history_say_why():
    assert all(reason for _kind, reason in NO_HISTORY.values())


def _complaint_steps(now) -> None:
    agent, supervisor = available_agent(), staff_user("supervisor")
    c = advance(submit(), "investigating", agent=agent)
    complaints.complaint_add_internal_note(complaint=c, actor=agent, body="checked the ledger")
    complaints.complaint_add_message(complaint=c, actor=agent, body="We are on it.")
    complaints.complaint_classify(complaint=c, actor=supervisor, reason="big", priority="high")
    complaints.complaint_verify_transactions(complaint=c, actor=agent)
    complaints.complaint_extend_statutory(complaint=c, actor=supervisor, reason="regulator ok")
    other = available_agent()
    complaints.complaint_assign(complaint=c, actor=supervisor, owner=other, reason="holiday")
    c = complaints.complaint_request_info(complaint=c, actor=other, reason="receipt please")
    complaints.complaint_resume_investigation(complaint=c, actor=other, reason="got it")
    c = advance(submit(), "awaiting_confirmation", agent=agent)
    complaints.complaint_reject_resolution(complaint=c, actor=c.customer.user, reason="no")
    closed = advance(submit(), "closed", agent=agent)
    complaints.complaint_reopen(complaint=closed, actor=supervisor, reason="new evidence")
    enrolment_from_complaint(complaint=Complaint.objects.get(pk=closed.pk))
    deferred = submit(defer_followup=True)
    complaints.complaint_intake_followup(complaint_id=deferred.pk)
    missed = submit(defer_followup=True)
    Complaint.objects.filter(pk=missed.pk).update(created_at=now - timedelta(minutes=5))
    assert complaints.complaint_intake_followup_due() == 1
    submit(defer_followup=True)
    assert complaints.complaint_intake_followup_drain() == 1


def _compensation_steps() -> None:
    complaint, agent, _txn = duplicate_charge_complaint()
    proposal = compensation.compensation_quote(complaint=complaint, actor=agent)
    line = proposal.lines.first()
    supervisor = staff_user("supervisor")
    compensation.compensation_adjust_line(
        line=line, actor=supervisor, amount=line.amount, reason="checked"
    )
    proposal = compensation.compensation_submit(proposal=proposal, actor=agent)
    compensation.compensation_withdraw(proposal=proposal, actor=agent, reason="customer asked")
    proposal = compensation.compensation_quote(complaint=complaint, actor=agent)
    proposal = compensation.compensation_submit(proposal=proposal, actor=agent)
    compensation.compensation_reject(proposal=proposal, actor=supervisor, reason="not our fault")
    draft = compensation.policy_version_create_draft(
        policy=PolicyVersion.objects.filter(state=VersionState.ACTIVE).first().policy,
        actor=staff_user("manager"),
    )
    draft = compensation.policy_version_submit(version=draft, actor=draft.author)
    compensation.policy_version_return_to_draft(
        version=draft, actor=staff_user("manager"), reason="typo"
    )
    line = ProposalLine.objects.order_by("pk").first()
    compensation.compensation_execute_line(line_id=line.pk)
    compensation.compensation_execute(proposal_id=line.proposal_id)
    compensation.compensation_settle(proposal_id=line.proposal_id)
    coupon = grants.coupon_issue(line=line, actor=system_actor("tests"))
    waiver = grants.fee_waiver_grant(line=line, actor=system_actor("tests"))
    wallet = line.proposal.customer.wallet_account_id
    grants.coupon_redeem(
        code=coupon.code,
        wallet_account_id=wallet,
        transaction_id="TXN-AUDIT-1",
        amount=Decimal("500.00"),
        currency=coupon.currency,
        actor=system_actor("payment-core"),
    )
    grants.fee_waiver_consume(
        wallet_account_id=wallet,
        transaction_id="TXN-AUDIT-2",
        transaction_type="transfer",
        fee=Decimal("1.00"),
        currency=waiver.currency,
        actor=system_actor("payment-core"),
    )


def _education_steps(now) -> None:
    editor, approver = staff_user("content_editor"), staff_user("manager")
    tip = content.tip_create(slug="audit-tip", topic="phishing", severity="info", actor=editor)
    content.tip_version_create(
        tip=tip, texts=[{"language": "en", "title": "T", "body": "B"}], actor=editor
    )
    content.tip_approve(tip=tip, actor=approver)
    content.tip_retire(tip=tip, actor=approver)
    campaign = Campaign.objects.first()
    for days in range(8):
        for zone in fanout.customer_time_zones():
            day = (now + timedelta(days=days)).astimezone(ZoneInfo(zone)).date()
            due = fanout.local_datetime(day, campaign.local_time, zone)
            fanout.campaign_run_plan(campaign=campaign, zone=zone, now=due + timedelta(minutes=1))
    for chunk in RunChunk.objects.all():
        fanout.delivery_fanout_chunk(chunk_id=chunk.pk, now=now + timedelta(days=8))
    delivery.deliveries_send(deliveries=Delivery.objects.filter(status="pending"))
    fanout.chunks_requeue_stale(now=now + timedelta(days=9))
    campaigns.campaign_pause(campaign=campaign, actor=approver)
    campaigns.campaign_resume(campaign=campaign, actor=approver)
    campaigns.campaign_finish(campaign=campaign, actor=approver)
    customer = Customer.objects.filter(user__isnull=False).first()
    preferences.education_preferences_update(
        customer=customer,
        quiet_start=time(22),
        quiet_end=time(7),
        opted_out_channels=["sms"],
        opted_out_topics=[],
    )
    quiz_tip = SecurityTip.objects.filter(questions__isnull=False).first()
    question = quiz_tip.questions.first()
    content.quiz_attempt_submit(
        customer=customer, tip=quiz_tip, answers={question.pk: question.choices.first().pk}
    )
    sent = Delivery.objects.filter(status="sent").first()
    delivery.delivery_event_record(customer=sent.customer, delivery_id=sent.pk, type="opened")
    decision = warnings.warning_evaluate(
        customer=customer,
        scenario="public_wifi",
        context={"network_type": "public_wifi"},
        request_id="audit-history",
    )
    warnings.warning_outcome_record(customer=customer, decision_id=decision.pk, outcome="proceeded")
    rule = WarningRule.objects.first()
    warnings.warning_rule_save(rule=rule, actor=approver, reason="reviewed")
    series_enrol_new_customers(now=now)


def _kernel_steps() -> None:
    service_credential_create(name="audit-history")
    customer = CustomerWithLoginFactory()
    customer_update_preferences(customer=customer, actor=customer.user, preferred_channel="sms")
    roles_sync_permissions()
    notification = Notification.objects.filter(provider_message_id__gt="").first()
    notifications.notification_record_receipt(
        provider_message_id=notification.provider_message_id,
        delivered=True,
        occurred_at=timezone.now(),
        actor=system_actor("tests"),
    )
    failed = Notification.objects.order_by("pk").first()
    Notification.objects.filter(pk=failed.pk).update(status="failed")
    notifications.notification_retry(notification=failed, actor=staff_user("supervisor"))
    audit.audit_record(actor=staff_user("auditor"), action="test.history", data={"x": Decimal(1)})


def test_every_writer_leaves_history_with_a_user_and_a_reason(settings, run_on_commit_all):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with ServiceWatch(discover_services()) as watch:
        call_command("seed_demo", "--force", verbosity=0)
        now = timezone.now()
        run_on_commit_all(_complaint_steps, now)
        run_on_commit_all(_compensation_steps)
        run_on_commit_all(_education_steps, now)
        run_on_commit_all(_kernel_steps)
        for days in (1, 40):
            with time_machine.travel(now + timedelta(days=days)):
                run_on_commit_all(call_command, "run_periodic_jobs", verbosity=0)
        summary_refresh(full=True)
    assert watch.failures == [], "\n".join(sorted(set(watch.failures)))
    assert watch.deferred, "the scenario files complaints through the app"
    for label, pk in watch.deferred:  # their first history row came from the follow-up
        model = apps.get_model(label)
        first = model.history.model.objects.filter(id=pk).order_by("history_id").first()
        assert first is not None, f"{label} {pk}: its follow-up never wrote history"
        assert first.history_type == "+" and first.history_change_reason == "submitted"
    assert WRITERS - watch.called == set(), "writers the scenario never called"
