"""Education benchmark (not collected by pytest: the name does not match test_*.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/education_bench \\
        .venv/bin/python tests/benchmarks/bench_education.py --customers 1000000

Needs its own PostgreSQL database (its name must contain "bench": customers and education
tables are emptied first). It migrates it, then:

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
"""

import argparse
import io
import multiprocessing
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ZONES = ["Asia/Hong_Kong", "Asia/Shanghai", "Asia/Taipei", "Europe/London", "America/New_York"]


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


def _copy_baseline(count: int) -> float:
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
    started = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY bench_copy_baseline ({columns}) FROM STDIN") as copy,
    ):
        copy.write(data)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_copy_baseline")
    return elapsed


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
    ready.put(True)
    go.wait()
    inserted, after_first = 0, None
    for chunk_id in chunk_ids:
        due = RunChunk.objects.select_related("run").get(pk=chunk_id).run.due_at
        inserted += delivery_fanout_chunk(chunk_id=chunk_id, now=due)
        after_first = after_first or _rss_mb()
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
        }
    )


def _fan_out(chunk_ids: list[int], workers: int) -> tuple[float, list[dict]]:
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("spawn")
    ready, go, results = context.Queue(), context.Event(), context.Queue()
    processes = [
        context.Process(target=_worker, args=(chunk_ids[i::workers], ready, go, results))
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get()  # the clock starts once every worker has Django loaded
    started = time.perf_counter()
    go.set()
    reports = [results.get() for _ in processes]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--push", action="store_true", help="also time a push campaign through the outbox"
    )
    args = parser.parse_args()
    _setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL=postgres://... (this benchmark needs PostgreSQL).")
    from education.models import Delivery

    _reset_database()
    n = args.customers
    print(f"customers: {n:,} in {len(ZONES)} time zones")
    print(f"  create customers (generate_series):  {_create_customers(n):8.2f} s")
    print(f"  baseline COPY of {n:,} delivery rows: {_copy_baseline(n):8.2f} s")
    campaign = _campaign()
    started = time.perf_counter()
    chunk_ids = _plan_runs(campaign)
    planning = time.perf_counter() - started
    print(f"  planning {len(ZONES)} runs, {len(chunk_ids)} chunks:    {planning:8.2f} s")
    elapsed, reports = _fan_out(chunk_ids, args.workers)
    rows = Delivery.objects.filter(campaign=campaign).count()
    sent = Delivery.objects.filter(campaign=campaign, status="sent").count()
    print(f"  fan-out with {args.workers} worker(s):            {elapsed:8.2f} s")
    print(f"  deliveries: {rows:,} ({sent:,} sent); {rows / elapsed:,.0f} rows/s")
    for i, report in enumerate(reports):
        print(
            f"  worker {i}: {report['chunks']} chunks, {report['inserted']:,} rows; RSS idle "
            f"{report['rss_ready_mb']:.1f} MB, after first chunk "
            f"{report['rss_after_first_chunk_mb']:.1f} MB, at end "
            f"{report['rss_end_mb']:.1f} MB; peak {report['peak_rss_mb']:.1f} MB "
            f"(of which {report['peak_ready_mb']:.1f} MB reached while loading Django)"
        )
    if args.push:
        sent, created, handed = _push_campaign()
        print(
            f"push campaign (one time zone, English): {sent:,} deliveries created in "
            f"{created:.2f} s, handed to the outbox in {handed:.2f} s "
            f"({sent / handed if handed else 0:,.0f} messages/s, one process)"
        )
    result = _evaluate(args.requests)
    print(
        f"evaluate endpoint: {result['requests']} requests, p50 {result['p50_ms']:.2f} ms, "
        f"p99 {result['p99_ms']:.2f} ms, {result['throughput_rps']:.0f} req/s (one client)"
    )


if __name__ == "__main__":
    main()
