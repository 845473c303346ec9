"""Scale benchmark: the SLA sweep and the admin complaint list at 10,000 and 1,000,000
complaints (not collected by pytest: the name does not match test_*.py).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/backoffice_bench \\
        .venv/bin/python tests/benchmarks/bench_scale.py            # 10,000 and 1,000,000
    ... bench_scale.py --sizes 2000,20000 --no-record               # a quick look

`make bench` runs it with the first form. The database's name must contain "bench": the
script creates it when missing, migrates it and empties the complaint tables (and the
customers, payment transactions and what refers to them when the benchmark customers are
not there yet). Then, for each size N in increasing order:

1. fill: the complaint table is topped up to N rows with set-based SQL (INSERT ... SELECT
   FROM generate_series) across 100,000 customers, five channels and every state, with the
   deadlines, `next_sla_due_at` and `sla_check_at` that intake and the workflow would have
   set; one intake event per complaint, a linked payment transaction for every fifth, an
   earlier breach on some. The first 500 ids are the due set, identical at every size:
   200 late acknowledgements, 100 late initial judgements and 100 late final responses
   (both escalate) and 100 progress updates inside the warning window. Every other open
   complaint is due later; closed ones have no clocks. VACUUM ANALYZE afterwards, as
   autovacuum would.
2. SLA sweep: `complaints.services.sla_sweep(now=...)`, the function the periodic job
   `complaints-sla-sweep` calls, `--sweeps` times, each inside a transaction that is
   rolled back, so every repetition sees the same 500 due complaints. Median time and the
   query count (CaptureQueriesContext); target: median(1M) / median(10k) <= 1.5.
3. Admin complaint list `/admin/complaints/complaint/`: one gunicorn (sync worker,
   127.0.0.1, free port, DEBUG off, the same server for every size) is started before the
   first size; a staff agent's session cookie (created with Django's test client
   `force_login`, stored in the database session table) is sent with each GET. After
   `--warmup` requests, `--requests` timed GETs per page variant (first page; state
   filter; search by reference). Server time is gunicorn's own `%(D)s` (request time in
   microseconds) from its access log; median and p95. Query count: the same view for the
   same user through the Django test client in-process under CaptureQueriesContext.
   Target for the first page: identical query count and median(1M) / median(10k) <= 2.
4. At the largest size: EXPLAIN ANALYZE of the sweep's selection and of the list's page
   queries (which index each uses), and one timing each of the statements the list ran
   before it was fixed (whole-table COUNT(*), the owner filter's SELECT DISTINCT, the OR
   search across joins), for comparison.

Figures go to stdout and (unless --no-record) to tests/benchmarks/RESULTS.md, section
"scale". Timings on a shared machine are noisy; the ratios are measured in one run.
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "bench-scale-secret-key-0123456789abcdef-not-for-production"
CUSTOMERS = 100_000
DUE = 500
LIST_URL = "/admin/complaints/complaint/"
SERVER_SECONDS = 30  # gunicorn's worker timeout; the whole server is killed in `finally`


def _database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres") or "bench" not in parsed.path:
        sys.exit(
            "Set BENCH_DATABASE_URL to a PostgreSQL database whose name contains 'bench' "
            "(this script empties its complaint tables)."
        )
    return url


def _create_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SECRET_KEY"] = SECRET_KEY
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings.test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _sql(statement: str, params=None) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


# --- set-up -------------------------------------------------------------------------------
def _reset() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _sql(
        "TRUNCATE complaints_complaint, complaints_historicalcomplaint, "
        "complaints_staffalert, complaints_complaintslabreach RESTART IDENTITY CASCADE"
    )
    have = _sql("SELECT count(*) FROM customers_customer WHERE wallet_account_id LIKE 'bench-%%'")
    if have[0][0] != CUSTOMERS:
        _sql("TRUNCATE customers_customer, customers_paymenttransaction RESTART IDENTITY CASCADE")
        _create_customers()
    else:
        _sql("TRUNCATE customers_paymenttransaction RESTART IDENTITY CASCADE")


def _create_customers() -> None:
    started = time.perf_counter()
    _sql(
        """
        INSERT INTO customers_customer (created_at, updated_at, wallet_account_id, name, phone,
            email, id_number, preferred_channel, language, time_zone, registered_at,
            is_vulnerable)
        SELECT now(), now(), 'bench-' || i, 'Customer ' || i, '+8529' || lpad(i::text, 7, '0'),
            '', '', (ARRAY['in_app', 'sms', 'email'])[1 + i %% 3],
            (ARRAY['en', 'zh-hans', 'zh-hant'])[1 + i %% 3],
            (ARRAY['Asia/Hong_Kong', 'Asia/Shanghai', 'Asia/Taipei'])[1 + i %% 3],
            now() - (i %% 2000) * interval '1 day', i %% 50 = 0
        FROM generate_series(1, %s) AS i
        """,
        [CUSTOMERS],
    )
    print(f"  {CUSTOMERS:,} customers in {time.perf_counter() - started:.1f} s")


def _staff() -> dict:
    """50 agents in teams of ten, each team with its lead, 5 supervisors (the leads),
    2 managers (each in their role's group) and the agent whose session the list requests
    carry."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from backoffice.core.actors import system_actor
    from complaints.models import AgentProfile

    user_model = get_user_model()
    ids: dict[str, list[int]] = {}
    for role, count in (("manager", 2), ("supervisor", 5), ("agent", 50)):
        group = Group.objects.get(name=role)
        ids[role] = []
        for n in range(count):
            user, _ = user_model.objects.get_or_create(
                username=f"bench-{role}-{n}", defaults={"is_staff": True}
            )
            user.groups.add(group)
            lead = ids["supervisor"][n // 10] if role == "agent" else None
            AgentProfile.objects.update_or_create(user=user, defaults={"team_lead_id": lead})
            ids[role].append(user.pk)
    viewer, _ = user_model.objects.get_or_create(
        username="bench-viewer", defaults={"is_staff": True}
    )
    viewer.groups.add(Group.objects.get(name="agent"))
    ids["viewer"] = viewer
    ids["system"] = system_actor("complaints").pk
    return ids


def _array(values: list[int]) -> str:
    return "ARRAY[" + ",".join(str(int(v)) for v in values) + "]"


def _pick(values: list[int], salt: int = 0) -> str:
    return f"({_array(values)})[1 + (i + {salt}) % {len(values)}]"


CATEGORIES = [
    "funds_not_received",
    "duplicate_charge",
    "wrong_amount",
    "transfer_delay",
    "transaction_failure",
    "balance_error",
    "account_frozen",
    "account_security",
    "login_password",
    "service_delay",
    "other",
]
ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
# CMP-YYYYMMDD-XXXXXX like new_reference(), the six letters being i in base 29 (unique).
REFERENCE = "'CMP-' || to_char(created_at, 'YYYYMMDD') || '-' || " + " || ".join(
    f"substr('{ALPHABET}', 1 + (i / {29**k}) % 29, 1)" for k in reversed(range(6))
)
# A fraction in [0, 1) that differs from row to row: creation times are (nearly) unique,
# as they are when complaints arrive one by one.
SPREAD = "((i::bigint * 7919) % 1000003) / 1000003.0"


def _age(youngest: str, oldest: str) -> str:
    """A creation time between `youngest` and `oldest` before the benchmark's now."""
    return (
        f"%(now)s::timestamptz - interval '{youngest}' "
        f"- {SPREAD} * (interval '{oldest}' - interval '{youngest}')"
    )


STATUTORY = "date_trunc('day', created_at) + interval '21 days 23:59:59'"  # 15 business days
ACK, FIRST = "interval '30 minutes'", "interval '24 hours'"


def _row_classes(staff: dict) -> list[tuple[str, str, dict[str, str]]]:
    """(name, WHERE on i, column expressions). `created_at` is computed first; the other
    expressions may use it. Columns not named keep the defaults of `_columns`."""
    agent, sup, mgr = staff["agent"], staff["supervisor"], staff["manager"]
    handled = {"owner_id": _pick(agent), "first_responder_id": _pick(agent)}
    handled |= {"acknowledged_at": "created_at + interval '10 minutes'"}
    handled |= {"initial_plan": "'Check the payment core.'"}
    investigated = handled | {"first_response_at": "created_at + interval '5 hours'"}
    verified = investigated | {
        "identity_verified_at": "created_at + interval '6 hours'",
        "identity_verified_by_id": _pick(agent),
        "identity_verification_method": "'one_time_code'",
        "root_cause": "'merchant'",
        "resolution_summary": "'Refund of the duplicate charge.'",
    }
    due_now = "%(now)s::timestamptz"
    return [
        # The due set: ids 1..500, the same at every size.
        (
            "due: late acknowledgement",
            f"i <= {DUE} AND i % 5 IN (0, 1)",
            {
                "created_at": _age("2 hours", "3 hours"),
                "state": "'submitted'",
                "acknowledge_due_at": f"created_at + {ACK}",
                "first_response_due_at": f"created_at + {FIRST}",
                "statutory_due_at": STATUTORY,
            },
        ),
        (
            "due: late initial judgement",
            f"i <= {DUE} AND i % 5 = 2",
            handled
            | {
                "created_at": _age("30 hours", "31 hours"),
                "state": "'acknowledged'",
                "first_response_due_at": f"created_at + {FIRST}",
                "statutory_due_at": STATUTORY,
            },
        ),
        (
            "due: late final response",
            f"i <= {DUE} AND i % 5 = 3",
            investigated
            | {
                "created_at": _age("25 days", "26 days"),
                "state": "'investigating'",
                "statutory_due_at": f"{due_now} - interval '1 hour'",
            },
        ),
        (
            "due: progress update within the warning window",
            f"i <= {DUE} AND i % 5 = 4",
            investigated
            | {
                "created_at": _age("3 days", "4 days"),
                "state": "'investigating'",
                "complexity": "'complex'",
                "progress_update_due_at": f"{due_now} + interval '10 minutes'",
                "statutory_due_at": STATUTORY,
            },
        ),
        # Everything else: not due before the benchmark's `now`.
        (
            "closed",
            f"i > {DUE} AND i % 100 < 28",
            verified
            | {
                "created_at": _age("40 days", "1040 days"),
                "state": "'closed'",
                "resolution_notice_sent_at": "created_at + interval '3 days'",
                "closed_at": "created_at + interval '5 days'",
                "satisfaction_score": "CASE WHEN i % 3 = 0 THEN 1 + i % 5 END",
                "rated_at": "CASE WHEN i % 3 = 0 THEN created_at + interval '6 days' END",
            },
        ),
        (
            "rejected or withdrawn",
            f"i > {DUE} AND i % 100 IN (28, 29, 30)",
            {
                "created_at": _age("1 day", "700 days"),
                "state": "CASE WHEN i % 100 = 30 THEN 'withdrawn' ELSE 'rejected' END",
            },
        ),
        (
            "submitted",
            f"i > {DUE} AND i % 100 BETWEEN 31 AND 35",
            {
                "created_at": _age("0 minutes", "10 minutes"),
                "state": "'submitted'",
                "acknowledge_due_at": f"created_at + {ACK}",
                "first_response_due_at": f"created_at + {FIRST}",
                "statutory_due_at": STATUTORY,
            },
        ),
        (
            "acknowledged",
            f"i > {DUE} AND i % 100 BETWEEN 36 AND 45",
            handled
            | {
                "created_at": _age("1 minute", "20 hours"),
                "state": "'acknowledged'",
                "first_response_due_at": f"created_at + {FIRST}",
                "statutory_due_at": STATUTORY,
            },
        ),
        (
            "investigating",
            f"i > {DUE} AND (i % 100 BETWEEN 46 AND 70 OR i % 100 >= 97)",
            investigated
            | {
                "created_at": _age("1 hour", "14 days"),
                "state": "'investigating'",
                "complexity": "CASE WHEN i % 3 = 0 THEN 'complex' ELSE 'simple' END",
                "progress_update_due_at": (
                    f"CASE WHEN i % 3 = 0 THEN {due_now} + (1 + i % 47) * interval '1 hour' END"
                ),
                "statutory_due_at": STATUTORY,
            },
        ),
        (
            "awaiting customer information (clocks paused)",
            f"i > {DUE} AND i % 100 BETWEEN 71 AND 78",
            investigated
            | {
                "created_at": _age("1 hour", "14 days"),
                "state": "'awaiting_customer_info'",
                "sla_paused_at": f"{due_now} - (i % 48) * interval '1 hour'",
                "statutory_due_at": STATUTORY,
            },
        ),
        (
            "resolution proposed",
            f"i > {DUE} AND i % 100 BETWEEN 79 AND 84",
            verified
            | {
                "created_at": _age("1 hour", "14 days"),
                "state": "'resolution_proposed'",
                "statutory_due_at": STATUTORY,
            },
        ),
        (
            "awaiting confirmation",
            f"i > {DUE} AND i % 100 BETWEEN 85 AND 92",
            verified
            | {
                "created_at": _age("2 days", "14 days"),
                "state": "'awaiting_confirmation'",
                "resolution_notice_sent_at": "created_at + interval '1 day'",
            },
        ),
        (
            "escalated",
            f"i > {DUE} AND i % 100 BETWEEN 93 AND 96",
            investigated
            | {
                "created_at": _age("1 hour", "14 days"),
                "state": "'escalated'",
                "escalation_level": "CASE WHEN i % 5 = 0 THEN 2 ELSE 1 END",
                "escalation_reason": "'Customer rejected the resolution.'",
                "owner_id": f"CASE WHEN i % 5 = 0 THEN {_pick(mgr)} ELSE {_pick(sup)} END",
                "statutory_due_at": STATUTORY,
            },
        ),
    ]


def _columns(staff: dict, customer_low: int, regimes: list[int]) -> dict[str, str]:
    return {
        "reference": REFERENCE,
        "updated_at": "created_at",
        "customer_id": f"{customer_low} + (i::bigint * 7919) % {CUSTOMERS}",
        "channel": "(ARRAY['in_app','in_app','hotline','online_chat','email','other'])[1 + i % 6]",
        "category": "(ARRAY[" + ",".join(f"'{c}'" for c in CATEGORIES) + "])[1 + i % 11]",
        "description": "'I was charged twice at merchant ' || (i % 977) || '.'",
        "amount": "CASE WHEN i % 4 = 0 THEN NULL ELSE 1 + (i % 5000) END",
        "currency": "CASE WHEN i % 4 = 0 THEN '' ELSE 'HKD' END",
        "occurred_at": "created_at - interval '1 hour'",
        "raw_transaction_refs": "'[]'::jsonb",
        "priority": "CASE WHEN i % 50 = 0 THEN 'high' WHEN i % 97 = 0 THEN 'urgent' "
        "ELSE 'normal' END",
        "complexity": "'simple'",
        "owner_id": "NULL::integer",
        "first_responder_id": "NULL::integer",
        "escalation_level": "0",
        "escalation_reason": "''",
        "initial_plan": "''",
        "follow_up_plan": "''",
        "root_cause": "''",
        "customer_at_fault": "false",
        "resolution_summary": "''",
        "follow_up_advice": "''",
        "identity_verified_at": "NULL::timestamptz",
        "identity_verified_by_id": "NULL::integer",
        "identity_verification_method": "''",
        "satisfaction_score": "NULL::smallint",
        "satisfaction_reason": "''",
        "rated_at": "NULL::timestamptz",
        "regime_id": _pick(regimes),
        "acknowledged_at": "NULL::timestamptz",
        "first_response_at": "NULL::timestamptz",
        "resolution_notice_sent_at": "NULL::timestamptz",
        "closed_at": "NULL::timestamptz",
        "acknowledge_due_at": "NULL::timestamptz",
        "first_response_due_at": "NULL::timestamptz",
        "progress_update_due_at": "NULL::timestamptz",
        "statutory_due_at": "NULL::timestamptz",
        "statutory_extended_at": "NULL::timestamptz",
        "sla_paused_at": "NULL::timestamptz",
        "sla_warned_due_at": "NULL::timestamptz",
        # Filed complaints whose intake follow-up has run (the columns have no SQL default).
        "intake_followup_pending": "false",
        "intake_followup_attempts": "0",
        "idempotency_key": "''",  # filed by staff: no key
        "request_hash": "''",
    }


def _insert_complaints(low: int, high: int, now: datetime, staff: dict) -> None:
    customer_low = _sql("SELECT min(id) FROM customers_customer")[0][0]
    regimes = [row[0] for row in _sql("SELECT id FROM complaints_regulatoryregime ORDER BY id")]
    defaults = _columns(staff, customer_low, regimes)
    for _name, where, overrides in _row_classes(staff):
        columns = {**defaults, **overrides}
        created = columns.pop("created_at")
        names = list(columns)
        inner = ", ".join(f"{columns[name]} AS {name}" for name in names)
        open_clock = (
            "CASE WHEN state NOT IN ('closed', 'rejected', 'withdrawn') AND sla_paused_at IS NULL "
            "THEN LEAST(acknowledge_due_at, first_response_due_at, progress_update_due_at, "
            "statutory_due_at) END"
        )
        # Built from this file's constants only; the values are parameters.
        statement = f"""
            INSERT INTO complaints_complaint (id, created_at, {", ".join(names)},
                next_sla_due_at, sla_check_at)
            SELECT i, created_at, {", ".join(names)}, next_due, next_due - interval '15 minutes'
            FROM (
                SELECT i, created_at, {", ".join(names)}, {open_clock} AS next_due
                FROM (
                    SELECT i, created_at, {inner}
                    FROM (SELECT i, {created} AS created_at
                          FROM generate_series(%(low)s, %(high)s) AS i WHERE {where}) AS g
                ) AS r
            ) AS c
        """  # noqa: S608
        # The expressions use SQL's modulo: double every % except the named parameters.
        statement = statement.replace("%", "%%").replace("%%(", "%(")
        _sql(statement, {"low": low, "high": high, "now": now})
    _sql(
        "SELECT setval(pg_get_serial_sequence('complaints_complaint', 'id'), "
        "(SELECT max(id) FROM complaints_complaint))"
    )


def _insert_related(low: int, high: int, staff: dict) -> None:
    """Intake's event for each complaint, a linked payment transaction for every fifth and
    an earlier first-response breach for every seventh complaint under investigation."""
    _sql(
        """
        INSERT INTO complaints_complaintevent (created_at, updated_at, complaint_id, kind,
            actor_id, from_state, to_state, reason, visibility, data)
        SELECT created_at, created_at, id, 'transition', %s, '', 'submitted', '', 'customer',
            jsonb_build_object('channel', channel)
        FROM complaints_complaint WHERE id BETWEEN %s AND %s
        """,
        [staff["system"], low, high],
    )
    _sql(
        """
        INSERT INTO customers_paymenttransaction (created_at, updated_at, transaction_id,
            customer_id, counterparty, type, amount, fee, currency, status, channel, error_code,
            error_message, occurred_at, settled_at, raw_payload)
        SELECT created_at, created_at, 'TXN' || lpad(id::text, 12, '0'), customer_id,
            'Merchant ' || (id %% 977), 'payment', coalesce(amount, 10), 0, 'HKD', 'succeeded',
            'fps', '', '', created_at - interval '1 hour', created_at, '{}'::jsonb
        FROM complaints_complaint WHERE id BETWEEN %s AND %s AND id %% 5 = 0
        """,
        [low, high],
    )
    _sql(
        """
        INSERT INTO complaints_complaint_transactions (complaint_id, paymenttransaction_id)
        SELECT c.id, t.id FROM complaints_complaint c
        JOIN customers_paymenttransaction t ON t.transaction_id = 'TXN' || lpad(c.id::text, 12, '0')
        WHERE c.id BETWEEN %s AND %s AND c.id %% 5 = 0
        """,
        [low, high],
    )
    _sql(
        """
        INSERT INTO complaints_complaintslabreach (complaint_id, clock, due_at, breached_at,
            escalated)
        SELECT id, 'first_response', created_at + interval '24 hours',
            created_at + interval '24 hours 1 minute', false
        FROM complaints_complaint
        WHERE id BETWEEN %s AND %s AND id %% 7 = 0 AND state = 'investigating' AND id > %s
        """,
        [low, high, DUE],
    )


def _fill(size: int, now: datetime, staff: dict) -> float:
    have = _sql("SELECT coalesce(max(id), 0) FROM complaints_complaint")[0][0]
    started = time.perf_counter()
    if size > have:
        _insert_complaints(have + 1, size, now, staff)
        _insert_related(have + 1, size, staff)
    for table in (
        "complaints_complaint",
        "complaints_complaintevent",
        "complaints_complaint_transactions",
        "customers_paymenttransaction",
        "complaints_complaintslabreach",
    ):
        _sql(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - started


def _check_fill(size: int, now: datetime) -> None:
    count, due = _sql(
        "SELECT count(*), count(*) FILTER (WHERE sla_check_at <= %s) FROM complaints_complaint",
        [now],
    )[0]
    if count != size or due != DUE:
        sys.exit(f"fill is wrong: {count} complaints ({size} wanted), {due} due ({DUE} wanted)")


# --- SLA sweep ----------------------------------------------------------------------------
class QueryCounter:
    """Counts every statement (CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _sweep(now: datetime, repetitions: int) -> dict:
    from django.db import connection, transaction

    from complaints.services import sla_sweep

    times, queries, results = [], [], set()
    for _ in range(repetitions):
        counter = QueryCounter()
        with transaction.atomic(), connection.execute_wrapper(counter):
            started = time.perf_counter()
            result = sla_sweep(now=now)
            times.append(time.perf_counter() - started)
            transaction.set_rollback(True)  # the next repetition finds the same due set
        queries.append(counter.count)
        results.add((result.checked, result.breaches, result.escalations, result.warnings))
    # The first sweep of the process also fills per-process caches (content types,
    # permissions): the last repetition's count is the steady state.
    return {"median": statistics.median(times), "queries": queries[-1], "results": results}


# --- admin list ---------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Production settings, except that {% static %} does not need a collectstatic manifest
# (collectstatic with DEBUG off currently stops at insight's vendored Chart.js, whose
# source map is not shipped). Only the HTML of the list is requested.
SERVER_SETTINGS = """from backoffice.settings.base import *  # noqa: F403
from backoffice.settings.base import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
"""


def _server_env(url: str, settings_dir: Path) -> dict[str, str]:
    """DEBUG off, minus the HTTPS redirect: the server is plain HTTP on 127.0.0.1. The
    secret key is the one this process signs the session with."""
    (settings_dir / "bench_scale_settings.py").write_text(SERVER_SETTINGS)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_scale_settings",
        "PYTHONPATH": f"{settings_dir}:{ROOT}",
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    return env


def _start_server(url: str, port: int, log: Path) -> subprocess.Popen:
    env = _server_env(url, log.parent)
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "backoffice.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--timeout",
        str(SERVER_SECONDS),
        "--access-logfile",
        str(log),
        "--access-logformat",
        "%(m)s %(U)s?%(q)s %(s)s %(D)s",
    ]
    server = subprocess.Popen(  # noqa: S603 (a fixed command line)
        command, cwd=ROOT, env=env, stderr=log.with_suffix(".err").open("w")
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                sys.exit("gunicorn did not start")
            time.sleep(0.2)
    server.kill()
    sys.exit("gunicorn did not listen within 30 s")


def _session_cookie(viewer) -> str:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(viewer)
    return client.cookies["sessionid"].value


def _variants() -> dict[str, dict[str, str]]:
    reference = _sql("SELECT reference FROM complaints_complaint WHERE id = %s", [DUE + 7])[0][0]
    return {
        "first page": {},
        "state filter": {"state": "investigating"},
        "search by reference": {"q": reference},
    }


def _get(port: int, cookie: str, path: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=SERVER_SECONDS)
    try:
        conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}", "Host": "127.0.0.1"})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200 or b'id="result_list"' not in body:
        sys.exit(f"GET {path} answered {response.status} without the result list")


def _server_times(log: Path, seen: int) -> tuple[list[float], int]:
    lines = log.read_text().splitlines()
    times = [int(line.rsplit(" ", 1)[1]) / 1000 for line in lines[seen:] if line.strip()]
    return times, len(lines)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def _list_queries(viewer, path: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(viewer)
    client.get(path)  # session stamps and caches settle
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries)


def _admin_list(port: int, log: Path, viewer, warmup: int, requests: int) -> dict:
    cookie = _session_cookie(viewer)
    figures = {}
    for name, query in _variants().items():
        path = LIST_URL + ("?" + urlencode(query) if query else "")
        for _ in range(warmup):
            _get(port, cookie, path)
        _, seen = _server_times(log, 0)
        for _ in range(requests):
            _get(port, cookie, path)
        times, _ = _server_times(log, seen)
        figures[name] = {
            "median": statistics.median(times),
            "p95": _p95(times),
            "queries": _list_queries(viewer, path),
        }
    return figures


# --- EXPLAIN ------------------------------------------------------------------------------
def _changelist_queryset(viewer, query: dict[str, str]):
    from django.contrib import admin
    from django.test import RequestFactory

    from complaints.models import Complaint

    request = RequestFactory().get(LIST_URL, query)
    request.user = viewer
    changelist = admin.site._registry[Complaint].get_changelist_instance(request)
    return changelist.queryset[: changelist.list_per_page]


def _explain(now: datetime, viewer) -> list[str]:
    from complaints.conf import setting
    from complaints.models import Complaint

    sweep = (
        Complaint.objects.filter(sla_check_at__lte=now)
        .order_by("sla_check_at")
        .values_list("pk", flat=True)[: setting("COMPLAINT_SWEEP_BATCH")]
    )
    out = []
    for label, queryset in (
        ("sweep selection", sweep),
        ("list, first page", _changelist_queryset(viewer, {})),
        ("list, state filter", _changelist_queryset(viewer, {"state": "investigating"})),
    ):
        out.append(f"{label}:")
        out.extend(f"    {line}" for line in queryset.explain(analyze=True).splitlines())
    return out


def _removed_statements() -> list[tuple[str, float]]:
    """What the list ran before it was fixed, timed once each at the largest size: the
    paginator's and the "(N total)" COUNT(*), the related-only owner filter's SELECT
    DISTINCT, and Django's default search (an OR across the joined tables)."""
    from django.db.models import Q

    from complaints.models import Complaint

    reference = _variants()["search by reference"]["q"]
    or_search = (
        Complaint.objects.filter(
            Q(reference=reference)
            | Q(transactions__transaction_id=reference)
            | Q(customer__wallet_account_id=reference)
            | Q(customer__phone=reference)
        )
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[:100]
    )
    timed = []
    for label, run in (
        ("COUNT(*) of the whole table", lambda: _sql("SELECT count(*) FROM complaints_complaint")),
        (
            "SELECT DISTINCT owner_id (related-only owner filter)",
            lambda: _sql("SELECT DISTINCT owner_id FROM complaints_complaint"),
        ),
        ("search as an OR across the joins", lambda: list(or_search)),
    ):
        started = time.perf_counter()
        run()
        timed.append((label, time.perf_counter() - started))
    return timed


# --- report -------------------------------------------------------------------------------
def _ratio(big: float, small: float) -> str:
    return f"{big / small:.2f}" if small else "n/a"


def _report(sizes, fills, sweeps, lists, plans, removed, args) -> list[str]:
    small, big = sizes[0], sizes[-1]
    lines = [
        f"Sizes {', '.join(f'{n:,}' for n in sizes)} complaints over {CUSTOMERS:,} customers; "
        f"{DUE} complaints due at every size. Busy shared machine: absolute times are noisy, "
        "the ratios come from one run.",
        "",
        "| size | fill (s) | sweep median (ms) | sweep queries | sweep result "
        "(checked, breaches, escalations, warnings) |",
        "|---:|---:|---:|---:|---|",
    ]
    for n in sizes:
        s = sweeps[n]
        lines.append(
            f"| {n:,} | {fills[n]:.1f} | {s['median'] * 1000:.0f} | "
            f"{s['queries']} | {sorted(s['results'])} |"
        )
    ratio = _ratio(sweeps[big]["median"], sweeps[small]["median"])
    lines += [
        "",
        f"SLA sweep ({args.sweeps} repetitions, each rolled back): median ratio "
        f"{big:,}/{small:,} = **{ratio}** (target <= 1.5).",
        "",
        f"Admin complaint list through gunicorn (1 sync worker, DEBUG off), {args.requests} "
        f"GETs per variant after {args.warmup} warm-up, server time from gunicorn's `%(D)s`:",
        "",
        "| variant | size | median (ms) | p95 (ms) | queries |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in lists[small]:
        for n in sizes:
            f = lists[n][name]
            lines.append(
                f"| {name} | {n:,} | {f['median']:.1f} | {f['p95']:.1f} | {f['queries']} |"
            )
    lines.append("")
    for name in lists[small]:
        a, b = lists[small][name], lists[big][name]
        same = "identical" if a["queries"] == b["queries"] else "DIFFERENT"
        target = " (target: identical and <= 2)" if name == "first page" else ""
        lines.append(
            f"- {name}: median ratio {big:,}/{small:,} = **{_ratio(b['median'], a['median'])}**, "
            f"query count {same} ({a['queries']} vs {b['queries']}){target}"
        )
    lines += [
        "",
        f"What the list ran before the fixes, timed once each at {big:,} (it ran the COUNT "
        "twice per page; the search ran on every search):",
        "",
        *(f"- {label}: {seconds * 1000:.0f} ms" for label, seconds in removed),
        "",
        f"EXPLAIN ANALYZE at {big:,}:",
        "",
        "```",
        *plans,
        "```",
        "",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--sweeps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--no-record", action="store_true", help="print only")
    args = parser.parse_args()
    sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(","))
    if len(sizes) < 2 or sizes[0] <= DUE:
        sys.exit(f"give at least two sizes above {DUE}")

    url = _database_url()
    _create_database(url)
    _setup(url)
    started = time.perf_counter()
    print("migrating and emptying the complaint tables ...")
    _reset()
    staff = _staff()
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
    fills, sweeps, lists = {}, {}, {}
    log = Path(tempfile.mkdtemp(prefix="bench-scale-")) / "access.log"
    port = _free_port()
    server = _start_server(url, port, log)
    try:
        for n in sizes:
            print(f"size {n:,}: filling ...", flush=True)
            fills[n] = _fill(n, now, staff)
            _check_fill(n, now)
            print(f"  filled in {fills[n]:.1f} s; sweeping ...", flush=True)
            sweeps[n] = _sweep(now, args.sweeps)
            print(f"  sweep median {sweeps[n]['median'] * 1000:.0f} ms; admin list ...")
            lists[n] = _admin_list(port, log, staff["viewer"], args.warmup, args.requests)
            for name, f in lists[n].items():
                print(f"  {name}: median {f['median']:.1f} ms, {f['queries']} queries")
        plans = _explain(now, staff["viewer"])
        removed = _removed_statements()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    lines = _report(sizes, fills, sweeps, lists, plans, removed, args)
    lines.append(f"Whole run {time.perf_counter() - started:.0f} s.")
    print("\n".join(lines))
    if not args.no_record:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from results import record

        record("scale", "SLA sweep and admin complaint list at scale", lines)


if __name__ == "__main__":
    main()
