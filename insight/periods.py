"""Local days and months (settings.TIME_ZONE) turned into UTC instants for the queries."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def start_of(day: date) -> datetime:
    """Midnight at the start of `day` in the local time zone (DST-safe)."""
    return datetime.combine(day, time.min, tzinfo=local_zone())


def local_today() -> date:
    return timezone.localdate(timezone.now(), local_zone())


@dataclass(frozen=True)
class Period:
    """Local days `first` to `last`, both included."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return start_of(self.first)

    @property
    def end(self) -> datetime:
        """The instant just after the period: midnight after its last day."""
        return start_of(self.last + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def months(self) -> list[date]:
        """First day of every calendar month the period touches."""
        months, month = [], self.first.replace(day=1)
        while month <= self.last:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months


def month_period(month: date) -> Period:
    first = month.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return Period(first, last)


def quarter_of(month_number: int) -> int:
    return (month_number - 1) // 3 + 1
