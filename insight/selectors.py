"""Readers of the dashboard. Volumes and rates come from the daily summary; medians,
reasons, compensation and merchants from the raw tables, each in one query bounded by
the period, so the number of queries never depends on the number of rows."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncMonth

from backoffice.core.money import quantize
from backoffice.customers.models import PaymentTransaction
from compensation.models import GrantKind, LineStatus, PolicyBudget, ProposalLine
from complaints.models import (
    AgentProfile,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintEvent,
    ComplaintState,
    EventKind,
    RootCause,
    SlaClock,
)

from .conf import setting
from .models import NO_TEAM, ROOT_CAUSE_COLUMNS, SCORE_COLUMNS, SLA_COLUMNS, DailySummary
from .periods import Period

DURATIONS = {
    "acknowledge": "acknowledged_at",
    "first_response": "first_response_at",
    "close": "closed_at",
}
LOW_SCORE = 2
COUNTERS = [
    f.name
    for f in DailySummary._meta.concrete_fields
    if f.name not in ("id", "day", "channel", "category", "team_id", "regime_id", "refreshed_at")
]


@dataclass(frozen=True)
class DashboardFilters:
    period: Period
    channel: str = ""
    category: str = ""
    team: int | None = None  # None: every team; NO_TEAM: complaints without a team


def ratio(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """`part / whole` as a percentage with one decimal; None when there is nothing."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


# --- the summary --------------------------------------------------------------------
def summary_queryset(filters: DashboardFilters) -> QuerySet[DailySummary]:
    rows = DailySummary.objects.filter(day__gte=filters.period.first, day__lte=filters.period.last)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.category:
        rows = rows.filter(category=filters.category)
    if filters.team is not None:
        rows = rows.filter(team_id=filters.team)
    return rows


def summary_totals(filters: DashboardFilters) -> dict[str, int]:
    sums = summary_queryset(filters).aggregate(**{c: Sum(c) for c in COUNTERS})
    return {name: value or 0 for name, value in sums.items()}


def rates(totals: dict[str, int]) -> dict[str, Any]:
    received = totals["received"]
    rated = sum(totals[c] for c in SCORE_COLUMNS.values())
    score_sum = sum(s * totals[c] for s, c in SCORE_COLUMNS.items())
    return {
        "received": received,
        "closed": totals["closed"],
        "resolution_rate": ratio(totals["closed"], received),
        "escalated": totals["escalated"],
        "escalation_rate": ratio(totals["escalated"], received),
        "reopened": totals["reopened"],
        "reopen_rate": ratio(totals["reopened"], received),
        "rated": rated,
        "satisfaction_average": (
            (Decimal(score_sum) / rated).quantize(Decimal("0.01")) if rated else None
        ),
    }


def sla_compliance(totals: dict[str, int]) -> list[dict[str, Any]]:
    rows = []
    for clock, (decided_col, missed_col) in SLA_COLUMNS.items():
        decided, missed = totals[decided_col], totals[missed_col]
        rows.append(
            {
                "clock": clock,
                "label": SlaClock(clock).label,
                "decided": decided,
                "met": decided - missed,
                "missed": missed,
                "compliance": ratio(decided - missed, decided),
            }
        )
    return rows


def satisfaction_distribution(totals: dict[str, int]) -> list[dict[str, Any]]:
    return [{"score": s, "count": totals[c]} for s, c in SCORE_COLUMNS.items()]


def root_causes(totals: dict[str, int]) -> list[dict[str, Any]]:
    labels = dict(RootCause.choices) | {"": "—"}
    rows = [
        {"root_cause": cause, "label": labels[cause], "count": totals[col]}
        for cause, col in ROOT_CAUSE_COLUMNS.items()
    ]
    return [row for row in rows if row["root_cause"] or row["count"]]


