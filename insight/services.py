"""The only writer of the app: the daily summary refresh.

A summary day holds the complaints received that local day; it changes whenever one of
them changes (acknowledged, closed, rated, reopened, a deadline missed...). Every such
change writes a history row (simple_history, `history_date` indexed), so the refresh
recomputes exactly the days of the complaints changed since the last run, plus the last
few days, with one aggregate query per run of consecutive days."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from complaints.models import (
    TERMINAL_STATES,
    AgentProfile,
    Complaint,
    ComplaintEvent,
    ComplaintSlaBreach,
    ComplaintState,
    Complexity,
    EventKind,
)

from .conf import setting
from .models import (
    NO_TEAM,
    ROOT_CAUSE_COLUMNS,
    SCORE_COLUMNS,
    DailySummary,
    SummaryWatermark,
)
from .periods import local_today, local_zone, start_of

WATERMARK = "daily-summary"
KEY = ("day", "channel", "category", "team_id", "regime_id")


@dataclass
class RefreshResult:
    full: bool = False
    days: list[date] = field(default_factory=list)
    rows: int = 0

    def __str__(self) -> str:
        scope = "all days" if self.full else f"{len(self.days)} day(s)"
        return f"{scope}, {self.rows} summary row(s)"


def _missed(clock: str) -> Exists:
    return Exists(ComplaintSlaBreach.objects.filter(complaint=OuterRef("pk"), clock=clock))


def _count(condition: Q) -> Count:
    return Count("pk", filter=condition)


def summary_rows(complaints: QuerySet[Complaint]) -> QuerySet:
    """The summary rows (dicts) of `complaints`: one aggregate query."""
    terminal = Q(state__in=TERMINAL_STATES)
    reopened = ComplaintEvent.objects.filter(
        complaint=OuterRef("pk"), kind=EventKind.TRANSITION, from_state=ComplaintState.CLOSED
    )
    rows = complaints.annotate(
        day=TruncDate("created_at", tzinfo=local_zone()),
        team_id=Coalesce(
            F("owner__complaint_profile__team_lead_id"), Value(NO_TEAM), output_field=IntegerField()
        ),
        was_reopened=Exists(reopened),
        ack_late=_missed("acknowledge"),
        first_late=_missed("first_response"),
        progress_late=_missed("progress_update"),
        statutory_late=_missed("statutory"),
    ).values(*KEY)
    closed = Q(state=ComplaintState.CLOSED)
    counts = {
        "received": Count("pk"),
        "closed": _count(closed),
        "rejected": _count(Q(state=ComplaintState.REJECTED)),
        "withdrawn": _count(Q(state=ComplaintState.WITHDRAWN)),
        "escalated": _count(Q(escalation_level__gt=0)),
        "reopened": _count(Q(was_reopened=True)),
        "handling": Sum(
            ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField()),
            filter=closed,
        ),
        "ack_decided": _count(Q(acknowledged_at__isnull=False) | Q(ack_late=True)),
        "ack_missed": _count(Q(ack_late=True)),
        "first_decided": _count(Q(first_response_at__isnull=False) | Q(first_late=True)),
        "first_missed": _count(Q(first_late=True)),
        "progress_decided": _count(
            Q(complexity=Complexity.COMPLEX) & (terminal | Q(progress_late=True))
        ),
        "progress_missed": _count(Q(progress_late=True)),
        "statutory_decided": _count(
            Q(resolution_notice_sent_at__isnull=False) | terminal | Q(statutory_late=True)
        ),
        "statutory_missed": _count(Q(statutory_late=True)),
    }
    counts |= {col: _count(Q(satisfaction_score=s)) for s, col in SCORE_COLUMNS.items()}
    counts |= {col: _count(Q(root_cause=cause)) for cause, col in ROOT_CAUSE_COLUMNS.items()}
    return rows.annotate(**counts).order_by(*KEY)


def _write(rows, *, now) -> int:
    objs = []
    for row in rows:
        handling = row.pop("handling")
        row["handling_seconds"] = int(handling.total_seconds()) if handling else 0
        objs.append(DailySummary(refreshed_at=now, **row))
    DailySummary.objects.bulk_create(objs, batch_size=1000)
    return len(objs)


def _runs(days: set[date]) -> list[tuple[date, date]]:
    """Consecutive days grouped into (first, last) runs."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _dirty_days(since) -> set[date]:
    """Local creation days of the complaints changed since `since`, including those whose
    owner's team lead changed."""
    day = TruncDate("created_at", tzinfo=local_zone())
    history = Complaint.history.model.objects.filter(history_date__gte=since)
    days = set(history.annotate(d=day).values_list("d", flat=True).distinct())
    moved = AgentProfile.history.model.objects.filter(history_date__gte=since)
    owners = Complaint.objects.filter(owner_id__in=moved.values("user_id"))
    days |= set(owners.annotate(d=day).values_list("d", flat=True).distinct())
    return days


def _rebuild(days: set[date], *, now) -> int:
    written = 0
    for first, last in _runs(days):
        DailySummary.objects.filter(day__gte=first, day__lte=last).delete()
        window = Complaint.objects.filter(
            created_at__gte=start_of(first), created_at__lt=start_of(last + timedelta(days=1))
        )
        written += _write(summary_rows(window), now=now)
    return written


@transaction.atomic
def summary_refresh(*, full: bool = False, now=None) -> RefreshResult:
    """Recompute the summary days that changed since the last refresh (all days the first
    time or with `full`). Idempotent; concurrent runs wait for each other."""
    now = now or timezone.now()
    SummaryWatermark.objects.get_or_create(name=WATERMARK)
    mark = SummaryWatermark.objects.select_for_update().get(name=WATERMARK)
    result = RefreshResult(full=full or mark.changed_since is None)
    if result.full:
        DailySummary.objects.all().delete()
        result.rows = _write(summary_rows(Complaint.objects.all()), now=now)
    else:
        today = local_today()
        recent = {today - timedelta(days=n) for n in range(setting("INSIGHT_RECENT_DAYS") + 1)}
        days = _dirty_days(mark.changed_since) | recent
        result.days = sorted(days)
        result.rows = _rebuild(days, now=now)
    overlap = timedelta(seconds=setting("INSIGHT_WATERMARK_OVERLAP_SECONDS"))
    mark.changed_since, mark.refreshed_at = now - overlap, now
    mark.save(update_fields=["changed_since", "refreshed_at"])
    return result
