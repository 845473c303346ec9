"""Intake under load (scenario 1), with a PostgreSQL restart in the middle (scenario 2),
and with Redis down (scenario 5), through gunicorn against the private PostgreSQL/Redis.

The checks are on the database afterwards: one complaint per Idempotency-Key, none missing,
one "complaint received" message per complaint, and the provider received each message
exactly once (it counts calls per idempotency key).
"""

import asyncio
import contextlib
import os
import time
from collections import Counter

import httpx
import pytest

from . import stack
from .load import complaint_body, run_load

TOTAL, CLIENTS = (1_000, 20) if stack.SHORT else (10_000, 50)
TOTAL = int(os.environ.get("RELIABILITY_COMPLAINTS", TOTAL))
RESTART_TOTAL = 600 if stack.SHORT else 3_000
REPLAY_SHARE = 0.10
REDIS_DOWN_COMPLAINTS = 10 if stack.SHORT else 30


@pytest.fixture(scope="module")
def tokens(env):
    customers = stack.seed(env, "customers", count=CLIENTS, prefix="load", channel="sms")
    return [c["token"] for c in customers["customers"]]


def _complaints_per_key(pg: stack.PrivatePostgres, prefix: str) -> Counter:
    rows = pg.query(
        "SELECT substring(description FROM '\\[(.*)\\]'), count(*) FROM complaints_complaint "
        "WHERE description LIKE %s GROUP BY 1",
        (f"%[{prefix}-%",),
    )
    return Counter(dict(rows))


def _received_messages(pg: stack.PrivatePostgres, prefix: str) -> list[tuple]:
    """(complaint reference, status, idempotency key) of every "complaint received"
    message of the complaints filed with `prefix` keys."""
    return pg.query(
        "SELECT c.reference, n.status, n.idempotency_key FROM notifications_notification n "
        "JOIN complaints_complaint c ON n.topic = 'complaint:' || c.reference "
        "WHERE n.template_key = 'complaint_received' AND c.description LIKE %s",
        (f"%[{prefix}-%",),
    )


def _wait_all_sent(pg, prefix: str, expected: int, timeout: float) -> float:
    started = time.monotonic()

    def sent() -> bool:
        rows = _received_messages(pg, prefix)
        return len(rows) == expected and all(s in ("sent", "delivered") for _r, s, _k in rows)

    stack.wait_until(sent, timeout=timeout, interval=1, what=f"{prefix}: all messages sent")
    return time.monotonic() - started


def _tick_until_all_sent(env, pg, prefix: str, expected: int, timeout: float) -> int:
    """Run the two sweeps a beat would (intake follow-ups whose task was lost, messages
    whose delivery task was lost) until every message is sent; how many ticks it took."""
    ticks = 0

    def sent() -> bool:
        nonlocal ticks
        ticks += 1
        stack.manage(
            env,
            "run_periodic_jobs",
            "--only",
            "complaints-intake-followup",
            "--only",
            "notifications-deliver-due",
        )
        rows = _received_messages(pg, prefix)
        return len(rows) == expected and all(s in ("sent", "delivered") for _r, s, _k in rows)

    stack.wait_until(sent, timeout=timeout, interval=5, what=f"{prefix}: all messages sent")
    return ticks


