"""Dashboard server time and query count at scale (not collected by pytest).

Generates N complaints with INSERT ... SELECT generate_series on PostgreSQL (spread over
the last 400 days, mixed channels, categories, states, milestones, ratings and root
causes; 5% with an SLA breach, 3% escalated with an event), refreshes the daily summary
(full), then times the dashboard for the last 30 and 365 days, with and without filters.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/insight_bench \\
        .venv/bin/python tests/benchmarks/bench_insight.py 100000
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings.test")

import django

django.setup()

from datetime import timedelta  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from backoffice.core.actors import system_actor  # noqa: E402
from backoffice.customers.models import Customer  # noqa: E402
from complaints.models import Complaint, RegulatoryRegime  # noqa: E402
from insight.periods import Period, local_today  # noqa: E402
from insight.selectors import DashboardFilters, dashboard  # noqa: E402
from insight.services import summary_refresh  # noqa: E402
from tests.backoffice.factories import CustomerFactory  # noqa: E402

CATEGORIES = "ARRAY['funds_not_received','duplicate_charge','wrong_amount','transfer_delay','transaction_failure','account_security','other']"  # noqa: E501
CHANNELS = "ARRAY['hotline','online_chat','in_app','email']"
STATES = "ARRAY['closed','closed','closed','investigating','acknowledged','rejected','withdrawn']"
CAUSES = "ARRAY['customer','merchant','bank_channel','third_party','own_system','fraud','']"

# Constant arrays interpolated, values passed as parameters.
INSERT = f"""
INSERT INTO complaints_complaint (
  created_at, updated_at, reference, channel, category, description, currency,
  raw_transaction_refs, priority, complexity, escalation_level, escalation_reason,
  initial_plan, follow_up_plan, root_cause, customer_at_fault, resolution_summary,
  follow_up_advice, identity_verification_method, satisfaction_reason, state,
  customer_id, regime_id, acknowledged_at, first_response_at, closed_at,
  resolution_notice_sent_at, satisfaction_score)
SELECT c, c, 'BENCH-' || g, ({CHANNELS})[1 + g %% 4], ({CATEGORIES})[1 + g %% 7], 'bench', 'HKD',
  '[]', 'normal', CASE WHEN g %% 5 = 0 THEN 'complex' ELSE 'simple' END,
  CASE WHEN g %% 33 = 0 THEN 1 ELSE 0 END, '', '', '', ({CAUSES})[1 + g %% 7], false, '', '', '',
  CASE WHEN g %% 13 = 0 THEN 'slow' ELSE '' END, ({STATES})[1 + g %% 7], %(customer)s, %(regime)s,
  c + (g %% 60) * interval '1 minute', c + (g %% 48) * interval '1 hour',
  CASE WHEN g %% 7 < 3 THEN c + (24 + g %% 200) * interval '1 hour' END,
  CASE WHEN g %% 7 < 3 THEN c + (20 + g %% 200) * interval '1 hour' END,
  CASE WHEN g %% 7 < 3 AND g %% 2 = 0 THEN 1 + g %% 5 END
FROM (SELECT g, now() - (g %% 400) * interval '1 day' - (g %% 86400) * interval '1 second' AS c
      FROM generate_series(%(first)s, %(last)s) g) s
"""  # noqa: S608
BREACHES = """
INSERT INTO complaints_complaintslabreach (complaint_id, clock, due_at, breached_at, escalated)
SELECT id, 'acknowledge', created_at + interval '30 minutes', created_at + interval '31 minutes',
       false
FROM complaints_complaint WHERE reference LIKE 'BENCH-%%' AND id %% 20 = 0
"""
EVENTS = """
INSERT INTO complaints_complaintevent (created_at, updated_at, complaint_id, kind, actor_id,
  from_state, to_state, reason, visibility, data)
SELECT created_at + interval '2 hours', created_at, id, 'transition', %(actor)s,
       'investigating', 'escalated', 'customer not satisfied', 'internal', '{}'
FROM complaints_complaint WHERE reference LIKE 'BENCH-%%' AND escalation_level > 0
"""


def generate(n: int) -> None:
    existing = Complaint.objects.filter(reference__startswith="BENCH-").count()
    if existing >= n:
        return
    customer = Customer.objects.filter(wallet_account_id="BENCH").first() or CustomerFactory(
        wallet_account_id="BENCH"
    )
    regime = RegulatoryRegime.objects.get(is_default=True)
    params = {"customer": customer.pk, "regime": regime.pk, "first": existing + 1, "last": n}
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM complaints_complaintslabreach")
        cursor.execute(
            "DELETE FROM complaints_complaintevent WHERE reason = 'customer not satisfied'"
        )
        cursor.execute(INSERT, params)
        cursor.execute(BREACHES, {})
        cursor.execute(EVENTS, {"actor": system_actor("bench").pk})
        cursor.execute("ANALYZE")


def timed(label: str, filters: DashboardFilters) -> None:
    dashboard(filters)  # warm caches, as a second visitor would find them
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        dashboard(filters)
        elapsed = time.perf_counter() - started
    print(f"{label:<40} {elapsed * 1000:8.1f} ms  {len(queries):3d} queries")


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("run on PostgreSQL: set DATABASE_URL=postgres://...")
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    generate(n)
    elapsed = time.perf_counter() - started
    print(f"complaints: {Complaint.objects.count()} (generated in {elapsed:.1f}s)")
    started = time.perf_counter()
    result = summary_refresh(full=True)
    print(f"full summary refresh: {result} in {time.perf_counter() - started:.1f}s")
    started = time.perf_counter()
    print(f"incremental refresh: {summary_refresh()} in {time.perf_counter() - started:.1f}s")
    today = local_today()
    month = Period(today - timedelta(days=29), today)
    year = Period(today - timedelta(days=364), today)
    timed("dashboard, last 30 days", DashboardFilters(period=month))
    timed("dashboard, last 365 days", DashboardFilters(period=year))
    timed(
        "dashboard, 365 days, hotline + category",
        DashboardFilters(period=year, channel="hotline", category="duplicate_charge"),
    )


if __name__ == "__main__":
    main()
