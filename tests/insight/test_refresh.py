"""The summary refresh: incremental from the history watermark, idempotent, and the
commands and periodic task around it."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import call_command

from complaints.models import Complaint
from insight.models import DailySummary
from insight.services import summary_refresh
from insight.tasks import refresh_daily_summaries
from tests.insight.factories import complaint, local


def _received(day: date) -> int:
    return sum(DailySummary.objects.filter(day=day).values_list("received", flat=True))


@pytest.mark.django_db
def test_first_refresh_is_full_then_only_changed_days():
    old = complaint(local(2026, 3, 3, 10))
    with time_machine.travel(local(2026, 10, 20, 12), tick=False):
        assert summary_refresh().full is True
        assert _received(date(2026, 3, 3)) == 1
    with time_machine.travel(local(2026, 10, 21, 12), tick=False):
        result = summary_refresh()
    assert result.full is False
    assert date(2026, 3, 3) not in result.days
    # A change to the March complaint (a history row) makes its day dirty again.
    with time_machine.travel(local(2026, 10, 22, 12), tick=False):
        row = Complaint.objects.get(pk=old.pk)
        row.root_cause = "fraud"
        row.save()
        result = summary_refresh()
    assert date(2026, 3, 3) in result.days
    assert DailySummary.objects.get(day=date(2026, 3, 3)).root_fraud == 1


@pytest.mark.django_db
def test_refresh_is_idempotent():
    complaint(local(2026, 10, 5, 10))
    first = summary_refresh(full=True)
    assert summary_refresh(full=True).rows == first.rows == 1
    summary_refresh()
    assert _received(date(2026, 10, 5)) == 1


@pytest.mark.django_db
def test_periodic_task_and_commands(tmp_path, capsys):
    complaint(local(2026, 10, 5, 10), state="closed", close_h=48)
    assert "summary row" in refresh_daily_summaries.apply().result
    call_command("refresh_insight_summaries", "--full")
    target = tmp_path / "stats.csv"
    call_command("regulatory_statistics", "--year", "2026", "--output", str(target))
    assert ",2026-Q4,1,1,100.0,2.00,," in target.read_text()
    pdf = tmp_path / "review.pdf"
    call_command(
        "monthly_case_review", "--month", "2026-10", "--format", "pdf", "--output", str(pdf)
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    call_command("monthly_case_review", "--month", "2026-10")
    assert "Monthly case review 2026-10" in capsys.readouterr().out


@pytest.mark.django_db
def test_recent_days_are_always_recomputed():
    with time_machine.travel(local(2026, 10, 20, 12), tick=False):
        summary_refresh()
        result = summary_refresh()
    assert {date(2026, 10, 20) - timedelta(days=n) for n in range(3)} <= set(result.days)
