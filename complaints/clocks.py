"""Deadline arithmetic: SLA durations per category and priority, and statutory deadlines
counted in a regime's calendar (business days skip weekends and the regime's holidays)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .config_cache import regime_holidays, sla_policies
from .models import Complaint, Complexity, RegulatoryRegime, SlaPolicy


def sla_policy_for(*, category: str, priority: str) -> SlaPolicy:
    """The most specific policy row (category and priority beat either, either beats none);
    an unsaved row with the default durations when nothing matches."""
    rows = [
        row
        for row in sla_policies()
        if row.category in (category, "") and row.priority in (priority, "")
    ]
    best = max(rows, key=lambda row: (bool(row.category), bool(row.priority)), default=None)
    return best or SlaPolicy(category="", priority="")


def _end_of_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


def regime_deadline(*, regime: RegulatoryRegime, received_at: datetime, days: int) -> datetime:
    """End of the `days`-th day after the day of receipt, in the regime's time zone.

    Business days skip Saturdays, Sundays and the regime's holidays; calendar days don't.
    """
    zone = ZoneInfo(regime.time_zone)
    day = received_at.astimezone(zone).date()
    if regime.day_kind == "calendar":
        return _end_of_day(day + timedelta(days=days), zone)
    holidays = regime_holidays(regime.pk)
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            counted += 1
    return _end_of_day(day, zone)


def clocks_start(complaint: Complaint, *, now: datetime) -> None:
    """Set every clock of a new complaint."""
    policy = sla_policy_for(category=complaint.category, priority=complaint.priority)
    complaint.acknowledge_due_at = now + timedelta(minutes=policy.acknowledge_minutes)
    complaint.first_response_due_at = now + timedelta(hours=policy.first_response_hours)
    complaint.statutory_due_at = regime_deadline(
        regime=complaint.regime, received_at=now, days=complaint.regime.statutory_days
    )
    progress_restart(complaint, now=now)


def progress_restart(complaint: Complaint, *, now: datetime) -> None:
    """Complex complaints owe the customer an update every N hours while being handled."""
    if complaint.complexity != Complexity.COMPLEX or not complaint.is_open:
        complaint.progress_update_due_at = None
        return
    if complaint.state in ("resolution_proposed", "awaiting_confirmation"):
        complaint.progress_update_due_at = None
        return
    policy = sla_policy_for(category=complaint.category, priority=complaint.priority)
    complaint.progress_update_due_at = now + timedelta(hours=policy.progress_update_hours)
