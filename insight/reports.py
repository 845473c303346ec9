"""Readers of the monthly case review and the regulatory statistics. Each section is one
query bounded by the month (or read from the daily summary for the statistics)."""

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import ExtractQuarter, RowNumber

from compensation.models import LineStatus, ProposalLine
from complaints.models import (
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintSlaBreach,
    ComplaintState,
    EventKind,
    RegulatoryRegime,
    RootCause,
    SlaClock,
)

from .conf import setting
from .models import DailySummary
from .periods import Period, month_period
from .selectors import ratio

TYPICAL_PER_CATEGORY = 3
LARGEST_PER_CURRENCY = 5


def _in(period: Period, field: str) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def typical_cases(period: Period) -> list[dict[str, Any]]:
    """Per category: how many, the commonest root cause, and the latest handled cases."""
    received = Complaint.objects.filter(_in(period, "created_at"))
    causes: dict[str, Counter] = {}
    for row in received.values("category", "root_cause").annotate(n=Count("pk")).order_by():
        causes.setdefault(row["category"], Counter())[row["root_cause"]] += row["n"]
    ranked = received.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("category")],
            order_by=[F("closed_at").desc(nulls_last=True), F("pk").desc()],
        )
    ).filter(rank__lte=TYPICAL_PER_CATEGORY)
    examples: dict[str, list] = {}
    fields = ("reference", "category", "state", "root_cause", "description", "resolution_summary")
    for row in ranked.values(*fields).order_by("category", "rank"):
        examples.setdefault(row["category"], []).append(row)
    labels, cause_labels = dict(ComplaintCategory.choices), dict(RootCause.choices)
    return [
        {
            "category": category,
            "label": labels.get(category, category),
            "count": sum(counter.values()),
            "main_cause": cause_labels.get(counter.most_common(1)[0][0], "—"),
            "cases": examples.get(category, []),
        }
        for category, counter in sorted(causes.items(), key=lambda kv: -sum(kv[1].values()))
    ]


def sla_misses(period: Period) -> list[dict[str, Any]]:
    """Deadlines missed in the month, with the complaint's cause and where it stood."""
    rows = (
        ComplaintSlaBreach.objects.filter(_in(period, "breached_at"))
        .select_related("complaint__owner")
        .order_by("breached_at", "pk")[: setting("INSIGHT_TOP_ROWS") * 5]
    )
    labels, cause_labels = dict(SlaClock.choices), dict(RootCause.choices)
    return [
        {
            "reference": b.complaint.reference,
            "clock": labels.get(b.clock, b.clock),
            "due_at": b.due_at,
            "breached_at": b.breached_at,
            "category": b.complaint.get_category_display(),
            "cause": cause_labels.get(b.complaint.root_cause, "—"),
            "owner": b.complaint.owner.get_username() if b.complaint.owner else "—",
            "escalated": b.escalated,
        }
        for b in rows
    ]


def escalations(period: Period) -> list[dict[str, Any]]:
    rows = (
        ComplaintEvent.objects.filter(
            _in(period, "created_at"), kind=EventKind.TRANSITION, to_state=ComplaintState.ESCALATED
        )
        .select_related("complaint", "actor")
        .order_by("created_at", "pk")[: setting("INSIGHT_TOP_ROWS") * 5]
    )
    states = dict(ComplaintState.choices)
    return [
        {
            "reference": e.complaint.reference,
            "at": e.created_at,
            "from_state": states.get(e.from_state, e.from_state),
            "by": e.actor.get_username(),
            "reason": e.reason,
            "category": e.complaint.get_category_display(),
        }
        for e in rows
    ]


def largest_compensations(period: Period) -> list[dict[str, Any]]:
    """The largest amounts paid in the month, per currency."""
    ranked = (
        ProposalLine.objects.filter(_in(period, "settled_at"), status=LineStatus.SUCCEEDED)
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("currency")], order_by=[F("amount").desc(), F("pk")]
            )
        )
        .filter(rank__lte=LARGEST_PER_CURRENCY)
    )
    rows = ranked.values(
        "currency", "amount", "kind", "settled_at", "proposal__complaint__reference"
    ).order_by("currency", "rank")
    return [
        {
            "currency": r["currency"],
            "amount": r["amount"],
            "kind": r["kind"],
            "settled_at": r["settled_at"],
            "reference": r["proposal__complaint__reference"],
        }
        for r in rows
    ]


def case_review(*, month: date) -> dict[str, Any]:
    """Everything the monthly review meeting looks at."""
    period = month_period(month)
    return {
        "month": period.first,
        "period": period,
        "categories": typical_cases(period),
        "sla_misses": sla_misses(period),
        "escalations": escalations(period),
        "compensations": largest_compensations(period),
    }


# --- regulatory statistics -------------------------------------------------------------
def _figures(row: dict[str, Any]) -> dict[str, Any]:
    handled = row["closed"] + row["rejected"] + row["withdrawn"]
    seconds = Decimal(row["handling_seconds"])
    return {
        "received": row["received"],
        "handled": handled,
        "handled_ratio": ratio(handled, row["received"]),
        "average_handling_days": (
            (seconds / row["closed"] / 86400).quantize(Decimal("0.01")) if row["closed"] else None
        ),
    }


def regulatory_statistics(*, year: int) -> list[dict[str, Any]]:
    """Per regime: the year and each quarter (received, handled, handled ratio, average days
    from receipt to close of closed complaints) and the count per category. Complaints
    count in the quarter of their local day of receipt (settings.TIME_ZONE)."""
    rows = DailySummary.objects.filter(day__gte=date(year, 1, 1), day__lte=date(year, 12, 31))
    sums = {n: Sum(n) for n in ("received", "closed", "rejected", "withdrawn", "handling_seconds")}
    quarterly = rows.annotate(quarter=ExtractQuarter("day")).values("regime_id", "quarter")
    by_category = rows.values("regime_id", "category").annotate(n=Sum("received"))
    regimes = {r.pk: r for r in RegulatoryRegime.objects.all()}
    report: dict[int, dict[str, Any]] = {}
    for row in quarterly.annotate(**sums).order_by("regime_id", "quarter"):
        entry = report.setdefault(row["regime_id"], {"quarters": {}, "categories": {}})
        entry["quarters"][row["quarter"]] = row
    for row in by_category.order_by("regime_id", "category"):
        report[row["regime_id"]]["categories"][row["category"]] = row["n"]
    result = []
    labels = dict(ComplaintCategory.choices)
    for regime_id, entry in sorted(report.items()):
        year_total = {k: sum(q[k] or 0 for q in entry["quarters"].values()) for k in sums}
        regime = regimes.get(regime_id)
        result.append(
            {
                "regime": regime.code if regime else str(regime_id),
                "regime_name": regime.name if regime else "",
                "year": _figures(year_total),
                "quarters": [
                    {"quarter": q, **_figures(entry["quarters"].get(q, _empty(sums)))}
                    for q in (1, 2, 3, 4)
                ],
                "categories": [
                    {"category": c, "label": labels.get(c, c), "count": n}
                    for c, n in sorted(entry["categories"].items(), key=lambda kv: -kv[1])
                ],
            }
        )
    return result


def _empty(sums: dict) -> dict[str, int]:
    return dict.fromkeys(sums, 0)
