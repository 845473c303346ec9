"""Every dashboard figure against the hand-computed month of the `october` fixture."""

from datetime import date
from decimal import Decimal

import pytest

from insight.models import NO_TEAM
from insight.periods import Period
from insight.selectors import DashboardFilters, dashboard, percentile
from insight.services import summary_refresh

D = Decimal
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


def figures(**filters):
    summary_refresh()
    return dashboard(DashboardFilters(period=filters.pop("period", OCTOBER), **filters))


def test_totals_and_rates_count_complaints_by_local_day_of_receipt(october):
    totals = figures()["totals"]
    assert totals == {
        "received": 4,  # A, B, C, E; not D (1 Nov 00:30 local) nor F (30 Sep 23:59 local)
        "closed": 2,
        "resolution_rate": D("50.0"),
        "escalated": 1,
        "escalation_rate": D("25.0"),
        "reopened": 1,
        "reopen_rate": D("25.0"),
        "rated": 2,
        "satisfaction_average": D("3.50"),
    }


def test_sla_compliance_per_clock(october):
    sla = {row["clock"]: row for row in figures()["sla"]}
    assert (sla["acknowledge"]["decided"], sla["acknowledge"]["missed"]) == (3, 2)
    assert sla["acknowledge"]["compliance"] == D("33.3")
    assert (sla["first_response"]["decided"], sla["first_response"]["missed"]) == (3, 1)
    assert sla["first_response"]["compliance"] == D("66.7")
    assert sla["progress_update"]["decided"] == 0
    assert sla["progress_update"]["compliance"] is None
    assert (sla["statutory"]["decided"], sla["statutory"]["met"]) == (2, 2)
    assert sla["statutory"]["compliance"] == D("100.0")


def test_median_and_p90_durations_in_hours(october):
    rows = {row["measure"]: row for row in figures()["durations"]}
    assert (rows["acknowledge"]["median_hours"], rows["acknowledge"]["p90_hours"]) == (
        D("0.25"),
        D("0.85"),
    )
    assert (rows["first_response"]["median_hours"], rows["first_response"]["p90_hours"]) == (
        D("10.00"),
        D("26.00"),
    )
    assert (rows["close"]["median_hours"], rows["close"]["p90_hours"]) == (D("35.00"), D("47.00"))


def test_percentile_interpolates_like_percentile_cont():
    assert percentile([], 0.5) is None
    assert percentile([4.0], 0.9) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5


def test_satisfaction_reasons_root_causes_and_escalations(october):
    data = figures()
    assert [(r["score"], r["count"]) for r in data["satisfaction"]] == [
        (1, 0),
        (2, 1),
        (3, 0),
        (4, 0),
        (5, 1),
    ]
    assert [r["satisfaction_reason"] for r in data["low_scores"]] == ["slow"]
    causes = {r["root_cause"]: r["count"] for r in data["root_causes"]}
    assert causes == {
        "customer": 0,
        "merchant": 1,
        "bank_channel": 1,
        "third_party": 0,
        "own_system": 1,
        "fraud": 0,
        "undetermined": 0,
        "": 1,
    }
    assert data["escalation_reasons"] == [{"reason": "needs lead", "count": 1}]


def test_merchants_and_error_codes(october):
    data = figures()
    assert data["merchants"] == [{"key": "Harbour Coffee", "complaints": 2}]
    assert data["error_codes"] == [{"key": "E_TIMEOUT", "complaints": 1}]


def test_compensation_paid_by_type_and_currency_against_budget(october):
    (hkd,) = figures()["compensation"]
    kinds = {k["kind"]: (k["total"], k["count"]) for k in hkd["kinds"]}
    assert kinds == {"refund": (D("100"), 1), "fee_waiver": (D("0"), 0), "coupon": (D("20"), 1)}
    assert (hkd["total"], hkd["budget"], hkd["budget_used"]) == (D("120"), D("1000"), D("12.0"))


def test_volume_over_time_by_category_and_channel(october):
    data = figures()
    by_category = {s["key"]: s["values"] for s in data["volume_by_category"]["series"]}
    assert len(data["volume_by_category"]["buckets"]) == 31
    assert sum(by_category["duplicate_charge"]) == 2
    assert by_category["duplicate_charge"][30] == 1  # A on the 31st, local time
    assert by_category["other"][0] == 1  # E on the 1st, local time
    by_channel = {s["key"]: sum(s["values"]) for s in data["volume_by_channel"]["series"]}
    assert by_channel == {"hotline": 2, "in_app": 2}


def test_filters_channel_category_and_team(october):
    assert figures(channel="hotline")["totals"]["received"] == 2
    assert figures(category="transfer_delay")["totals"]["received"] == 1
    assert figures(team=october["lead"].pk)["totals"]["received"] == 1
    assert figures(team=october["lead"].pk)["durations"][2]["median_hours"] == D("50.00")
    assert figures(team=NO_TEAM)["totals"]["received"] == 3


def test_long_periods_are_shown_per_month(october):
    data = figures(period=Period(date(2026, 1, 1), date(2026, 12, 31)))
    assert data["volume_by_category"]["by_month"] is True
    assert len(data["volume_by_category"]["buckets"]) == 12
    assert data["totals"]["received"] == 6


@pytest.mark.django_db
def test_empty_period_has_zeros_and_no_rates():
    data = figures()
    assert data["totals"]["received"] == 0
    assert data["totals"]["resolution_rate"] is None
    assert data["totals"]["satisfaction_average"] is None
    assert all(r["compliance"] is None for r in data["sla"])
    assert all(r["median_hours"] is None for r in data["durations"])
    assert data["compensation"] == [] and data["merchants"] == []
    assert data["volume_by_category"]["series"] == []
