"""Complaint test helpers: complaints are created and moved through the real services, so
every test starts from a state the application itself can produce."""

import importlib
from decimal import Decimal
from types import SimpleNamespace

from django.apps import apps as django_apps
from django.db import connection

from backoffice.core.actors import system_actor
from complaints import services
from complaints.models import AgentProfile, Complaint, ComplaintState, RegulatoryRegime
from tests.backoffice.factories import CustomerWithLoginFactory, staff_user

S = ComplaintState


def available_agent(username: str | None = None, **profile):
    agent = staff_user("agent", username=username)
    AgentProfile.objects.create(user=agent, **profile)
    return agent


def ensure_reference_data() -> None:
    """Regimes and canned responses come from a data migration; a transactional test of
    another app may have flushed them, so they are re-seeded the same way."""
    if RegulatoryRegime.objects.exists():
        return
    seed = importlib.import_module("complaints.migrations.0002_seed_regimes_and_knowledge_base")
    seed.seed(django_apps, SimpleNamespace(connection=connection))


def submit(customer=None, *, actor=None, defer_followup=False, **kwargs) -> Complaint:
    ensure_reference_data()
    customer = customer or CustomerWithLoginFactory()
    fields = {
        "category": "duplicate_charge",
        "description": "I was charged twice at Harbour Coffee.",
        "amount": Decimal("100.00"),
        "currency": "HKD",
    }
    fields.update(kwargs)
    if defer_followup:  # as the customer files it through the app
        return services.complaint_file(customer=customer, actor=actor or customer.user, **fields)[0]
    return services.complaint_submit(customer=customer, actor=actor or customer.user, **fields)


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def advance(complaint: Complaint, target: str, *, agent, supervisor=None) -> Complaint:
    """Drive `complaint` (owned by `agent`) from submitted to `target` with the services."""
    c = complaint
    if target == S.SUBMITTED:
        return fresh(c)
    customer_user = c.customer.user
    if target == S.WITHDRAWN:
        return services.complaint_withdraw(complaint=c, actor=customer_user, reason="sorted")
    c = services.complaint_acknowledge(complaint=c, actor=agent)
    if target == S.ACKNOWLEDGED:
        return c
    if target == S.REJECTED:
        return services.complaint_reject(complaint=c, actor=agent, reason="duplicate of another")
    c = services.complaint_start_investigation(complaint=c, actor=agent, plan="check the ledger")
    if target == S.INVESTIGATING:
        return c
    if target == S.AWAITING_CUSTOMER_INFO:
        return services.complaint_request_info(complaint=c, actor=agent, reason="send receipt")
    if target == S.ESCALATED:
        supervisor = supervisor or staff_user("supervisor")
        return services.complaint_escalate(complaint=c, actor=supervisor, reason="needs lead")
    services.complaint_record_identity_verification(
        complaint=c, actor=agent, method="one_time_code"
    )
    services.complaint_set_root_cause(complaint=c, actor=agent, root_cause="own_system")
    c = services.complaint_propose_resolution(
        complaint=c, actor=agent, summary="Refunded the duplicate charge."
    )
    if target == S.RESOLUTION_PROPOSED:
        return c
    c = services.complaint_send_resolution_notice(complaint=c, actor=agent)
    if target == S.AWAITING_CONFIRMATION:
        return c
    c = services.complaint_accept_resolution(complaint=c, actor=customer_user)
    assert target == S.CLOSED
    return c


def robot():
    return system_actor("tests")
