"""Education benchmark (not collected by pytest: the name does not match test_*.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/backoffice_bench_edu \\
        .venv/bin/python tests/benchmarks/bench_education.py --customers 1000000

Needs its own PostgreSQL database (its name must contain "bench": customers and education
tables are emptied first); it is created if missing. It migrates it, then:

1. creates N customers in five time zones with one INSERT ... SELECT generate_series;
2. baseline: COPYs N delivery-shaped rows into a clone of the delivery table (same
   indexes), i.e. what merely writing that many rows costs;
3. fan-out: plans one run of a daily campaign (in-app, segment "everyone", the default
   frequency cap) per time zone, exactly as the periodic tick does, and lets worker
   processes (`--workers`, spawned like Celery prefork children) run the chunk tasks;
   prints the elapsed time and each worker's RSS after its first chunk and at its peak;
4. with --push: a push campaign to one time zone's English speakers, through the outbox;
5. the evaluate endpoint through the Django test client with a customer JWT: p50, p99
   and throughput over `--requests` calls.

Target (issue #7): the fan-out takes at most 3 times the COPY baseline, both measured in
this run (printed as PASS or MISS, never asserted). Besides wall time it prints the CPU
seconds PostgreSQL's own backends spent on each (read from /proc, so only when the server
runs on this machine): on a busy machine that figure moves less than the wall time. The
figures go to tests/benchmarks/RESULTS.md (section "education"). Bounded: the workers are
killed after `--timeout` seconds.
"""

import argparse
import io
import multiprocessing
import os
import queue
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET_RATIO = 3.0
ZONES = ["Asia/Hong_Kong", "Asia/Shanghai", "Asia/Taipei", "Europe/London", "America/New_York"]


def _create_database() -> None:
    """Create the database named by DATABASE_URL if it does not exist yet."""
    from urllib.parse import urlparse

    import psycopg
    from psycopg import sql

    url = os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not url.startswith(("postgres://", "postgresql://")) or "bench" not in name:
        sys.exit(
            "Set DATABASE_URL=postgres://.../NAME with 'bench' in NAME (this benchmark "
            "needs PostgreSQL and empties tables)."
        )
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process (a PostgreSQL backend on this machine), or None."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings.test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb() -> float:
    """This process's own peak (VmHWM). Not ru_maxrss: Linux keeps that across execve, so
    a spawned worker would report the parent's peak from before the exec."""
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _reset_database() -> None:
    from django.core.management import call_command
    from django.db import connection

    if "bench" not in connection.settings_dict["NAME"]:
        sys.exit("Use a database whose name contains 'bench': this script empties tables.")
    call_command("migrate", verbosity=0)
    education = [
        m._meta.db_table
        for m in __import__("django.apps", fromlist=["apps"])
        .apps.get_app_config("education")
        .get_models()
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {', '.join(education)}, customers_customer RESTART IDENTITY CASCADE"
        )
        cursor.execute("DROP TABLE IF EXISTS bench_copy_baseline")
    from education.models import FrequencyCap

    FrequencyCap.objects.create(max_messages=2, window_days=7)  # the migration's default


