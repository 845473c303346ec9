"""Scenario 4: the payment core times out during a refund.

The app runs as real processes against the private PostgreSQL, with the HTTP payment-core
gateway pointed at a fake payment core on 127.0.0.1. Its refund endpoint books the payout
(once per idempotency key) and then answers too late: every POST hangs beyond
PAYMENT_CORE_TIMEOUT_SECONDS while the outage lasts, so the gateway's three attempts all time
out. (Hanging only on the first call would not leave the outcome unknown: the second
attempt, same key, would get the booked answer.) Then the outage ends and the real periodic
job, `run_periodic_jobs --only compensation-reconcile`, runs twice.

The approval and the payout run in one process without a broker (Celery eager, as a
deployment without Redis does): a worker would only move the same service call elsewhere.
"""

import pytest

from . import stack

TIMEOUT_SECONDS = 1.0
HANG_SECONDS = TIMEOUT_SECONDS + 1.5


@pytest.fixture
def payment_env(env, fake):
    return {
        **env,
        "REDIS_URL": "",
        "COMPENSATION_GATEWAY": "compensation.gateways.HttpPaymentCoreGateway",
        "PAYMENT_CORE_URL": f"{fake.url}/core",
        "PAYMENT_CORE_TOKEN": "reliability-core-token",
        "PAYMENT_CORE_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
    }


def _line(pg: stack.PrivatePostgres, line_id: int) -> tuple:
    return pg.query(
        "SELECT l.status, l.attempts, l.gateway_reference, l.last_error, p.state "
        "FROM compensation_proposalline l JOIN compensation_compensationproposal p "
        "ON p.id = l.proposal_id WHERE l.id = %s",
        (line_id,),
    )[0]


def test_payout_timeout_unknown_then_reconciled_once(pg, fake, payment_env, summary):
    fake.hang_payouts_for = HANG_SECONDS
    try:
        seeded = stack.seed(payment_env, "proposal")
    finally:
        fake.hang_payouts_for = 0
    key = seeded["key"]
    status, attempts, reference, error, state = _line(pg, seeded["line"])
    assert attempts == 1
    assert (status, state) == ("unknown", "unknown"), (status, state, error)
    assert "GatewayUnavailable" in error and reference == ""
    assert list(fake.payouts) == [key]  # the core booked it, we never heard back
    posts_during_outage = fake.payout_posts[key]

    first = stack.manage(payment_env, "run_periodic_jobs", "--only", "compensation-reconcile")
    second = stack.manage(payment_env, "run_periodic_jobs", "--only", "compensation-reconcile")
    status, _attempts, reference, error, state = _line(pg, seeded["line"])
    assert (status, state) == ("succeeded", "succeeded"), (status, state, error)
    assert reference == fake.payouts[key]["reference"]
    assert "(1)" in first and "(0)" in second, (first, second)
    assert len(fake.payouts) == 1
    assert fake.payout_posts[key] == posts_during_outage  # reconciliation asked, not re-sent
    summary(
        "4. Payment core times out during a refund",
        [
            f"refund HKD {seeded['amount']}: {posts_during_outage} POSTs with key {key}, each "
            f"answered after {HANG_SECONDS:.1f}s > timeout "
            f"{TIMEOUT_SECONDS:.0f}s; approval + payout call took {seeded['approve_seconds']}s",
            "after the outage: line unknown, proposal unknown; the core had booked 1 payout",
            f"reconciliation 1: {first.strip()}; reconciliation 2: {second.strip()}",
            f"settled: line succeeded with the core's reference {reference}, proposal "
            f"succeeded; status queries {fake.payout_status_gets[key]}, payouts booked by the "
            f"core: {len(fake.payouts)}",
        ],
    )
