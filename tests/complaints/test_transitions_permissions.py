"""One test per allowed and per forbidden transition for each role (parametrised).

Every complaint sits at escalation level 0 and is owned by `agent_owner`."""

import pytest
from simple_history.utils import get_history_model_for_model

from complaints import services
from complaints.exceptions import ActionNotPermitted
from complaints.models import Complaint, ComplaintEvent, ComplaintState
from tests.backoffice.factories import CustomerWithLoginFactory, staff_user
from tests.complaints.factories import advance, available_agent, fresh, submit

pytestmark = pytest.mark.django_db
S = ComplaintState
ROLES = [
    "agent_owner",
    "agent_other",
    "supervisor",
    "manager",
    "auditor",
    "customer_owner",
    "customer_other",
]
STAFF_HANDLERS = {"agent_owner", "supervisor", "manager"}
WITH_CUSTOMER = STAFF_HANDLERS | {"customer_owner"}

# name -> (source state, target state, call, roles allowed)
TRANSITIONS = {
    "acknowledge": (
        S.SUBMITTED,
        S.ACKNOWLEDGED,
        lambda c, a: services.complaint_acknowledge(complaint=c, actor=a),
        STAFF_HANDLERS,
    ),
    "start_investigation": (
        S.ACKNOWLEDGED,
        S.INVESTIGATING,
        lambda c, a: services.complaint_start_investigation(complaint=c, actor=a, plan="plan"),
        STAFF_HANDLERS,
    ),
    "request_info": (
        S.INVESTIGATING,
        S.AWAITING_CUSTOMER_INFO,
        lambda c, a: services.complaint_request_info(complaint=c, actor=a, reason="receipt"),
        STAFF_HANDLERS,
    ),
    "resume_investigation": (
        S.AWAITING_CUSTOMER_INFO,
        S.INVESTIGATING,
        lambda c, a: services.complaint_resume_investigation(complaint=c, actor=a),
        STAFF_HANDLERS,
    ),
    "propose_resolution": (
        "ready_to_propose",
        S.RESOLUTION_PROPOSED,
        lambda c, a: services.complaint_propose_resolution(complaint=c, actor=a, summary="done"),
        STAFF_HANDLERS,
    ),
    "send_resolution_notice": (
        S.RESOLUTION_PROPOSED,
        S.AWAITING_CONFIRMATION,
        lambda c, a: services.complaint_send_resolution_notice(complaint=c, actor=a),
        STAFF_HANDLERS,
    ),
    "accept_resolution": (
        S.AWAITING_CONFIRMATION,
        S.CLOSED,
        lambda c, a: services.complaint_accept_resolution(complaint=c, actor=a),
        WITH_CUSTOMER,
    ),
    "reject_resolution": (
        S.AWAITING_CONFIRMATION,
        S.ESCALATED,
        lambda c, a: services.complaint_reject_resolution(complaint=c, actor=a, reason="no"),
        WITH_CUSTOMER,
    ),
    "escalate": (
        S.INVESTIGATING,
        S.ESCALATED,
        lambda c, a: services.complaint_escalate(complaint=c, actor=a, reason="hard case"),
        {"supervisor", "manager"},
    ),
    "reject": (
        S.ACKNOWLEDGED,
        S.REJECTED,
        lambda c, a: services.complaint_reject(complaint=c, actor=a, reason="out of scope"),
        STAFF_HANDLERS,
    ),
    "withdraw": (
        S.INVESTIGATING,
        S.WITHDRAWN,
        lambda c, a: services.complaint_withdraw(complaint=c, actor=a),
        WITH_CUSTOMER,
    ),
    "reopen": (
        S.CLOSED,
        S.INVESTIGATING,
        lambda c, a: services.complaint_reopen(complaint=c, actor=a, reason="not fixed"),
        STAFF_HANDLERS,
    ),
}
CASES = [
    pytest.param(
        name,
        role,
        role in spec[3],
        id=f"{name}-{role}-{'allowed' if role in spec[3] else 'forbidden'}",
    )
    for name, spec in TRANSITIONS.items()
    for role in ROLES
]


