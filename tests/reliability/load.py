"""The load generator: concurrent mobile-app clients filing complaints over HTTP.

Each complaint has its own Idempotency-Key and a description naming that key, so the
database can be checked afterwards: one complaint per key, none missing. A client retries a
request on connection errors, timeouts and 502/503/504 (bounded, with back-off) with the
same key and body, as the apps do; a share of the complaints is also sent a second time
after a 201 (an app that never saw the answer), which must replay the same complaint.
"""

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

RETRY_STATUSES = {502, 503, 504}
MAX_ATTEMPTS = 12
# One line per request would drown the figures.
logging.getLogger("httpx").setLevel(logging.WARNING)
BACKOFF_BASE = 0.2
BACKOFF_MAX = 3.0


@dataclass
class LoadResult:
    submitted: int = 0
    replays: int = 0
    retries: int = 0
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)  # connection-level errors by type
    failures: list[str] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)  # key -> reference
    replay_mismatches: int = 0
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    events: list[str] = field(default_factory=list)

    def histogram(self) -> str:
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        errors = ", ".join(f"{name}: {n}" for name, n in sorted(self.errors.items()))
        return codes + (f"; connection errors: {errors}" if errors else "")

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(int(len(ordered) * share), len(ordered) - 1)]


def complaint_body(key: str) -> dict:
    return {
        "category": "duplicate_charge",
        "description": f"Charged twice at Harbour Coffee. [{key}]",
        "amount": "42.50",
        "currency": "HKD",
        "transaction_ids": [],
    }


async def _post(client: httpx.AsyncClient, token: str, key: str, result: LoadResult):
    """One complaint request with retries; (status, body) of the final answer."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        started = time.monotonic()
        result.requests += 1
        try:
            response = await client.post(
                "/api/v1/complaints/",
                json=complaint_body(key),
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
            )
        except httpx.TransportError as exc:
            result.errors[type(exc).__name__] += 1
        else:
            result.statuses[response.status_code] += 1
            if response.status_code not in RETRY_STATUSES:
                result.latencies.append(time.monotonic() - started)
                try:
                    return response.status_code, response.json()
                except ValueError:
                    return response.status_code, {"body": response.text[:300]}
        if attempt < MAX_ATTEMPTS:
            result.retries += 1
            delay = min(BACKOFF_BASE * 2 ** (attempt - 1), BACKOFF_MAX)
            await asyncio.sleep(delay * (0.5 + random.random()))
    return 0, {"error": "gave up"}


async def _file(client, token: str, key: str, replay: bool, result: LoadResult) -> None:
    status, body = await _post(client, token, key, result)
    if status != 201:
        result.failures.append(f"{key}: {status} {str(body)[:300]}")
        return
    result.submitted += 1
    result.references[key] = body["reference"]
    if replay:
        result.replays += 1
        status, again = await _post(client, token, key, result)
        if status != 201 or again.get("reference") != body["reference"]:
            result.replay_mismatches += 1
            result.failures.append(f"{key} replay: {status} {str(again)[:300]}")


async def run_load(
    *,
    base_url: str,
    tokens: list[str],
    total: int,
    concurrency: int,
    replay_share: float,
    prefix: str,
    midway: Callable[[], Awaitable[str]] | None = None,
    deadline_seconds: float = 1200,
) -> LoadResult:
    """File `total` complaints from `concurrency` clients; `midway` (e.g. restarting the
    database) is awaited once, while the load goes on, when half of them are in."""
    result = LoadResult()
    rng = random.Random(total)
    jobs: asyncio.Queue = asyncio.Queue()
    for n in range(total):
        jobs.put_nowait((f"{prefix}-{n:06d}", tokens[n % len(tokens)], rng.random() < replay_share))
    halfway = asyncio.Event()
    done = 0

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal done
        while True:
            try:
                key, token, replay = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return
            await _file(client, token, key, replay, result)
            done += 1
            if done >= total // 2:
                halfway.set()

    async def at_halfway() -> None:
        await halfway.wait()
        result.events.append(f"{done} complaints in: {await midway()}")

    started = time.monotonic()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(30.0, connect=5.0)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
        tasks = [asyncio.create_task(client_loop(client)) for _ in range(concurrency)]
        if midway is not None:
            tasks.append(asyncio.create_task(at_halfway()))
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=deadline_seconds)
    result.elapsed = time.monotonic() - started
    return result
