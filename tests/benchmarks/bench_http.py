"""HTTP benchmark: complaint intake and warning evaluation against a plain-DRF baseline
(not collected by pytest: the name does not match test_*.py).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/backoffice_bench \\
        .venv/bin/python tests/benchmarks/bench_http.py [--seconds 10] [--clients 8,32]

(`make bench` runs exactly that.) What it does, so that every figure can be reproduced:

1. Creates the database named by BENCH_DATABASE_URL when it is missing (the name must
   contain "bench"; anything else is refused) and migrates it.
2. Empties the tables the endpoints write (complaints and their history, events, alerts,
   the baseline's rows, warning decisions and exposures, outbox
   messages), so that every run starts from the same state whatever ran before in the
   scratch database (bench_scale leaves a million complaints there). Then seeds what the
   requests need, idempotently: `--customers` customers with logins (a
   JWT each, minted like the tests do with simplejwt), one payment transaction each, four
   available agents for auto-assignment, and the demo warning rules (education/demo_content).
3. Starts gunicorn on 127.0.0.1 on a free port: production settings
   (backoffice.settings.base, DJANGO_DEBUG=false), gthread workers (2 x cores processes,
   `--threads` each: keep-alive needs gthread, a second thread overlaps one request's
   database wait with another's Python), BENCH_BASELINE=true so /api/bench/baseline/ is
   mounted, HTTPS redirect off (no TLS proxy in front), the intake rate limit raised so it
   never refuses the load, Redis (BENCH_REDIS_URL, default db 12) as cache and Celery
   broker as in production; with Redis down, the embedded mode (tasks in the request).
4. Warms each endpoint up, then drives it with an asyncio client (plain HTTP/1.1 over
   asyncio streams, keep-alive, one connection per client; httpx costs milliseconds of
   CPU per request, which this machine's server would lose) at each client count, in
   `--rounds` rounds (default 5) of `--seconds` (default 4) per endpoint that interleave
   the endpoints, so that other work on the machine hits all of them alike; each figure
   sums its rounds:
   - baseline: POST /api/bench/baseline/ inserts one row through a ModelSerializer with
     the same authentication and permission as the two others;
   - intake: POST /api/v1/complaints/, a new complaint (random category, amount, one of
     the customer's transactions) from a random customer, a fresh Idempotency-Key each;
   - evaluate: POST /api/v1/education/warnings/evaluate/, scenario large_payment with
     an amount spread log-uniformly from 50 to 20,000 HKD or CNY (so most payments are
     small and about one in five matches a demo rule), payee new or known, from a random
     customer, a fresh request_id each.
   Any answer other than 2xx, and any transport error, counts as an error and is printed.
   Then evaluate once more with 8 clients sending on a fixed schedule at half the rate
   they reached flat out: the p99 of a server that is busy but not saturated. (Flat out,
   8 clients that each wait for their answer see a mean latency of 8 / throughput,
   whatever the endpoint: on this machine the baseline itself is above 20 ms at p99.)
5. Counts the SQL statements per request of each endpoint (Django's test client in this
   process, same database), a figure independent of the machine's load.
6. Runs, in this process, up to 1,000 of the intake follow-ups the runs left pending
   (transaction checks, assignment, acknowledgement: a worker's job) and prints their
   rate: the intake figures do not include that work.
7. Prints requests, req/s, p50 and p99 per endpoint and client count, the ratios to the
   baseline (intake >= 0.5, evaluate >= 0.8 and p99 <= 20 ms at 8 clients) and writes them
   to tests/benchmarks/RESULTS.md. A ratio's verdict is the median of the rounds' ratios
   (each endpoint against the baseline of its own round, seconds apart: this shared
   machine's speed drifts by a third within minutes); the pooled ratio is printed too.
   Gunicorn is stopped in a `finally`; the whole run is bounded by an alarm.
"""

import argparse
import asyncio
import json
import math
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
WALL_CLOCK_LIMIT_SECONDS = 600
PREFIX = "bench-http"
CATEGORIES = [
    "duplicate_charge",
    "funds_not_received",
    "wrong_amount",
    "transfer_delay",
    "transaction_failure",
    "other",
]
TARGETS = {"intake": 0.5, "evaluate": 0.8}
EVALUATE_P99_LIMIT_MS = 20.0


@dataclass
class Run:
    endpoint: str
    clients: int
    seconds: float = 0.0
    client_cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    round_rates: list[float] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.errors)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