@pytest.fixture
def actors(db):
    owner = available_agent("agent-owner")
    customer = CustomerWithLoginFactory()
    return {
        "agent_owner": owner,
        "agent_other": staff_user("agent", username="agent-other"),
        "supervisor": staff_user("supervisor", username="supervisor-x"),
        "manager": staff_user("manager", username="manager-x"),
        "auditor": staff_user("auditor", username="auditor-x"),
        "customer_owner": customer.user,
        "customer_other": CustomerWithLoginFactory().user,
        "_customer": customer,
    }


def _prepare(source: str, actors) -> Complaint:
    complaint = submit(actors["_customer"])
    agent = actors["agent_owner"]
    assert complaint.owner == agent
    if source == "ready_to_propose":
        complaint = advance(complaint, S.INVESTIGATING, agent=agent)
        services.complaint_record_identity_verification(
            complaint=complaint, actor=agent, method="id_document"
        )
        services.complaint_set_root_cause(complaint=complaint, actor=agent, root_cause="merchant")
        return fresh(complaint)
    return fresh(advance(complaint, source, agent=agent, supervisor=actors["supervisor"]))


@pytest.mark.parametrize(("name", "role", "allowed"), CASES)
def test_transition_per_role(actors, name, role, allowed):
    source, target, call, _roles = TRANSITIONS[name]
    complaint = _prepare(source, actors)
    before = complaint.state
    actor = actors[role]
    if allowed:
        call(complaint, actor)
        after = fresh(complaint)
        assert after.state == target
        event = ComplaintEvent.objects.filter(complaint=after, to_state=target).latest("id")
        assert event.actor == actor and event.from_state == before
        record = after.history.latest()
        assert record.history_user == actor
        assert record.history_change_reason.startswith(name)
    else:
        with pytest.raises(ActionNotPermitted):
            call(complaint, actor)
        assert fresh(complaint).state == before


def test_any_agent_may_acknowledge_an_unowned_submitted_complaint(actors):
    complaint = submit(actors["_customer"])
    Complaint.objects.filter(pk=complaint.pk).update(owner=None)
    other = actors["agent_other"]
    services.complaint_acknowledge(complaint=fresh(complaint), actor=other)
    after = fresh(complaint)
    assert after.owner == other and after.first_responder == other


def test_supervisor_may_not_escalate_to_level_two_but_manager_may(actors):
    complaint = advance(
        submit(actors["_customer"]),
        S.ESCALATED,
        agent=actors["agent_owner"],
        supervisor=actors["supervisor"],
    )
    complaint = services.complaint_start_investigation(
        complaint=complaint, actor=actors["supervisor"], plan="follow-up"
    )
    assert complaint.escalation_level == 1
    with pytest.raises(ActionNotPermitted):
        services.complaint_escalate(complaint=complaint, actor=actors["supervisor"], reason="x")
    services.complaint_escalate(complaint=complaint, actor=actors["manager"], reason="special team")
    assert fresh(complaint).escalation_level == 2


def test_rate_only_by_the_owning_customer(actors):
    complaint = advance(submit(actors["_customer"]), S.CLOSED, agent=actors["agent_owner"])
    for role in ROLES:
        if role == "customer_owner":
            continue
        with pytest.raises(ActionNotPermitted):
            services.complaint_rate(complaint=complaint, actor=actors[role], score=4)
    services.complaint_rate(complaint=complaint, actor=actors["customer_owner"], score=4)
    assert fresh(complaint).satisfaction_score == 4


def test_history_model_records_state_changes(actors):
    complaint = advance(submit(actors["_customer"]), S.INVESTIGATING, agent=actors["agent_owner"])
    history = get_history_model_for_model(Complaint).objects.filter(id=complaint.pk)
    states = list(history.order_by("history_id").values_list("state", flat=True))
    assert states[0] == S.SUBMITTED and states[-1] == S.INVESTIGATING