def _create_customers(count: int) -> float:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO customers_customer (wallet_account_id, name, phone, email, id_number,
                preferred_channel, language, time_zone, registered_at, is_vulnerable,
                created_at, updated_at)
            SELECT 'B' || lpad(g::text, 9, '0'), 'Bench ' || g, '139' || lpad(g::text, 8, '0'),
                'b' || g || '@bench.example', '',
                (ARRAY['in_app','push','sms','email'])[1 + g %% 4],
                (ARRAY['en','zh-hans','zh-hant'])[1 + g %% 3],
                (%s::text[])[1 + g %% 5],
                now() - (g %% 900) * interval '1 day', g %% 23 = 0, now(), now()
            FROM generate_series(1, %s) g
            """,
            [ZONES, count],
        )
        cursor.execute("ANALYZE customers_customer")
    return time.perf_counter() - started


def _copy_baseline(count: int) -> tuple[float, float | None]:
    """COPY `count` delivery rows into a clone of the delivery table (same indexes)."""
    from django.db import connection, transaction

    stamp = datetime.now(UTC).isoformat()
    buffer = io.StringIO()
    for customer_id in range(1, count + 1):
        buffer.write(f"1\t1\t\\N\t{customer_id}\t1\t1\t0\tin_app\tsent\t\t{stamp}\t\t{stamp}\t")
        buffer.write(f"{stamp}\n")
    data = buffer.getvalue().encode()
    del buffer
    columns = (
        "run_id, campaign_id, series_step_id, customer_id, tip_id, version_id, variant, "
        "channel, status, reason, sent_at, feedback, created_at, updated_at"
    )
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_copy_baseline (LIKE education_delivery INCLUDING ALL)")
        cursor.execute("CHECKPOINT")  # both measurements start from a fresh checkpoint
    pid = _backend_pid()
    cpu_before = _cpu_seconds(pid)
    started = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY bench_copy_baseline ({columns}) FROM STDIN") as copy,
    ):
        copy.write(data)
    elapsed = time.perf_counter() - started
    cpu_after = _cpu_seconds(pid)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_copy_baseline")
        cursor.execute("CHECKPOINT")
    cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    return elapsed, cpu


def _campaign():
    from datetime import time as clock

    from django.contrib.auth import get_user_model

    from education.models import Campaign, CampaignState, Segment
    from tests.education.factories import approved_tip

    author = get_user_model().objects.get_or_create(username="bench-editor")[0]
    return Campaign.objects.create(
        name="bench",
        tip=approved_tip(slug="bench-tip", variants=3),
        segment=Segment.objects.create(name="bench everyone"),
        channels=["in_app"],
        schedule="daily",
        local_time=clock(10, 0),
        starts_on=datetime(2026, 1, 1).date(),
        state=CampaignState.RUNNING,
        created_by=author,
    )


def _plan_runs(campaign) -> list[int]:
    """Plan the run of each time zone at its own 10:00, as the tick would; the chunk tasks
    are left for the workers instead of being executed in this process."""
    from zoneinfo import ZoneInfo

    from education.models import RunChunk
    from education.services import fanout

    fanout._queue_chunks = lambda chunk_ids: None  # the workers below take the chunks
    day = datetime.now(UTC).date() + timedelta(days=1)
    for zone in ZONES:
        due = datetime(day.year, day.month, day.day, 10, 0, tzinfo=ZoneInfo(zone))
        fanout.campaign_run_plan(campaign=campaign, zone=zone, now=due)
    return list(RunChunk.objects.order_by("id").values_list("pk", flat=True))


def _worker(chunk_ids: list[int], ready, go, results) -> None:
    """One worker process: sets Django up, waits for the start, then runs its chunk tasks
    one after the other."""
    _setup()
    from django.db import connection

    from education.models import RunChunk
    from education.services.fanout import delivery_fanout_chunk

    rss_ready, peak_ready = _rss_mb(), _peak_rss_mb()
    pid = _backend_pid()
    cpu_before = _cpu_seconds(pid)
    ready.put(True)
    go.wait()
    inserted, after_first = 0, None
    for chunk_id in chunk_ids:
        due = RunChunk.objects.select_related("run").get(pk=chunk_id).run.due_at
        inserted += delivery_fanout_chunk(chunk_id=chunk_id, now=due)
        after_first = after_first or _rss_mb()
    cpu_after = _cpu_seconds(pid)
    connection.close()
    results.put(
        {
            "chunks": len(chunk_ids),
            "inserted": inserted,
            "rss_ready_mb": rss_ready,
            "peak_ready_mb": peak_ready,
            "rss_after_first_chunk_mb": after_first or _rss_mb(),
            "rss_end_mb": _rss_mb(),
            "peak_rss_mb": _peak_rss_mb(),
            "backend_cpu_s": (
                cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
            ),
        }
    )


def _fan_out(chunk_ids: list[int], workers: int, timeout: float) -> tuple[float, list[dict]]:
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("spawn")
    ready, go, results = context.Queue(), context.Event(), context.Queue()
    processes = [
        context.Process(target=_worker, args=(chunk_ids[i::workers], ready, go, results))
        for i in range(workers)
    ]
    try:
        for process in processes:
            process.start()
        for _ in processes:
            ready.get(timeout=120)  # the clock starts once every worker has Django loaded
        started = time.perf_counter()
        go.set()
        deadline = started + timeout
        reports = [results.get(timeout=max(1.0, deadline - time.perf_counter())) for _ in processes]
        elapsed = time.perf_counter() - started
        for process in processes:
            process.join(timeout=30)
    except queue.Empty:
        sys.exit(f"fan-out workers did not finish within {timeout:.0f} s; stopped them")
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join(timeout=10)
    return elapsed, reports


def _push_campaign() -> tuple[int, float, float]:
    """A critical push campaign to the English speakers of one time zone, run in this
    process: deliveries set-based, then one outbox row per message (rendered in the
    customer's language). Delivery to the provider is the outbox's own job and is left
    out (its dispatch is switched off here)."""
    from datetime import time as clock
    from zoneinfo import ZoneInfo

    from backoffice.notifications import services as outbox
    from education.models import Campaign, CampaignState, Delivery, Segment
    from education.services import fanout
    from education.services.delivery import deliveries_send
    from tests.education.factories import approved_tip

    outbox._dispatch_after_commit = lambda notification_id: None
    fanout._queue_send = lambda run_id, id_from, id_to: None  # timed separately below
    campaign = Campaign.objects.create(
        name="bench push",
        tip=approved_tip(slug="bench-push-tip"),
        segment=Segment.objects.create(name="bench english", language="en"),
        channels=["push"],
        schedule="daily",
        local_time=clock(11, 0),
        starts_on=datetime(2026, 1, 1).date(),
        is_critical=True,
        state=CampaignState.RUNNING,
        created_by=Campaign.objects.get(name="bench").created_by,
    )
    day = datetime.now(UTC).date() + timedelta(days=1)
    due = datetime(day.year, day.month, day.day, 11, 0, tzinfo=ZoneInfo(ZONES[0]))
    fanout.campaign_run_plan(campaign=campaign, zone=ZONES[0], now=due)
    started = time.perf_counter()
    for chunk in fanout.RunChunk.objects.filter(run__campaign=campaign):
        fanout.delivery_fanout_chunk(chunk_id=chunk.pk, now=due)
    created = time.perf_counter() - started
    started = time.perf_counter()
    sent = deliveries_send(deliveries=Delivery.objects.filter(campaign=campaign))
    return sent, created, time.perf_counter() - started


def _evaluate(requests: int) -> dict:
    from django.test import Client
    from rest_framework_simplejwt.tokens import RefreshToken

    from backoffice.customers.models import Customer
    from tests.backoffice.factories import UserFactory
    from tests.education.factories import WarningRuleFactory

    WarningRuleFactory(slug="bench-large", cooldown_minutes=0, escalate_every=3, texts=2)
    WarningRuleFactory(
        slug="bench-new-payee", min_amounts={"HKD": "5000"}, payee_new_within_days=30
    )
    customer = Customer.objects.order_by("id").first()
    customer.user = UserFactory(username="bench-customer")
    customer.save(update_fields=["user"])
    token = RefreshToken.for_user(customer.user).access_token
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="localhost")
    amounts = ["800.00", "12000.00", "6000.00", "25000.00"]
    timings = []
    for n in range(requests):
        body = {
            "scenario": "large_payment",
            "request_id": f"bench-{n}",
            "context": {"amount": amounts[n % 4], "currency": "HKD", "payee_first_seen_at": None},
        }
        started = time.perf_counter()
        response = client.post(
            "/api/v1/education/warnings/evaluate/", body, content_type="application/json"
        )
        timings.append(time.perf_counter() - started)
        if response.status_code != 200:
            sys.exit(f"evaluate answered {response.status_code}: {response.content[:300]!r}")
    timings.sort()
    return {
        "requests": requests,
        "p50_ms": statistics.median(timings) * 1000,
        "p99_ms": timings[int(len(timings) * 0.99) - 1] * 1000,
        "throughput_rps": requests / sum(timings),
    }


def _cpu(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds the fan-out may take at most"
    )
    parser.add_argument(
        "--push", action="store_true", help="also time a push campaign through the outbox"
    )
    parser.add_argument("--no-record", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()
    _create_database()
    _setup()
    from django.db import connection
    from django.db.models import Count

    from education.models import Delivery
    from tests.benchmarks.results import record

    _reset_database()
    n = args.customers
    lines = []

    def say(line: str) -> None:
        print(line)
        lines.append(f"- {line.strip()}")

    print(f"customers: {n:,} in {len(ZONES)} time zones")
    say(f"customers created (generate_series): {_create_customers(n):.2f} s")
    copy_s, copy_cpu = _copy_baseline(n)
    say(
        f"baseline: COPY of {n:,} delivery rows into a clone of the delivery table (same "
        f"indexes): {copy_s:.2f} s (PostgreSQL backend CPU {_cpu(copy_cpu)})"
    )
    campaign = _campaign()
    started = time.perf_counter()
    chunk_ids = _plan_runs(campaign)
    planning = time.perf_counter() - started
    say(
        f"planning {len(ZONES)} runs (one per time zone), {len(chunk_ids)} chunks: {planning:.2f} s"
    )
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
    elapsed, reports = _fan_out(chunk_ids, args.workers, args.timeout)
    counts = Delivery.objects.filter(campaign=campaign).aggregate(
        rows=Count("id"), customers=Count("customer_id", distinct=True)
    )
    sent = Delivery.objects.filter(campaign=campaign, status="sent").count()
    cpus = [r["backend_cpu_s"] for r in reports]
    fan_cpu = None if None in cpus else sum(cpus)
    say(
        f"fan-out with {args.workers} worker process(es): {elapsed:.2f} s, "
        f"{counts['rows'] / elapsed:,.0f} rows/s (PostgreSQL backend CPU {_cpu(fan_cpu)}, "
        "all workers)"
    )
    say(
        f"deliveries: {counts['rows']:,} rows for {counts['customers']:,} distinct customers "
        f"({sent:,} sent); exactly one per customer: "
        f"{'yes' if counts['rows'] == counts['customers'] == n else 'NO'}"
    )
    ratio = elapsed / copy_s
    verdict = "PASS" if ratio <= TARGET_RATIO else "MISS"
    cpu_ratio = f"{fan_cpu / copy_cpu:.2f}x" if fan_cpu and copy_cpu else "n/a"
    say(
        f"fan-out / COPY = {ratio:.2f}x (target <= {TARGET_RATIO:.0f}x): {verdict}; "
        f"PostgreSQL CPU ratio {cpu_ratio}"
    )
    for i, report in enumerate(reports):
        print(
            f"  worker {i}: {report['chunks']} chunks, {report['inserted']:,} rows; RSS idle "
            f"{report['rss_ready_mb']:.1f} MB, after first chunk "
            f"{report['rss_after_first_chunk_mb']:.1f} MB, at end "
            f"{report['rss_end_mb']:.1f} MB; peak {report['peak_rss_mb']:.1f} MB "
            f"(of which {report['peak_ready_mb']:.1f} MB reached while loading Django)"
        )
    peak = max(r["peak_rss_mb"] for r in reports)
    say(
        f"peak worker memory (VmHWM): {peak:.1f} MB; RSS idle "
        f"{max(r['rss_ready_mb'] for r in reports):.1f} MB -> at end "
        f"{max(r['rss_end_mb'] for r in reports):.1f} MB"
    )
    if args.push:
        sent, created, handed = _push_campaign()
        say(
            f"push campaign (one time zone, English): {sent:,} deliveries created in "
            f"{created:.2f} s, handed to the outbox in {handed:.2f} s "
            f"({sent / handed if handed else 0:,.0f} messages/s, one process)"
        )
    try:
        result = _evaluate(args.requests)
    except (Exception, SystemExit) as error:  # the figures above are still recorded
        say(f"evaluate endpoint: not measured ({type(error).__name__}: {error})")
    else:
        say(
            f"evaluate endpoint: {result['requests']} requests, p50 {result['p50_ms']:.2f} ms, "
            f"p99 {result['p99_ms']:.2f} ms, {result['throughput_rps']:.0f} req/s (one client)"
        )
    if not args.no_record:
        lines.append(
            f"- command: `DATABASE_URL=.../{connection.settings_dict['NAME']} .venv/bin/python "
            f"tests/benchmarks/bench_education.py --customers {n} --workers {args.workers}`; "
            "timings from a shared machine (other work running), the ratio is what counts"
        )
        record("education", f"Education campaign fan-out, {n:,} customers", lines)


if __name__ == "__main__":
    main()