def _check_exactly_once(
    pg, fake, result, prefix: str, total: int, *, resend_window: bool = False
) -> list[str]:
    """The database and the provider agree with what the clients were told. With
    `resend_window` (the database went away mid-send), a message the provider accepted but
    whose "sent" status was never committed is sent again with the same idempotency key,
    which the provider answers with the first message id: still one message."""
    assert not result.failures, result.failures[:10]
    assert result.statuses.get(500, 0) == 0, result.histogram()
    assert result.submitted == total and result.replay_mismatches == 0
    per_key = _complaints_per_key(pg, prefix)
    assert len(per_key) == total, f"{total - len(per_key)} complaints missing"
    assert max(per_key.values()) == 1, [k for k, n in per_key.items() if n > 1][:10]
    stored = pg.scalar(
        "SELECT count(*) FROM complaints_complaint WHERE idempotency_key LIKE %s",
        (f"{prefix}-%",),
    )
    assert stored == total
    # Each one's record, written by its follow-up: the first history row, dated as filed.
    recorded = pg.scalar(
        "SELECT count(*) FROM complaints_complaint c WHERE c.idempotency_key LIKE %s AND "
        "EXISTS (SELECT 1 FROM complaints_historicalcomplaint h WHERE h.id = c.id AND "
        "h.history_type = '+' AND h.history_date = c.created_at)",
        (f"{prefix}-%",),
    )
    assert recorded == total, f"{total - recorded} complaints without their first history row"
    references = {r for r, _s, _k in _received_messages(pg, prefix)}
    assert references == set(result.references.values())
    keys = [k for _r, _s, k in _received_messages(pg, prefix)]
    calls = [fake.provider_calls[k] for k in keys]
    assert len(set(keys)) == total and min(calls) == 1, Counter(calls)
    if not resend_window:
        assert calls.count(1) == total, Counter(calls)
    return [
        f"complaints filed: {total} by {len(set(result.references.values()))} references; "
        f"{result.replays} sent twice on purpose (same key): all replayed the same complaint",
        f"requests: {result.requests} ({result.retries} retries after errors); "
        f"status codes: {result.histogram()}",
        f"database: {len(per_key)} complaints for {total} keys, at most 1 per key; "
        f"{stored} carry their idempotency key, {recorded} have their first history row",
        f"messages: {len(keys)} 'complaint received' sent, one per complaint; provider "
        f"calls per idempotency key: {dict(Counter(calls))}",
        f"elapsed {result.elapsed:.1f}s, {total / result.elapsed:.1f} complaints/s, "
        f"latency p50 {result.percentile(0.5) * 1000:.0f} ms, "
        f"p99 {result.percentile(0.99) * 1000:.0f} ms",
    ]


def test_load_with_retries_exactly_once(pg, fake, gunicorn, tokens, workers, summary):
    """Scenario 1: concurrent clients, a tenth of the complaints sent twice with the same
    key: no 5xx, one complaint per key, each message sent once."""
    workers("load-worker")
    result = asyncio.run(
        run_load(
            base_url=gunicorn,
            tokens=tokens,
            total=TOTAL,
            concurrency=CLIENTS,
            replay_share=REPLAY_SHARE,
            prefix="load",
        )
    )
    assert not [code for code in result.statuses if code >= 500], result.histogram()
    sent_after = _wait_all_sent(pg, "load", TOTAL, timeout=300 if stack.SHORT else 900)
    lines = _check_exactly_once(pg, fake, result, "load", TOTAL)
    summary(
        f"1. Load: {CLIENTS} clients, {TOTAL} complaints, {REPLAY_SHARE:.0%} replayed",
        [*lines, f"all messages sent {sent_after:.1f}s after the last answer"],
    )


def test_postgres_restart_during_load(pg, fake, env, gunicorn, tokens, workers, summary):
    """Scenario 2: PostgreSQL restarted (fast shutdown) half-way through a load: clients
    retry with the same keys; nothing lost, nothing duplicated, no 500."""
    workers("restart-worker")
    restart = {}

    async def restart_postgres() -> str:
        started = time.monotonic()
        await asyncio.to_thread(pg.restart)
        restart["seconds"] = time.monotonic() - started
        return f"PostgreSQL restarted in {restart['seconds']:.1f}s"

    result = asyncio.run(
        run_load(
            base_url=gunicorn,
            tokens=tokens,
            total=RESTART_TOTAL,
            concurrency=CLIENTS,
            replay_share=REPLAY_SHARE,
            prefix="restart",
            midway=restart_postgres,
        )
    )
    assert restart, "the restart did not happen"
    unexpected = {c: n for c, n in result.statuses.items() if c >= 500 and c != 503}
    assert not unexpected, result.histogram()
    # A follow-up or delivery task that ran while the database was down failed with it;
    # the intake follow-up and notifications-deliver-due sweeps (beat: every 30 and 60 s)
    # do their work. Run their ticks after the tasks had their chance.
    with contextlib.suppress(TimeoutError):
        _wait_all_sent(pg, "restart", RESTART_TOTAL, timeout=30)
    left = RESTART_TOTAL - sum(
        s in ("sent", "delivered") for _r, s, _k in _received_messages(pg, "restart")
    )
    started = time.monotonic()
    ticks = _tick_until_all_sent(env, pg, "restart", RESTART_TOTAL, timeout=300)
    sent_after = time.monotonic() - started
    lines = _check_exactly_once(pg, fake, result, "restart", RESTART_TOTAL, resend_window=True)
    summary(
        f"2. PostgreSQL restart during a load of {RESTART_TOTAL} complaints ({CLIENTS} clients)",
        [
            *result.events,
            f"503 answers (database unavailable, retried by the clients): "
            f"{result.statuses.get(503, 0)}; 500 answers: {result.statuses.get(500, 0)}",
            *lines,
            f"{left} messages not sent 30 s after the load (still queued for the worker, "
            f"or their follow-up or delivery task failed in the restart window) were all "
            f"sent within {sent_after:.1f}s, the worker draining its queue while "
            f"{ticks} tick(s) of the intake follow-up and delivery sweeps ran",
        ],
    )