def volume_series(filters: DashboardFilters, dimension: str) -> dict[str, Any]:
    """Complaints received per day (per month past 62 days) and `dimension` value."""
    rows = summary_queryset(filters)
    by_month = filters.period.days > 62
    bucket = TruncMonth("day") if by_month else F("day")
    data = rows.annotate(bucket=bucket).values("bucket", dimension).annotate(n=Sum("received"))
    labels = dict(
        ComplaintCategory.choices if dimension == "category" else ComplaintChannel.choices
    )
    series: dict[str, dict[date, int]] = {}
    for row in data.order_by("bucket", dimension):
        series.setdefault(row[dimension], {})[row["bucket"]] = row["n"]
    buckets = _buckets(filters.period, by_month)
    return {
        "buckets": buckets,
        "by_month": by_month,
        "series": [
            {"key": key, "label": labels.get(key, key), "values": [v.get(b, 0) for b in buckets]}
            for key, v in sorted(series.items())
        ],
    }


def _buckets(period: Period, by_month: bool) -> list[date]:
    if by_month:
        return period.months()
    return [date.fromordinal(period.first.toordinal() + n) for n in range(period.days)]


# --- the raw tables, each in one query ------------------------------------------------
def complaint_queryset(filters: DashboardFilters, *, in_period: bool = True) -> QuerySet[Complaint]:
    """The complaints received in the period (or at any time) that match the filters."""
    rows = Complaint.objects.all()
    if in_period:
        rows = rows.filter(created_at__gte=filters.period.start, created_at__lt=filters.period.end)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.category:
        rows = rows.filter(category=filters.category)
    if filters.team == NO_TEAM:
        rows = rows.filter(owner__complaint_profile__team_lead__isnull=True)
    elif filters.team is not None:
        rows = rows.filter(owner__complaint_profile__team_lead_id=filters.team)
    return rows


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate; NULLs (milestones not reached) are ignored."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=fraction, **extra)


def _elapsed(field: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(field) - F("created_at"), output_field=DurationField())


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear interpolation between the closest ranks, as PERCENTILE_CONT does."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def durations(filters: DashboardFilters) -> list[dict[str, Any]]:
    """Median and p90 of the time to acknowledge, to the initial judgement and to close,
    in hours. In SQL on PostgreSQL; elsewhere over the period's rows in one query."""
    rows = complaint_queryset(filters)
    if connection.vendor == "postgresql":
        found = rows.aggregate(
            **{
                f"{name}_{tag}": PercentileCont(
                    _elapsed(field), fraction=fraction, output_field=DurationField()
                )
                for name, field in DURATIONS.items()
                for tag, fraction in (("p50", 0.5), ("p90", 0.9))
            }
        )
        hours = {k: v.total_seconds() / 3600 if v is not None else None for k, v in found.items()}
    else:
        values: dict[str, list[float]] = {name: [] for name in DURATIONS}
        fields = ["created_at", *DURATIONS.values()]
        for row in rows.values_list(*fields).iterator(chunk_size=5000):
            for (name, _f), moment in zip(DURATIONS.items(), row[1:], strict=True):
                if moment is not None:
                    values[name].append((moment - row[0]).total_seconds() / 3600)
        hours = {
            f"{name}_{tag}": percentile(values[name], fraction)
            for name in DURATIONS
            for tag, fraction in (("p50", 0.5), ("p90", 0.9))
        }
    return [
        {
            "measure": name,
            "median_hours": _round(hours[f"{name}_p50"]),
            "p90_hours": _round(hours[f"{name}_p90"]),
        }
        for name in DURATIONS
    ]


