"""SLA clocks with frozen time: every clock, warnings, pause and resume, business days and
holidays, the holding reply, configuration per category and priority, and the sweep."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from complaints import services
from complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintSlaBreach,
    ComplaintState,
    RegulatoryRegime,
    SlaPolicy,
    StaffAlert,
)
from tests.backoffice.factories import CustomerWithLoginFactory, staff_user
from tests.complaints.factories import advance, fresh, submit

pytestmark = pytest.mark.django_db
S = ComplaintState
HK = ZoneInfo("Asia/Hong_Kong")
START = datetime(2026, 11, 2, 10, 0, tzinfo=HK)  # a Monday


def at(delta: timedelta = timedelta(0)):
    return time_machine.travel(START + delta, tick=False)


def test_acknowledge_clock_warns_then_breaches_once(agent):
    with at():
        complaint = submit()
    assert complaint.acknowledge_due_at == START + timedelta(minutes=30)
    assert complaint.sla_check_at == START + timedelta(minutes=15)
    with at(timedelta(minutes=10)):
        assert services.sla_sweep().checked == 0
    with at(timedelta(minutes=16)):
        result = services.sla_sweep()
    assert (result.warnings, result.breaches) == (1, 0)
    assert StaffAlert.objects.filter(recipient=agent, kind="sla_warning").count() == 1
    with at(timedelta(minutes=17)):
        assert services.sla_sweep().checked == 0  # warned: next look is the deadline itself
    with at(timedelta(minutes=31)):
        result = services.sla_sweep()
        again = services.sla_sweep()
    assert (result.breaches, result.escalations, again.breaches) == (1, 0, 0)
    breach = ComplaintSlaBreach.objects.get(complaint=complaint)
    assert breach.clock == "acknowledge" and breach.due_at == complaint.acknowledge_due_at
    assert fresh(complaint).next_sla_due_at == complaint.first_response_due_at


def test_first_response_breach_escalates_and_notifies(agent):
    supervisor = staff_user("supervisor")
    with at():
        complaint = advance(submit(), S.ACKNOWLEDGED, agent=agent)
    with at(timedelta(hours=24, minutes=1)):
        result = services.sla_sweep()
    assert result.escalations == 1
    complaint = fresh(complaint)
    assert complaint.state == S.ESCALATED and complaint.escalation_level == 1
    assert complaint.owner == supervisor
    assert StaffAlert.objects.filter(recipient=agent, kind="sla_breach").exists()
    assert StaffAlert.objects.filter(recipient=supervisor, kind="sla_breach").exists()
    assert complaint.history.latest().history_user.username == "system:sla-sweep"


def test_meeting_a_clock_stops_it(agent):
    with at():
        complaint = advance(submit(), S.INVESTIGATING, agent=agent)
    assert complaint.acknowledge_due_at is None and complaint.first_response_due_at is None
    assert complaint.next_sla_due_at == complaint.statutory_due_at


def test_progress_update_clock_for_complex_complaints(agent):
    with at():
        complaint = advance(submit(), S.INVESTIGATING, agent=agent)
        services.complaint_set_root_cause(
            complaint=complaint, actor=agent, root_cause="third_party"
        )
    complaint = fresh(complaint)
    assert complaint.complexity == "complex"
    assert complaint.progress_update_due_at == START + timedelta(hours=48)
    with at(timedelta(hours=30)):
        services.complaint_add_message(complaint=complaint, actor=agent, body="Still on it.")
    assert fresh(complaint).progress_update_due_at == START + timedelta(hours=78)
    with at(timedelta(hours=79)):
        result = services.sla_sweep()
    assert result.breaches == 1 and result.escalations == 0
    assert ComplaintSlaBreach.objects.get(complaint=complaint).clock == "progress_update"


def test_statutory_calendar_days_china():
    with at():
        complaint = submit()
    assert complaint.regime.code == "CN"
    expected = datetime(2026, 11, 17, 23, 59, 59, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert complaint.statutory_due_at == expected


def test_statutory_business_days_skip_weekends_and_holidays_uk():
    customer = CustomerWithLoginFactory(time_zone="Europe/London")
    london = ZoneInfo("Europe/London")
    with time_machine.travel(datetime(2026, 12, 14, 9, 0, tzinfo=london), tick=False):
        complaint = submit(customer, currency="GBP")
    assert complaint.regime.code == "UK"
    # 15 business days, skipping weekends, 25 and 28 December and 1 January.
    assert complaint.statutory_due_at == datetime(2027, 1, 7, 23, 59, 59, tzinfo=london)


def test_holiday_rows_move_the_deadline():
    uk = RegulatoryRegime.objects.get(code="UK")
    customer = CustomerWithLoginFactory(time_zone="Europe/London")
    london = ZoneInfo("Europe/London")
    uk.holidays.create(date="2026-11-20", name="Test holiday")
    with time_machine.travel(datetime(2026, 11, 16, 9, 0, tzinfo=london), tick=False):
        complaint = submit(customer, currency="GBP")
    # Without the holiday the 15th business day would be 7 December.
    assert complaint.statutory_due_at == datetime(2026, 12, 8, 23, 59, 59, tzinfo=london)


def test_holding_reply_extends_once_with_notice(agent):
    customer = CustomerWithLoginFactory(time_zone="Europe/London")
    london = ZoneInfo("Europe/London")
    with time_machine.travel(datetime(2026, 12, 14, 9, 0, tzinfo=london), tick=False):
        complaint = advance(submit(customer, currency="GBP"), S.INVESTIGATING, agent=agent)
        services.complaint_extend_statutory(
            complaint=complaint, actor=agent, reason="Waiting for the bank's records."
        )
        complaint = fresh(complaint)
        # 35 business days from receipt.
        assert complaint.statutory_due_at == datetime(2027, 2, 4, 23, 59, 59, tzinfo=london)
        event = ComplaintEvent.objects.get(complaint=complaint, kind="sla_extension")
        assert event.reason == "Waiting for the bank's records." and event.visibility == "customer"
        assert customer.notifications.filter(template_key="complaint_holding_reply").exists()
        from complaints.exceptions import StatutoryExtensionNotAllowed

        with pytest.raises(StatutoryExtensionNotAllowed):
            services.complaint_extend_statutory(complaint=complaint, actor=agent, reason="again")


def test_clocks_pause_while_waiting_for_the_customer(agent):
    with at():
        complaint = advance(submit(), S.ACKNOWLEDGED, agent=agent)
    first_due, statutory_due = complaint.first_response_due_at, complaint.statutory_due_at
    with at(timedelta(hours=1)):
        services.complaint_start_investigation(complaint=complaint, actor=agent, plan="look")
        services.complaint_request_info(complaint=complaint, actor=agent, reason="receipt")
    paused = fresh(complaint)
    assert paused.sla_check_at is None and paused.next_sla_due_at is None
    with at(timedelta(days=20)):
        assert services.sla_sweep().checked == 0  # nothing breaches while paused
        services.complaint_add_message(
            complaint=paused, actor=paused.customer.user, body="receipt attached"
        )
    resumed = fresh(complaint)
    assert resumed.state == S.INVESTIGATING
    waited = timedelta(days=20) - timedelta(hours=1)
    assert resumed.statutory_due_at == statutory_due + waited
    assert first_due is not None and resumed.first_response_due_at is None


def test_durations_configurable_per_category_and_priority(agent):
    SlaPolicy.objects.create(category="account_security", priority="", acknowledge_minutes=10)
    SlaPolicy.objects.create(category="account_security", priority="urgent", acknowledge_minutes=5)
    SlaPolicy.objects.create(category="", priority="high", first_response_hours=8)
    with at():
        urgent = submit(category="account_security")
        frozen = submit(category="account_frozen")
        normal = submit(category="wrong_amount")
    assert urgent.priority == "urgent"
    assert urgent.acknowledge_due_at == START + timedelta(minutes=5)
    assert frozen.first_response_due_at == START + timedelta(hours=8)
    assert normal.acknowledge_due_at == START + timedelta(minutes=30)
    assert normal.first_response_due_at == START + timedelta(hours=24)


def test_sweep_cost_follows_what_is_due(agent, django_assert_max_num_queries):
    with at():
        for _ in range(5):
            submit()
    with at(timedelta(minutes=1)), django_assert_max_num_queries(1):
        assert services.sla_sweep().checked == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_record_and_escalate_once():
    agent = staff_user("agent", username="pg-agent")
    from complaints.models import AgentProfile

    AgentProfile.objects.create(user=agent)
    staff_user("supervisor", username="pg-supervisor")
    with at():
        complaints = [advance(submit(), S.ACKNOWLEDGED, agent=agent) for _ in range(6)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait()
            with at(timedelta(hours=25)):
                results.append(services.sla_sweep())
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.escalations for r in results) == 6
    assert ComplaintSlaBreach.objects.filter(clock="first_response").count() == 6
    for complaint in complaints:
        escalations = ComplaintEvent.objects.filter(complaint=complaint, to_state=S.ESCALATED)
        assert escalations.count() == 1
        assert Complaint.objects.get(pk=complaint.pk).escalation_level == 1