# --- database and environment ---------------------------------------------------------


def _database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    name = urlsplit(url).path.lstrip("/")
    if not url.startswith("postgres") or "bench" not in name:
        sys.exit("Set BENCH_DATABASE_URL to a PostgreSQL database whose name contains 'bench'.")
    return url


def _create_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        conn.execute(f'CREATE DATABASE "{name}"')
        print(f"created database {name}")


def _redis_url() -> str:
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        print(f"Redis at {url} does not answer: embedded mode (tasks run in the request)")
        return ""
    return url


def _server_env(database_url: str, redis_url: str) -> dict[str, str]:
    """The environment of both this process (seeding, tokens) and gunicorn."""
    return {
        "DJANGO_SETTINGS_MODULE": "backoffice.settings.base",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "BENCH_BASELINE": "true",
        "THROTTLE_INTAKE_RATE": "1000000/min",
        "JWT_ACCESS_MINUTES": "60",
        "LOG_LEVEL": "WARNING",
    }


def _setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- seeding ---------------------------------------------------------------------------


# What the three endpoints write (and what reads it: the follow-up's least-busy agent count
# over open complaints). Emptied before every run, so that earlier runs, and the million
# complaints bench_scale leaves in the same scratch database, do not change the figures.
WRITTEN_TABLES = [
    "complaints_complaint",
    "complaints_historicalcomplaint",
    "complaints_staffalert",
    "complaints_complaintslabreach",
    "benchbaseline_baselinecomplaint",
    "education_warningdecision",
    "education_warningexposure",
    "notifications_notification",
    "notifications_historicalnotification",
]


def _empty_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(WRITTEN_TABLES)} RESTART IDENTITY CASCADE")


def _seed_customers(count: int) -> list[tuple[str, str]]:
    """(access token, transaction id) of `count` customers with a login and a payment."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    from backoffice.customers.models import Customer, PaymentTransaction

    User = get_user_model()
    names = [f"{PREFIX}-{n:06d}" for n in range(count)]
    now = timezone.now()
    with transaction.atomic():
        have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        unusable = make_password(None)
        User.objects.bulk_create(
            [User(username=name, password=unusable) for name in names if name not in have]
        )
        users = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
        linked = set(Customer.objects.filter(user_id__in=users.values()).values_list("user_id"))
        Customer.objects.bulk_create(
            [
                Customer(
                    wallet_account_id=f"H{n:09d}",
                    name=f"Bench customer {n}",
                    phone=f"137{n:08d}",
                    email=f"h{n}@bench.example",
                    preferred_channel=("in_app", "push", "sms")[n % 3],
                    language=("en", "zh-hans", "zh-hant")[n % 3],
                    time_zone=("Asia/Hong_Kong", "Asia/Shanghai", "Asia/Taipei")[n % 3],
                    registered_at=now - timedelta(days=30 + n % 700),
                    user_id=users[name],
                )
                for n, name in enumerate(names)
                if (users[name],) not in linked
            ]
        )
        customers = list(Customer.objects.filter(user_id__in=users.values()).order_by("pk"))
        paid = set(
            PaymentTransaction.objects.filter(customer__in=customers).values_list(
                "customer_id", flat=True
            )
        )
        PaymentTransaction.objects.bulk_create(
            [
                PaymentTransaction(
                    transaction_id=f"HTXN{c.pk:012d}",
                    customer=c,
                    counterparty="Harbour Coffee",
                    type="payment",
                    amount="100.00",
                    fee="0.00",
                    currency="HKD",
                    status="succeeded",
                    occurred_at=now - timedelta(hours=2),
                )
                for c in customers
                if c.pk not in paid
            ]
        )
    return [
        (str(AccessToken.for_user(c.user)), f"HTXN{c.pk:012d}")
        for c in Customer.objects.filter(pk__in=[c.pk for c in customers]).select_related("user")
    ]


def _seed_agents() -> None:
    """Four available agents, new for each run: earlier runs' agents stop taking complaints,
    so the open-work count assignment does stays the same size from run to run."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from complaints.models import AgentProfile

    AgentProfile.objects.filter(user__username__startswith=f"{PREFIX}-agent-").update(
        is_available=False
    )
    agents, run = Group.objects.get(name="agent"), uuid.uuid4().hex[:8]
    for n in range(4):
        user = get_user_model().objects.create(
            username=f"{PREFIX}-agent-{run}-{n}", is_staff=True, first_name=f"A{n}"
        )
        user.groups.add(agents)
        AgentProfile.objects.create(user=user, capacity=0)