def _round(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def escalation_reasons(filters: DashboardFilters) -> list[dict[str, Any]]:
    """Escalations of the period's complaints, by reason (the most frequent first)."""
    events = ComplaintEvent.objects.filter(
        complaint__in=complaint_queryset(filters),
        kind=EventKind.TRANSITION,
        to_state=ComplaintState.ESCALATED,
    )
    rows = events.values("reason").annotate(count=Count("pk")).order_by("-count", "reason")
    return list(rows[: setting("INSIGHT_TOP_ROWS")])


def low_score_reasons(filters: DashboardFilters) -> list[dict[str, Any]]:
    """What customers who gave 1 or 2 out of 5 said (the latest first)."""
    rows = complaint_queryset(filters).filter(satisfaction_score__lte=LOW_SCORE)
    rows = rows.exclude(satisfaction_reason="").order_by("-rated_at", "-pk")
    return list(
        rows.values("reference", "category", "satisfaction_score", "satisfaction_reason")[
            : setting("INSIGHT_TOP_ROWS")
        ]
    )


def _money(value: Any, currency: str) -> Decimal:
    """A sum of amounts that are already in the currency's minor unit, at that scale: the
    quantize is exact and only restores the scale the database dropped or padded."""
    return quantize(Decimal(value), currency, rounding=ROUND_HALF_EVEN)


def compensation_paid(filters: DashboardFilters) -> list[dict[str, Any]]:
    """What was paid out in the period (lines settled successfully), by type and currency,
    against the monthly budgets of every policy for the months the period touches."""
    lines = ProposalLine.objects.filter(
        status=LineStatus.SUCCEEDED,
        settled_at__gte=filters.period.start,
        settled_at__lt=filters.period.end,
        # Paid in the period, possibly for a complaint received earlier.
        proposal__complaint__in=complaint_queryset(filters, in_period=False),
    )
    paid = lines.values("currency", "kind").annotate(total=Sum("amount"), count=Count("pk"))
    months = len(filters.period.months())
    budgets = {
        row["currency"]: _money(row["limit"] * months, row["currency"])
        for row in PolicyBudget.objects.values("currency").annotate(limit=Sum("monthly_limit"))
    }
    by_currency: dict[str, dict[str, Any]] = {}
    for row in paid:
        total = _money(row["total"], row["currency"])
        entry = by_currency.setdefault(row["currency"], {"kinds": {}, "total": Decimal(0)})
        entry["kinds"][row["kind"]] = {"total": total, "count": row["count"]}
        entry["total"] += total
    result = []
    for currency in sorted(set(by_currency) | set(budgets)):
        entry = by_currency.get(currency, {"kinds": {}, "total": _money(0, currency)})
        budget = budgets.get(currency)
        result.append(
            {
                "currency": currency,
                "kinds": [
                    {
                        "kind": kind,
                        "label": label,
                        **entry["kinds"].get(kind, {"total": _money(0, currency), "count": 0}),
                    }
                    for kind, label in GrantKind.choices
                ],
                "total": entry["total"],
                "budget": budget,
                "budget_used": ratio(entry["total"], budget) if budget else None,
            }
        )
    return result


def top_transactions(filters: DashboardFilters, field: str) -> list[dict[str, Any]]:
    """The merchants (`counterparty`) or error codes (`error_code`) behind the most
    complaints of the period."""
    rows = PaymentTransaction.objects.filter(complaints__in=complaint_queryset(filters))
    rows = rows.exclude(**{field: ""}).values(field)
    rows = rows.annotate(complaints=Count("complaints", distinct=True))
    return [
        {"key": row[field], "complaints": row["complaints"]}
        for row in rows.order_by("-complaints", field)[: setting("INSIGHT_TOP_ROWS")]
    ]


def teams() -> list[tuple[int, str]]:
    """Team leads (the teams of the filter), one query."""
    leads = get_user_model().objects.filter(
        pk__in=AgentProfile.objects.filter(team_lead__isnull=False).values("team_lead_id")
    )
    return [(u.pk, u.get_full_name() or u.get_username()) for u in leads.order_by("username")]


def team_names(ids: set[int]) -> dict[int, str]:
    users = get_user_model().objects.filter(pk__in=ids)
    return {u.pk: u.get_full_name() or u.get_username() for u in users}


def dashboard(filters: DashboardFilters) -> dict[str, Any]:
    """Every figure of the dashboard; a fixed number of queries."""
    totals = summary_totals(filters)
    return {
        "filters": filters,
        "totals": rates(totals),
        "volume_by_category": volume_series(filters, "category"),
        "volume_by_channel": volume_series(filters, "channel"),
        "sla": sla_compliance(totals),
        "durations": durations(filters),
        "escalation_reasons": escalation_reasons(filters),
        "satisfaction": satisfaction_distribution(totals),
        "low_scores": low_score_reasons(filters),
        "compensation": compensation_paid(filters),
        "root_causes": root_causes(totals),
        "merchants": top_transactions(filters, "counterparty"),
        "error_codes": top_transactions(filters, "error_code"),
    }
