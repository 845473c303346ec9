from decimal import Decimal

import pytest

from tests.insight.factories import (
    breach,
    complaint,
    event,
    linked_transaction,
    local,
    paid_line,
    policy_version,
    team,
)


@pytest.fixture
def october(db):
    """The hand-computed month (Hong Kong time). In October: A (31st 23:30, i.e. 15:30 UTC),
    B, C, E (1st 00:30, i.e. 30 Sep 16:30 UTC). Outside: D (1 Nov 00:30), F (30 Sep 23:59)."""
    lead, (agent,) = team("lead1", "teamagent1")
    a = complaint(
        local(2026, 10, 31, 23, 30),
        channel="hotline",
        state="closed",
        owner=agent,
        ack_h=0.25,
        first_h=10,
        close_h=50,
        satisfaction_score=2,
        satisfaction_reason="slow",
        root_cause="merchant",
        escalation_level=1,
    )
    breach(a, "acknowledge")
    event(
        a,
        from_state="investigating",
        to_state="escalated",
        reason="needs lead",
        at=local(2026, 10, 31, 23, 45),
    )
    event(a, from_state="closed", to_state="investigating", reason="customer called back")
    linked_transaction(a, counterparty="Harbour Coffee")
    b = complaint(
        local(2026, 10, 5, 10),
        category="transfer_delay",
        state="investigating",
        ack_h=1,
        first_h=30,
        root_cause="bank_channel",
    )
    breach(b, "acknowledge")
    breach(b, "first_response", hours=24)
    linked_transaction(b, counterparty="Harbour Coffee", error_code="E_TIMEOUT", status="failed")
    c = complaint(
        local(2026, 10, 10, 9),
        state="closed",
        ack_h=0.1,
        first_h=2,
        close_h=20,
        satisfaction_score=5,
        root_cause="own_system",
    )
    version = policy_version({"HKD": "1000.00"})
    settled = local(2026, 10, 12, 12)
    paid_line(c, version, amount="100.00", currency="HKD", kind="refund", settled_at=settled)
    paid_line(c, version, amount="20.00", currency="HKD", kind="coupon", settled_at=settled)
    paid_line(
        c,
        version,
        amount="999.00",
        currency="HKD",
        kind="refund",
        settled_at=settled,
        status="failed",
    )
    complaint(local(2026, 11, 1, 0, 30), state="closed", close_h=10)
    e = complaint(local(2026, 10, 1, 0, 30), channel="hotline", category="other")
    complaint(local(2026, 9, 30, 23, 59), category="other")
    return {"a": a, "b": b, "c": c, "e": e, "lead": lead, "agent": agent, "D": Decimal}