def _seed_rules() -> None:
    from backoffice.core.actors import system_actor
    from education.demo_content import ACK_PHRASES, RULES
    from education.models import WarningRule, WarningText
    from education.services.content import save_with_history

    author = system_actor(PREFIX)
    for slug, (fields, variants) in RULES.items():
        if WarningRule.objects.filter(slug=slug).exists():
            continue
        rule = WarningRule(slug=slug, **fields)
        save_with_history(rule, actor=author, reason="benchmark rules (demo content)")
        for n, variant in enumerate(variants):
            for lang, (title, body) in variant.items():
                WarningText.objects.create(
                    rule=rule, variant=n, language=lang, title=title, body=body,
                    ack_phrase=ACK_PHRASES[lang],
                )  # fmt: skip


# --- the server ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int, log):
    command = [
        PYTHON, "-m", "gunicorn", "backoffice.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads),
        "--keep-alive", "30", "--timeout", "60", "--graceful-timeout", "5",
        "--backlog", "512", "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(  # noqa: S603 (a fixed command line)
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_ready(port: int, server, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def _stop(server) -> None:
    if server is None or server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)


# --- the load --------------------------------------------------------------------------


def _baseline_body(rng: random.Random, _txn: str) -> tuple[dict, dict]:
    text = f"I was charged twice at shop {rng.randrange(10_000)}."
    return {"text": text}, {}


def _intake_body(rng: random.Random, txn: str) -> tuple[dict, dict]:
    occurred = datetime.now(UTC) - timedelta(minutes=rng.randrange(60, 600))
    body = {
        "category": rng.choice(CATEGORIES),
        "description": f"Payment {txn} went wrong: charged {rng.randrange(2, 5)} times.",
        "amount": f"{rng.randrange(1, 5000)}.{rng.randrange(100):02d}",
        "currency": "HKD",
        "occurred_at": occurred.isoformat(),
        "transaction_ids": [txn],
    }
    return body, {"Idempotency-Key": uuid.uuid4().hex}


def _evaluate_body(rng: random.Random, _txn: str) -> tuple[dict, dict]:
    seen = datetime.now(UTC) - timedelta(days=rng.randrange(0, 90))
    context = {
        "amount": f"{math.exp(rng.uniform(math.log(50), math.log(20_000))):.2f}",
        "currency": rng.choice(["HKD", "CNY"]),
        "payee_first_seen_at": rng.choice([None, seen.isoformat()]),
        "network_type": rng.choice(["private_wifi", "public_wifi", "cellular"]),
        "device_known": rng.random() < 0.9,
    }
    body = {"scenario": "large_payment", "request_id": uuid.uuid4().hex, "context": context}
    return body, {}


ENDPOINTS = {
    "baseline": ("/api/bench/baseline/", _baseline_body),
    "intake": ("/api/v1/complaints/", _intake_body),
    "evaluate": ("/api/v1/education/warnings/evaluate/", _evaluate_body),
}


class Connection:
    """One keep-alive HTTP/1.1 connection over asyncio streams. A few lines of HTTP
    instead of httpx: httpx spends milliseconds of CPU per request, and on a small
    machine the load generator would take the CPU the server is being measured with."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def post(self, path: str, body: dict, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        data = json.dumps(body).encode()
        head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        head += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        try:
            return await asyncio.wait_for(self._response(), timeout=30)
        except BaseException:
            self.close()
            raise

    async def _response(self) -> tuple[int, bytes]:
        status = int((await self.reader.readline()).split()[1])
        fields = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _colon, value = line.decode("latin-1").partition(":")
            fields[name.strip().lower()] = value.strip()
        if "content-length" in fields:
            payload = await self.reader.readexactly(int(fields["content-length"]))
        else:  # chunked or until close: not what gunicorn sends Django's answers with
            payload = await self.reader.read()
            fields["connection"] = "close"
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _request(connection, run, path, make, customers, rng) -> None:
    """One request from a random customer; its latency, or its error, goes into `run`."""
    token, txn = rng.choice(customers)
    body, headers = make(rng, txn)
    headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    try:
        status, payload = await connection.post(path, body, headers)
    except Exception as exc:  # transport errors count as errors, shown below
        run.errors.append(f"{type(exc).__name__}: {exc}"[:200])
        return
    if 200 <= status < 300:
        run.latencies.append(time.perf_counter() - started)
    else:
        run.errors.append(f"{status} {payload[:160].decode(errors='replace')}")


async def _client(port, run, path, make, customers, rng, deadline, limit) -> None:
    connection = Connection(port)
    while time.monotonic() < deadline and run.requests < limit:
        await _request(connection, run, path, make, customers, rng)
    connection.close()


async def _drive(port, endpoint, clients, seconds, customers, limit=10**9) -> Run:
    path, make = ENDPOINTS[endpoint]
    run = Run(endpoint, clients)
    started, cpu = time.perf_counter(), time.process_time()
    deadline = time.monotonic() + seconds
    await asyncio.gather(
        *(
            _client(port, run, path, make, customers, random.Random(n), deadline, limit)
            for n in range(clients)
        )
    )
    run.seconds = time.perf_counter() - started
    run.client_cpu = time.process_time() - cpu
    return run


async def _paced_client(port, run, path, make, customers, rng, start, interval, deadline):
    """Sends on a fixed schedule (open loop): a late answer delays only its own client's
    next request, and a client that fell behind does not send a burst to catch up."""
    connection, due = Connection(port), start
    while (now := time.monotonic()) < deadline:
        if due > now:
            await asyncio.sleep(due - now)
        await _request(connection, run, path, make, customers, rng)
        due = max(due + interval, time.monotonic())
    connection.close()


async def _drive_paced(port, endpoint, clients, seconds, customers, rate) -> Run:
    """`clients` connections sending `rate` requests per second in all, evenly spread."""
    path, make = ENDPOINTS[endpoint]
    run = Run(f"{endpoint} (paced {rate:.0f}/s)", clients)
    interval, begin = clients / rate, time.monotonic()
    deadline = begin + seconds
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(
        *(
            _paced_client(port, run, path, make, customers, rng, first, interval, deadline)
            for rng, first in (
                (random.Random(1000 + n), begin + n * interval / clients) for n in range(clients)
            )
        )
    )
    run.seconds = time.perf_counter() - started
    run.client_cpu = time.process_time() - cpu
    return run


def _followup_drain(limit: int = 1000) -> tuple[int, float, int]:
    """(follow-ups run, seconds, still pending): the work intake leaves to the workers
    (transaction checks, assignment, acknowledgement message), run here in one process
    through the sweep, oldest first. Each follow-up also queues its message's delivery,
    which this benchmark's Redis database drops afterwards."""
    from complaints.models import Complaint
    from complaints.services import complaint_intake_followup_due

    started = time.perf_counter()
    done = complaint_intake_followup_due(older_than_seconds=0, limit=limit)
    elapsed = time.perf_counter() - started
    return done, elapsed, Complaint.objects.filter(intake_followup_pending=True).count()


def _queries_per_request(customers, samples: int = 20) -> dict[str, tuple[int, int]]:
    """(fewest, most) SQL statements per request of each endpoint, through Django's test
    client in this process against the same database: a figure that does not depend on
    how busy the machine is."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client, rng, counts = Client(HTTP_HOST="127.0.0.1"), random.Random(7), {}
    for endpoint, (path, make) in ENDPOINTS.items():
        seen = []
        for n in range(samples + 2):  # the first two fill per-process caches
            token, txn = rng.choice(customers)
            body, headers = make(rng, txn)
            extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
            with CaptureQueriesContext(connection) as queries:
                response = client.post(
                    path,
                    body,
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {token}",
                    **extra,
                )
            if response.status_code >= 300:
                raise RuntimeError(f"{endpoint}: {response.status_code} {response.content[:200]}")
            if n >= 2:
                seen.append(len(queries))
        counts[endpoint] = (min(seen), max(seen))
    return counts


# --- report ----------------------------------------------------------------------------


def _table(runs: list[Run]) -> list[str]:
    lines = [
        "| endpoint | clients | requests | req/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.endpoint} | {r.clients} | {r.requests} | {r.rate:.0f} | "
            f"{r.percentile(50):.1f} | {r.percentile(99):.1f} | {len(r.errors)} |"
        )
    return lines


def _round_ratios(run: Run, base: Run) -> list[float]:
    """The endpoint's rate over the baseline's in each round: the two ran seconds apart,
    so a slow phase of this shared machine falls on both."""
    return [r / b if b else 0.0 for r, b in zip(run.round_rates, base.round_rates, strict=True)]


def _verdicts(runs: list[Run]) -> list[str]:
    by = {(r.endpoint, r.clients): r for r in runs}
    lines = []
    for clients in sorted({r.clients for r in runs}):
        base = by[("baseline", clients)]
        for endpoint, target in TARGETS.items():
            run = by[(endpoint, clients)]
            pooled = run.rate / base.rate if base.rate else 0.0
            rounds = _round_ratios(run, base)
            ratio = statistics.median(rounds) if rounds else pooled
            verdict = "PASS" if ratio >= target else "MISS"
            lines.append(
                f"- {clients} clients: {endpoint}/baseline throughput = {ratio:.2f}, the median "
                f"of the rounds' ratios ({', '.join(f'{r:.2f}' for r in rounds)}; all rounds "
                f"pooled {pooled:.2f}) (target >= {target}) {verdict}"
            )
    saturated = by.get(("evaluate", 8))
    if saturated is not None:
        verdict = "PASS" if saturated.percentile(99) <= EVALUATE_P99_LIMIT_MS else "MISS"
        lines.append(
            f"- 8 clients, as fast as they can: evaluate p99 = "
            f"{saturated.percentile(99):.1f} ms (target <= {EVALUATE_P99_LIMIT_MS:.0f} ms) "
            f"{verdict}. In a closed loop the mean latency is clients / throughput "
            f"(Little's law): 8 / {saturated.rate:.0f} req/s = "
            f"{8 / saturated.rate * 1000 if saturated.rate else float('nan'):.1f} ms, and "
            "the baseline's own p99 in its 8-client row shows the floor of this machine."
        )
    for r in runs:
        if r.endpoint.startswith("evaluate (paced"):
            verdict = "PASS" if r.percentile(99) <= EVALUATE_P99_LIMIT_MS else "MISS"
            lines.append(
                f"- {r.clients} clients at a steady {r.endpoint[len('evaluate (paced ') : -1]}"
                f" (half the 8-client throughput, the machine not saturated): evaluate p99 = "
                f"{r.percentile(99):.1f} ms (target <= {EVALUATE_P99_LIMIT_MS:.0f} ms) "
                f"{verdict}"
            )
    return lines


def _setup_lines(args, workers: int, redis_url: str, load: tuple[float, float]) -> list[str]:
    mode = "Redis cache and Celery broker" if redis_url else "embedded (no Redis: eager tasks)"
    return [
        f"- Load average before / after the runs: {load[0]:.1f} / {load[1]:.1f} on "
        f"{os.cpu_count()} CPUs (other work shares this machine: compare the ratios, not the "
        "absolute figures).",
        f"- Server: gunicorn gthread, {workers} workers x {args.threads} threads on 127.0.0.1, "
        f"production settings (DEBUG off), PostgreSQL, {mode}; THROTTLE_INTAKE_RATE raised "
        "to 1000000/min so the rate limiter never refuses the load.",
        f"- Client: asyncio HTTP/1.1 (keep-alive, one connection per client) in one process, "
        f"{args.rounds} interleaved rounds of {args.seconds:.0f} s per endpoint and client "
        f"count after a {args.warmup:.0f} s warm-up (each row sums its rounds), random "
        f"customer among {args.customers}; non-2xx answers are errors.",
    ]


def _report(runs: list[Run], args, redis_url: str, load, queries, drain) -> None:
    from tests.benchmarks.results import record

    setup = _setup_lines(args, args.workers, redis_url, load)
    table, verdicts = _table(runs), _verdicts(runs)
    statements = [
        "SQL statements per request (Django test client, same database): "
        + ", ".join(
            f"{endpoint} {low}" if low == high else f"{endpoint} {low}-{high}"
            for endpoint, (low, high) in queries.items()
        )
        + "."
    ]
    done, seconds, pending = drain
    statements.append(
        "Work intake leaves to the workers (transaction checks, assignment, acknowledgement "
        f"message): {done} follow-ups in {seconds:.1f} s = {done / seconds if seconds else 0:.0f}"
        " per second in one process (the sweep, in this process, after the runs; "
        f"{pending} left pending in this scratch database). The intake rows above do not "
        "include it: on this machine a Celery worker doing it during the runs would take "
        "the same CPUs."
    )
    print("\n".join(["", *setup, "", *table, "", *verdicts, "", *statements]))
    for r in runs:
        for error in r.errors[:5]:
            print(f"  error {r.endpoint}/{r.clients}: {error}")
    reproduce = [
        "Reproduce: `make bench`, or `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/"
        "backoffice_bench .venv/bin/python tests/benchmarks/bench_http.py` (see its docstring)."
    ]
    record(
        "http",
        "HTTP: complaint intake and warning evaluation vs a plain-DRF insert",
        [*setup, "", *table, "", *verdicts, "", *statements, "", *reproduce, ""],
    )


# --- main ------------------------------------------------------------------------------


def _alarm(_signum, _frame):
    raise TimeoutError(f"benchmark exceeded {WALL_CLOCK_LIMIT_SECONDS} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per round, endpoint, count")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--clients", default="8,32", help="comma-separated client counts")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]

    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(WALL_CLOCK_LIMIT_SECONDS)
    database_url = _database_url()
    _create_database(database_url)
    env = _server_env(database_url, _redis_url())
    _setup(env)
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    _empty_tables()
    customers = _seed_customers(args.customers)
    _seed_agents()
    _seed_rules()
    print(f"migrated and seeded in {time.monotonic() - started:.0f} s")

    load_before = os.getloadavg()[0]
    runs = _measure(env, args, counts, customers)
    load = (load_before, os.getloadavg()[0])
    queries = _queries_per_request(customers)
    drain = _followup_drain()
    _purge_queue(env["REDIS_URL"])
    signal.alarm(0)
    _report(runs, args, env["REDIS_URL"], load, queries, drain)


def _measure(env: dict[str, str], args, counts: list[int], customers) -> list[Run]:
    """Start gunicorn, warm every endpoint up, run every (client count, endpoint) pair."""
    server, port, runs = None, _free_port(), []
    with tempfile.NamedTemporaryFile("w+", prefix="bench-http-gunicorn-", suffix=".log") as log:
        try:
            server = _start_gunicorn(env, port, args.workers, args.threads, log)
            _wait_ready(port, server)
            for endpoint in ENDPOINTS:
                warm = asyncio.run(_drive(port, endpoint, max(counts), args.warmup, customers))
                if warm.errors:
                    print(f"warm-up {endpoint}: {len(warm.errors)} errors: {warm.errors[0]}")
            for clients in counts:
                # Rounds interleave the endpoints, so that a burst of other work on this
                # machine falls on all three rather than on one; each row below is the
                # sum of its rounds (requests over seconds, percentiles over all answers).
                merged = {endpoint: Run(endpoint, clients) for endpoint in ENDPOINTS}
                for round_number in range(1, args.rounds + 1):
                    for endpoint in ENDPOINTS:
                        run = asyncio.run(_drive(port, endpoint, clients, args.seconds, customers))
                        print(
                            f"round {round_number} {endpoint:>9} {clients:>3} clients: "
                            f"{run.rate:7.0f} req/s, p50 {run.percentile(50):6.1f} ms, "
                            f"p99 {run.percentile(99):6.1f} ms, errors {len(run.errors)}, "
                            f"client CPU {run.client_cpu / max(run.requests, 1) * 1000:.2f} "
                            "ms/request"
                        )
                        total = merged[endpoint]
                        total.seconds += run.seconds
                        total.client_cpu += run.client_cpu
                        total.latencies += run.latencies
                        total.errors += run.errors
                        total.round_rates.append(run.rate)
                runs += merged.values()
            evaluate8 = next((r for r in runs if (r.endpoint, r.clients) == ("evaluate", 8)), None)
            if evaluate8 is not None and evaluate8.rate:
                run = asyncio.run(
                    _drive_paced(
                        port,
                        "evaluate",
                        8,
                        args.seconds * args.rounds,
                        customers,
                        evaluate8.rate / 2,
                    )
                )
                print(
                    f"{run.endpoint}, 8 clients: {run.rate:7.0f} req/s, p50 "
                    f"{run.percentile(50):6.1f} ms, p99 {run.percentile(99):6.1f} ms, "
                    f"errors {len(run.errors)}"
                )
                runs.append(run)
        finally:
            died = server is None or server.poll() is not None
            _stop(server)
            _purge_queue(env["REDIS_URL"])
            if died or any(run.errors for run in runs):
                log.seek(0)
                print("gunicorn log (tail):\n" + log.read()[-3000:])
    return runs


def _purge_queue(redis_url: str) -> None:
    """The notifications queued by intake are for customers that exist only here: drop
    them from the benchmark's Redis database rather than leave them for a worker."""
    if not redis_url:
        return
    from backoffice.celery import app

    purged = app.control.purge()
    print(f"purged {purged} queued task(s) from {redis_url}")


if __name__ == "__main__":
    main()
