"""Scenario 3: a Celery worker killed with SIGKILL in the middle of a campaign fan-out.

A campaign due now (in-app + push) for customers whose ids span several fan-out ranges, so
the run is one task per range. To have tasks surely in flight when the worker dies, the
test holds PostgreSQL advisory locks on the last ranges (the same lock a chunk task takes
on its id range to serialise runs): the worker finishes the other chunks and its two
processes block inside the next ones (one on the range lock, the other, today, on the run's
row, which the chunk's SELECT ... FOR UPDATE also locks through its joins). Then the main
process and its children get SIGKILL, the locks are released and a new worker starts. The
killed worker's tasks were acknowledged late, so they are still in Redis' unacked set; the
broker gives them back after CELERY_VISIBILITY_TIMEOUT (15 s here; 1 h by default). The
checks: every eligible customer has each delivery exactly once, and the push provider got
each message exactly once.
"""

import time
from collections import Counter

import psycopg
import pytest

from . import stack

CHUNKS, PER_CHUNK = (6, 100) if stack.SHORT else (12, 400)
BLOCKED = 3  # ranges held locked so their tasks are in flight at the kill


@pytest.fixture
def advisory_locks(pg):
    conn = psycopg.connect(pg.url.replace("postgres://", "postgresql://"), autocommit=True)
    try:
        yield conn
    finally:
        conn.close()


def _progress(pg: stack.PrivatePostgres, campaign: int) -> dict:
    row = pg.query(
        "SELECT (SELECT count(*) FROM education_delivery WHERE campaign_id = %s), "
        "(SELECT count(*) FROM education_runchunk c JOIN education_campaignrun r "
        " ON r.id = c.run_id WHERE r.campaign_id = %s AND c.done_at IS NOT NULL), "
        "(SELECT count(*) FROM education_runchunk c JOIN education_campaignrun r "
        " ON r.id = c.run_id WHERE r.campaign_id = %s), "
        "(SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock')",
        (campaign, campaign, campaign),
    )[0]
    return dict(zip(("deliveries", "done", "chunks", "waiting"), row, strict=True))


def _push_messages(pg, campaign: int) -> list[tuple]:
    return pg.query(
        "SELECT d.id, d.status, n.status, n.idempotency_key FROM education_delivery d "
        "LEFT JOIN notifications_notification n ON n.id = d.notification_id "
        "WHERE d.campaign_id = %s AND d.channel = 'push'",
        (campaign,),
    )


def test_worker_killed_mid_fanout_every_delivery_once(
    pg, fake, env, workers, advisory_locks, summary
):
    seeded = stack.seed(
        env, "campaign", chunks=CHUNKS, per_chunk=PER_CHUNK, channels=["in_app", "push"]
    )
    campaign = seeded["campaign"]
    blocked = seeded["lock_keys"][-BLOCKED:]
    for key in blocked:
        advisory_locks.execute("SELECT pg_advisory_lock(51001, %s)", (key,))
    first = workers("fanout-worker-1")
    stack.manage(env, "run_periodic_jobs", "--only", "education-plan-runs")
    stuck = stack.wait_until(
        lambda: (
            (p := _progress(pg, campaign))["waiting"] >= 2 and p["done"] == CHUNKS - BLOCKED and p
        ),
        timeout=180,
        interval=0.3,
        what="chunks in flight behind the locks",
    )
    assert 0 < stuck["deliveries"] < seeded["expected"]
    killed = first.sigkill_all()
    killed_at = time.monotonic()
    advisory_locks.execute("SELECT pg_advisory_unlock_all()")
    second = workers("fanout-worker-2")
    assert second.alive()

    def complete():
        progress = _progress(pg, campaign)
        messages = _push_messages(pg, campaign)
        sent = all(d == "sent" and n == "sent" for _i, d, n, _k in messages)
        return progress["done"] == CHUNKS and sent and progress

    final = stack.wait_until(complete, timeout=600, interval=1, what="fan-out complete")
    recovered = time.monotonic() - killed_at
    duplicates = pg.scalar(
        "SELECT count(*) FROM (SELECT customer_id, channel FROM education_delivery "
        "WHERE campaign_id = %s GROUP BY 1, 2 HAVING count(*) > 1) d",
        (campaign,),
    )
    per_channel = dict(
        pg.query(
            "SELECT channel, count(*) FROM education_delivery WHERE campaign_id = %s GROUP BY 1",
            (campaign,),
        )
    )
    assert final["deliveries"] == seeded["expected"]
    assert per_channel == {"in_app": seeded["customers"], "push": seeded["customers"]}
    assert duplicates == 0
    keys = [k for _i, _d, _n, k in _push_messages(pg, campaign)]
    calls = Counter(fake.provider_calls[k] for k in keys)
    assert len(set(keys)) == seeded["customers"]
    assert calls == {1: seeded["customers"]}, calls
    summary(
        f"3. Worker SIGKILLed mid fan-out: {seeded['customers']} customers x 2 channels, "
        f"{CHUNKS} chunk tasks",
        [
            f"at the kill: {stuck['done']}/{CHUNKS} chunks done, {stuck['deliveries']} of "
            f"{seeded['expected']} deliveries, {stuck['waiting']} chunk tasks in flight "
            f"(blocked on {BLOCKED} locked ranges); killed pids {killed}",
            f"new worker started; all chunks done and every push message sent "
            f"{recovered:.1f}s after the kill (visibility timeout 15 s + restore sweep <= 10 s)",
            f"deliveries: {per_channel}, duplicates (customer, channel): {duplicates}",
            f"push provider calls per message: {dict(calls)}",
        ],
    )