def test_redis_down_complaints_accepted_then_notified(
    pg, fake, redis_server, gunicorn, tokens, workers, env, summary
):
    """Scenario 5: with Redis (broker and cache) down, complaints are still accepted; their
    messages wait in the outbox and go out, once each, after Redis is back."""
    redis_server.stop()
    latencies, statuses = [], Counter()
    try:
        with httpx.Client(base_url=gunicorn, timeout=30) as client:
            for n in range(REDIS_DOWN_COMPLAINTS):
                key = f"redisdown-{n:06d}"
                started = time.monotonic()
                response = client.post(
                    "/api/v1/complaints/",
                    json=complaint_body(key),
                    headers={
                        "Authorization": f"Bearer {tokens[n % len(tokens)]}",
                        "Idempotency-Key": key,
                    },
                )
                latencies.append(time.monotonic() - started)
                statuses[response.status_code] += 1
        assert statuses == {201: REDIS_DOWN_COMPLAINTS}, statuses
        per_key = _complaints_per_key(pg, "redisdown")
        assert len(per_key) == REDIS_DOWN_COMPLAINTS and max(per_key.values()) == 1
        # Stored, with the follow-up (checks, assignment, acknowledgement) left to the sweep:
        # its task could not be queued. Nothing was sent.
        pending = pg.scalar(
            "SELECT count(*) FROM complaints_complaint WHERE intake_followup_pending "
            "AND description LIKE %s",
            ("%[redisdown-%",),
        )
        assert pending == REDIS_DOWN_COMPLAINTS
        waiting = _received_messages(pg, "redisdown")
        assert not any(fake.provider_calls[k] for _r, _s, k in waiting)
    finally:
        redis_server.start()
    back = time.monotonic()
    workers("after-redis-worker")
    ticks = _tick_until_all_sent(env, pg, "redisdown", REDIS_DOWN_COMPLAINTS, timeout=180)
    sent_after = time.monotonic() - back
    calls = Counter(fake.provider_calls[k] for _r, _s, k in _received_messages(pg, "redisdown"))
    assert calls == {1: REDIS_DOWN_COMPLAINTS}, calls
    latencies.sort()
    summary(
        f"5. Redis down: {REDIS_DOWN_COMPLAINTS} complaints filed one after another",
        [
            f"answers: {dict(statuses)}; latency min {latencies[0] * 1000:.0f} ms, "
            f"median {latencies[len(latencies) // 2] * 1000:.0f} ms, "
            f"max {latencies[-1] * 1000:.0f} ms",
            f"while down: {REDIS_DOWN_COMPLAINTS} complaints stored once each, their "
            f"follow-up (checks, assignment, acknowledgement) pending, nothing sent",
            f"Redis back + a worker + {ticks} tick(s) of the intake follow-up and delivery "
            f"sweeps (a follow-up is left to its task for 30 s first): "
            f"all sent within {sent_after:.1f}s, provider calls per message: {dict(calls)}",
        ],
    )
