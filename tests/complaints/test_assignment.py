"""Who gets a complaint: least open work first among those with capacity left, ties to
the lowest id, unavailable people skipped; three queries whatever the number of
candidates."""

import pytest

from complaints.models import AgentProfile, Complaint, ComplaintState
from complaints.services.assignment import agent_for_new_complaint, owner_for_level
from tests.backoffice.factories import staff_user
from tests.complaints.factories import available_agent, ensure_reference_data, submit

pytestmark = pytest.mark.django_db


def _give(owner, count: int, state: str = ComplaintState.INVESTIGATING) -> None:
    ensure_reference_data()
    for _ in range(count):
        complaint = submit(defer_followup=True)
        Complaint.objects.filter(pk=complaint.pk).update(owner=owner, state=state)


def test_the_agent_with_the_least_open_work_gets_it():
    busy, idle = available_agent(), available_agent()
    _give(busy, 2)
    _give(idle, 1)
    assert agent_for_new_complaint() == idle


def test_closed_work_does_not_count_and_ties_go_to_the_lowest_id():
    first, second = available_agent(), available_agent()
    _give(first, 3, state=ComplaintState.CLOSED)
    assert agent_for_new_complaint() == min(first, second, key=lambda u: u.pk)


def test_an_agent_at_capacity_is_skipped_and_capacity_zero_means_no_limit():
    full = available_agent(capacity=1)
    unlimited = available_agent(capacity=0)
    _give(full, 1)
    _give(unlimited, 5)
    assert agent_for_new_complaint() == unlimited
    AgentProfile.objects.filter(user=unlimited).update(capacity=5)
    assert agent_for_new_complaint() is None  # everyone is full: the complaint waits


def test_unavailable_agents_and_agents_without_a_profile_get_nothing():
    available_agent(is_available=False)
    staff_user("agent")  # never opted in to automatic assignment
    assert agent_for_new_complaint() is None


def test_escalation_owner_may_have_no_profile_but_not_be_unavailable():
    away = staff_user("supervisor")
    AgentProfile.objects.create(user=away, is_available=False)
    plain = staff_user("supervisor")
    assert owner_for_level(1) == plain
    assert owner_for_level(2) is None  # no manager


def test_picking_takes_three_queries_whatever_the_number_of_candidates(
    django_assert_num_queries,
):
    for _ in range(12):
        available_agent()
    with django_assert_num_queries(3):  # candidates, their open work, the chosen user
        agent_for_new_complaint()
