"""Filing through the API answers once the complaint is stored; verification, assignment
and the acknowledgement message follow in a task after commit, exactly once (a burst of
filings wakes one drain task), and a sweep runs the follow-ups whose task was lost."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from backoffice.audit.models import AuditEntry
from backoffice.notifications.models import Notification
from complaints import services
from complaints.exceptions import ActionNotPermitted
from complaints.models import (
    AlertKind,
    Complaint,
    ComplaintFinding,
    ComplaintState,
    EventKind,
    StaffAlert,
)
from complaints.services.intake import (
    FOLLOWUP_GRACE_SECONDS,
    MAX_FOLLOWUP_ATTEMPTS,
)
from tests.backoffice.factories import (
    CustomerWithLoginFactory,
    PaymentTransactionFactory,
    staff_user,
)
from tests.complaints.factories import available_agent, ensure_reference_data, submit

pytestmark = pytest.mark.django_db
BODY = {
    "category": "duplicate_charge",
    "description": "Charged twice.",
    "amount": "100.00",
    "currency": "HKD",
}


def _received(complaint: Complaint):
    return Notification.objects.filter(
        topic=f"complaint:{complaint.reference}", template_key="complaint_received"
    )


def _post(customer, **extra):
    client = APIClient()
    client.force_authenticate(user=customer.user)
    return client.post("/api/v1/complaints/", {**BODY, **extra}, format="json")


def test_api_answers_before_the_follow_up_then_the_task_does_it(
    django_capture_on_commit_callbacks,
):
    ensure_reference_data()
    agent = available_agent()
    customer = CustomerWithLoginFactory()
    txn = PaymentTransactionFactory(customer=customer, status="failed")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _post(customer, transaction_ids=[txn.transaction_id])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["handled_by"] is None and body["state"] == "submitted"
    assert body["sla_expectations"] and body["transaction_ids"] == [txn.transaction_id]
    complaint = Complaint.objects.get(reference=body["reference"])
    assert complaint.intake_followup_pending and complaint.owner_id is None
    assert not _received(complaint).exists()
    assert not complaint.history.exists() and not complaint.events.exists()  # one INSERT
    assert not complaint.transactions.exists()

    for callback in callbacks:  # after commit: the task (eager here)
        callback()

    complaint.refresh_from_db()
    first = complaint.history.earliest()
    assert (first.history_type, first.history_change_reason) == ("+", "submitted")
    assert first.history_date == complaint.created_at  # dated when it was filed
    assert first.history_user == customer.user and first.state == ComplaintState.SUBMITTED
    submitted = complaint.events.get(kind=EventKind.TRANSITION)
    assert submitted.created_at == complaint.created_at and submitted.actor == customer.user
    assert AuditEntry.objects.filter(
        action="complaints.complaint.created", object_id=str(complaint.pk)
    ).exists()
    assert list(complaint.transactions.all()) == [txn] and complaint.raw_transaction_refs == []
    assert not complaint.intake_followup_pending
    assert complaint.owner == agent
    assert complaint.events.filter(kind=EventKind.VERIFICATION).count() == 1
    assert complaint.events.filter(kind=EventKind.ASSIGNMENT).count() == 1
    assert ComplaintFinding.objects.filter(complaint=complaint).exists()
    assert _received(complaint).count() == 1
    history_user = complaint.history.latest().history_user
    assert history_user is not None and history_user.username.startswith("system")


def test_the_follow_up_runs_once_however_often_it_is_called():
    ensure_reference_data()
    available_agent()
    complaint = submit(defer_followup=True)
    assert services.complaint_intake_followup(complaint_id=complaint.pk) is True
    assert services.complaint_intake_followup(complaint_id=complaint.pk) is False
    assert services.complaint_intake_followup_due(older_than_seconds=0) == 0
    assert _received(complaint).count() == 1
    assert complaint.events.filter(kind=EventKind.ASSIGNMENT).count() == 1
    assert complaint.events.filter(kind=EventKind.VERIFICATION).count() == 1


def test_a_complaint_withdrawn_before_its_follow_up_is_not_assigned_or_acknowledged():
    ensure_reference_data()
    available_agent()
    complaint = submit(defer_followup=True)
    services.complaint_withdraw(complaint=complaint, actor=complaint.customer.user, reason="ok")
    assert services.complaint_intake_followup(complaint_id=complaint.pk) is True
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.WITHDRAWN and complaint.owner_id is None
    assert not _received(complaint).exists()
    assert complaint.events.filter(kind=EventKind.VERIFICATION).count() == 1


def test_a_lost_task_is_run_by_the_sweep_after_the_grace_period(
    django_capture_on_commit_callbacks,
):
    ensure_reference_data()
    available_agent()
    customer = CustomerWithLoginFactory()
    with (
        mock.patch(
            "complaints.tasks.drain_intake_followups.delay", side_effect=OSError("broker down")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = _post(customer)
    assert response.status_code == 201  # accepted although the task could not be queued
    complaint = Complaint.objects.get(reference=response.json()["reference"])
    assert complaint.intake_followup_pending and complaint.owner_id is None

    assert services.complaint_intake_followup_due() == 0  # still within the grace period
    later = timezone.now() + timedelta(seconds=FOLLOWUP_GRACE_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        assert services.complaint_intake_followup_due() == 1
    complaint.refresh_from_db()
    assert not complaint.intake_followup_pending and complaint.owner_id is not None
    assert _received(complaint).count() == 1


def test_the_sweep_goes_on_past_a_complaint_that_breaks(caplog):
    ensure_reference_data()
    first, second = submit(defer_followup=True), submit(defer_followup=True)
    Complaint.objects.filter(pk__in=[first.pk, second.pk]).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    real = services.intake._follow_up

    def broken_for_first(complaint, **kwargs):
        if complaint.pk == first.pk:
            raise RuntimeError("provider template missing")
        return real(complaint, **kwargs)

    with mock.patch("complaints.services.intake._follow_up", side_effect=broken_for_first):
        assert services.complaint_intake_followup_due() == 1
    first.refresh_from_db()
    assert first.intake_followup_pending and first.intake_followup_attempts == 1  # retried
    assert not Complaint.objects.get(pk=second.pk).intake_followup_pending
    assert "intake follow-up failed" in caplog.text


def test_after_five_failures_the_sweep_leaves_it_to_a_supervisor():
    ensure_reference_data()
    supervisor = staff_user("supervisor")
    complaint = submit(defer_followup=True)
    Complaint.objects.filter(pk=complaint.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    broken = mock.patch(
        "complaints.services.intake._follow_up", side_effect=RuntimeError("template missing")
    )
    with broken:
        for _ in range(MAX_FOLLOWUP_ATTEMPTS):
            assert services.complaint_intake_followup_due() == 0
        alerts = StaffAlert.objects.filter(complaint=complaint, kind=AlertKind.FOLLOWUP_FAILED)
        assert [a.recipient for a in alerts] == [supervisor]
        assert complaint.reference in alerts[0].message
        with mock.patch("complaints.services.intake.complaint_intake_followup") as run:
            services.complaint_intake_followup_due()  # no longer picked up, no second alert
        run.assert_not_called()
    assert alerts.count() == 1
    complaint.refresh_from_db()
    assert complaint.intake_followup_pending
    assert complaint.intake_followup_attempts == MAX_FOLLOWUP_ATTEMPTS
    # Once the cause is fixed, the service itself (the task, a shell) still runs it.
    assert services.complaint_intake_followup(complaint_id=complaint.pk) is True


def test_staff_filing_does_the_follow_up_at_once():
    ensure_reference_data()
    agent = available_agent()
    complaint = submit()
    assert not complaint.intake_followup_pending and complaint.owner == agent
    assert _received(complaint).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_follow_ups_of_one_complaint_run_it_once():
    ensure_reference_data()
    from backoffice.roles.services import roles_sync_permissions

    roles_sync_permissions()
    available_agent()
    with mock.patch("complaints.services.intake._queue_followup"):  # as if the task was lost
        complaint = submit(defer_followup=True)
    barrier, results = threading.Barrier(4), []

    def run():
        try:
            barrier.wait()
            results.append(services.complaint_intake_followup(complaint_id=complaint.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert _received(complaint).count() == 1
    assert complaint.events.filter(kind=EventKind.ASSIGNMENT).count() == 1


def test_a_burst_of_filings_wakes_one_drain_that_follows_them_all_up(
    django_capture_on_commit_callbacks,
):
    ensure_reference_data()
    available_agent()
    customers = [CustomerWithLoginFactory() for _ in range(3)]
    with (
        mock.patch("complaints.tasks.drain_intake_followups.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        references = [_post(customer).json()["reference"] for customer in customers]
    assert delay.call_count == 1  # the first commit woke the drain; the others saw it waiting
    complaints = Complaint.objects.filter(reference__in=references)
    assert all(c.intake_followup_pending for c in complaints)

    assert services.complaint_intake_followup_drain() == 3  # what the woken task runs
    assert not Complaint.objects.filter(reference__in=references, owner=None).exists()
    for complaint in complaints:
        assert _received(complaint).count() == 1
    with (
        mock.patch("complaints.tasks.drain_intake_followups.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        _post(customers[0])
    assert delay.call_count == 1  # the drain started, so the next filing wakes it again


def test_the_drain_leaves_failed_follow_ups_to_the_sweep():
    ensure_reference_data()
    failed, fresh = submit(defer_followup=True), submit(defer_followup=True)
    Complaint.objects.filter(pk=failed.pk).update(intake_followup_attempts=1)
    assert services.complaint_intake_followup_drain() == 1
    assert Complaint.objects.get(pk=failed.pk).intake_followup_pending
    assert not Complaint.objects.get(pk=fresh.pk).intake_followup_pending


def test_a_full_drain_batch_queues_the_next_run():
    ensure_reference_data()
    with (
        mock.patch("complaints.services.intake.FOLLOWUP_DRAIN_BATCH", 2),
        mock.patch("complaints.tasks.drain_intake_followups.delay") as delay,
    ):
        for _ in range(3):
            submit(defer_followup=True)
        assert services.complaint_intake_followup_drain() == 2
        assert delay.call_count == 1
        assert services.complaint_intake_followup_drain() == 1
        assert delay.call_count == 1


def _history(complaint: Complaint) -> list[tuple[str, str, str]]:
    return [
        (h.history_type, h.history_change_reason, h.state)
        for h in complaint.history.order_by("history_date", "history_id")
    ]


def test_filing_through_the_api_is_one_insert():
    ensure_reference_data()
    customer = CustomerWithLoginFactory()
    client = APIClient()
    client.force_authenticate(user=customer.user)  # no token: the login comes with it
    client.post("/api/v1/complaints/", BODY, format="json")  # fills the config caches
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/api/v1/complaints/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="one-insert"
        )
    assert response.status_code == 201, response.json()
    # The test's own transaction adds a savepoint around it; in autocommit there is none.
    statements = [q["sql"].split(" (", 1)[0] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert statements == ['INSERT INTO "complaints_complaint"']


def test_whoever_locks_a_filing_first_records_it_before_changing_it():
    ensure_reference_data()
    agent = available_agent()
    complaint = submit(defer_followup=True)
    assert not complaint.history.exists()
    services.complaint_acknowledge(complaint=complaint, actor=agent)
    complaint.refresh_from_db()
    assert _history(complaint)[:2] == [
        ("+", "submitted", ComplaintState.SUBMITTED),
        ("~", "acknowledge", ComplaintState.ACKNOWLEDGED),
    ]
    kinds = list(complaint.events.order_by("pk").values_list("kind", "to_state"))
    assert kinds[:2] == [
        (EventKind.TRANSITION, ComplaintState.SUBMITTED),
        (EventKind.TRANSITION, ComplaintState.ACKNOWLEDGED),
    ]
    assert services.complaint_intake_followup(complaint_id=complaint.pk) is True
    assert _history(complaint)[0][:2] == ("+", "submitted")
    assert complaint.history.filter(history_type="+").count() == 1  # recorded once
    assert complaint.events.filter(to_state=ComplaintState.SUBMITTED).count() == 1


def test_the_sla_sweep_records_a_filing_before_it_warns_or_breaches():
    ensure_reference_data()
    complaint = submit(defer_followup=True)
    later = complaint.acknowledge_due_at + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        result = services.sla_sweep()
    assert result.breaches >= 1
    history = _history(complaint)
    assert history[0] == ("+", "submitted", ComplaintState.SUBMITTED)
    assert complaint.history.filter(history_type="+").count() == 1


def test_the_record_stands_when_the_rest_of_the_follow_up_fails():
    ensure_reference_data()
    customer = CustomerWithLoginFactory()
    txn = PaymentTransactionFactory(customer=customer)
    complaint = submit(customer, defer_followup=True, transaction_ids=[txn.transaction_id, "X1"])
    broken = mock.patch(
        "complaints.services.intake._follow_up", side_effect=RuntimeError("template missing")
    )
    with broken, pytest.raises(RuntimeError):
        services.complaint_intake_followup(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    assert complaint.intake_followup_pending  # the sweep tries the rest again
    assert _history(complaint) == [("+", "submitted", ComplaintState.SUBMITTED)]
    assert list(complaint.transactions.all()) == [txn] and complaint.raw_transaction_refs == ["X1"]
    assert services.complaint_intake_followup(complaint_id=complaint.pk) is True
    assert complaint.history.filter(history_type="+").count() == 1


def test_a_retry_after_the_follow_up_gets_the_complaint_as_it_stands():
    ensure_reference_data()
    agent = available_agent()
    customer = CustomerWithLoginFactory()
    first = _post_with_key(customer, "k-retry")
    assert first.status_code == 201 and first.json()["handled_by"] is None
    complaint = Complaint.objects.get(reference=first.json()["reference"])
    services.complaint_intake_followup(complaint_id=complaint.pk)
    again = _post_with_key(customer, "k-retry")
    assert again.status_code == 201
    assert again.json()["reference"] == complaint.reference
    assert again.json()["handled_by"]["first_name"] == agent.first_name
    assert Complaint.objects.filter(customer=customer).count() == 1


def _post_with_key(customer, key, **extra):
    client = APIClient()
    client.force_authenticate(user=customer.user)
    return client.post(
        "/api/v1/complaints/", {**BODY, **extra}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_a_taken_reference_is_drawn_again():
    ensure_reference_data()
    taken = submit(defer_followup=True)
    draws = iter([taken.reference, "CMP-20261201-NEW234"])
    with mock.patch("complaints.services.intake.new_reference", lambda: next(draws)):
        complaint = submit(defer_followup=True)
    assert complaint.reference == "CMP-20261201-NEW234"
    assert Complaint.objects.count() == 2


def test_only_the_customer_files_through_the_app():
    ensure_reference_data()
    customer = CustomerWithLoginFactory()
    with pytest.raises(ActionNotPermitted):
        services.complaint_file(
            customer=customer,
            actor=staff_user("agent"),
            category="duplicate_charge",
            description="On the phone.",
        )
    assert not Complaint.objects.exists()
