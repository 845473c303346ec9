"""Campaign fan-out at scale.

One periodic tick plans the runs that are due, one per (campaign, time zone, local date),
and splits each into ranges of customer ids. A task per range inserts the deliveries with
one INSERT ... SELECT per channel: segment, opt-outs, re-eligibility, frequency caps and
quiet hours are all decided in SQL, so no Python object exists per customer and a worker's
memory does not grow with the audience. The unique (run, customer, channel) key makes a
repeated or duplicated task harmless.
"""

import logging
import zoneinfo
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Mod

from backoffice.core.actors import system_actor
from backoffice.customers.models import Customer

from ..models import (
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    Campaign,
    CampaignRun,
    CampaignState,
    Delivery,
    DeliveryStatus,
    EducationOptOut,
    FrequencyCap,
    OptOutKind,
    RunChunk,
    Schedule,
    SecurityTip,
    SuppressionReason,
    TipStatus,
)
from ..selectors import segment_filter
from .content import save_with_history

logger = logging.getLogger(__name__)

CHUNK_SIZE = 100_000  # customer ids per task; aligned so concurrent runs share boundaries
STALE_CHUNK_AFTER = timedelta(minutes=10)
# A run is planned up to this long after its local time (a scheduler that was down
# catches up); later than that the occurrence is skipped rather than sent at night.
CATCH_UP_WINDOW = timedelta(hours=3)
_ZONES_CACHE_KEY = "education:customer-time-zones"
_ADVISORY_NAMESPACE = 51_001
_COUNTED = [DeliveryStatus.SENT, DeliveryStatus.PENDING, DeliveryStatus.HELD]
DELIVERY_COLUMNS = (
    "run_id",
    "campaign_id",
    "series_step_id",
    "customer_id",
    "tip_id",
    "version_id",
    "variant",
    "channel",
    "status",
    "reason",
    "sent_at",
    "feedback",
    "created_at",
    "updated_at",
)


def customer_time_zones() -> list[str]:
    """The time zones customers live in (cached: one scan every few minutes at most)."""
    zones = cache.get(_ZONES_CACHE_KEY)
    if zones is None:
        zones = sorted(Customer.objects.values_list("time_zone", flat=True).distinct())
        cache.set(_ZONES_CACHE_KEY, zones, 300)
    return zones


def _last_day(day: date) -> int:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - timedelta(days=1)).day


def campaign_occurs_on(*, campaign: Campaign, day: date) -> bool:
    """Whether the campaign's schedule has an occurrence on this local date."""
    if day < campaign.starts_on or (campaign.ends_on and day > campaign.ends_on):
        return False
    if campaign.schedule == Schedule.ONCE:
        return day == campaign.starts_on
    if campaign.schedule == Schedule.WEEKLY:
        return day.weekday() == campaign.weekday
    if campaign.schedule == Schedule.MONTHLY:
        return day.day == min(campaign.day_of_month or 1, _last_day(day))
    return True


def local_datetime(day: date, at: time, zone: str) -> datetime:
    """`at` on `day` in `zone` as an aware datetime (a time skipped by a DST change
    resolves to the equivalent instant after it)."""
    return datetime.combine(day, at, tzinfo=zoneinfo.ZoneInfo(zone))


def _campaign_end(campaign: Campaign) -> date | None:
    return campaign.starts_on if campaign.schedule == Schedule.ONCE else campaign.ends_on


def _pick_tip(campaign: Campaign, sequence: int) -> SecurityTip | None:
    pool = list(campaign.pool.filter(status=TipStatus.APPROVED).order_by("id"))
    if pool:
        return pool[sequence % len(pool)]
    tip = campaign.tip
    return tip if tip is not None and tip.status == TipStatus.APPROVED else None


def _chunk_ranges(zone: str) -> list[tuple[int, int]]:
    bounds = Customer.objects.filter(time_zone=zone).aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return []
    first = bounds["low"] // CHUNK_SIZE * CHUNK_SIZE
    return [(lo, lo + CHUNK_SIZE) for lo in range(first, bounds["high"] + 1, CHUNK_SIZE)]


def _queue_chunks(chunk_ids: list[int]) -> None:
    def queue() -> None:
        from ..tasks import fanout_chunk

        for chunk_id in chunk_ids:
            try:
                fanout_chunk.delay(chunk_id)
            except Exception:  # broker down: the next tick re-queues stale chunks
                logger.warning("could not queue fan-out chunk %s", chunk_id)

    transaction.on_commit(queue)


@transaction.atomic
def campaign_run_plan(*, campaign: Campaign, zone: str, now: datetime) -> CampaignRun | None:
    """Create the run of `campaign` for `zone` if one is due now (local date and time
    reached) and none exists yet, with its chunks; the chunks are queued after commit."""
    local_now = now.astimezone(zoneinfo.ZoneInfo(zone))
    day = local_now.date()
    if not campaign_occurs_on(campaign=campaign, day=day):
        return None
    due_at = local_datetime(day, campaign.local_time, zone)
    if not due_at <= now < due_at + CATCH_UP_WINDOW:
        return None
    if CampaignRun.objects.filter(campaign=campaign, time_zone=zone, local_date=day).exists():
        return None
    sequence = CampaignRun.objects.filter(campaign=campaign, time_zone=zone).count()
    tip = _pick_tip(campaign, sequence)
    if tip is None:
        return None
    try:
        with transaction.atomic():
            run = CampaignRun.objects.create(
                campaign=campaign,
                time_zone=zone,
                local_date=day,
                due_at=due_at,
                sequence=sequence,
                tip=tip,
                version_id=tip.published_version_id,
            )
    except IntegrityError:  # a concurrent tick (beat and cron overlapping) planned it
        return None
    chunks = RunChunk.objects.bulk_create(
        RunChunk(run=run, id_from=lo, id_to=hi, queued_at=now) for lo, hi in _chunk_ranges(zone)
    )
    if not chunks:
        run.finished_at = now
        run.save(update_fields=["finished_at", "updated_at"])
    _queue_chunks([c.pk for c in chunks])
    return run


def _finish_if_over(campaign: Campaign, now: datetime) -> bool:
    end = _campaign_end(campaign)
    # The end date has passed everywhere (UTC-12 .. UTC+14) once UTC is two days later.
    if end is None or now.date() <= end + timedelta(days=1):
        return False
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.state in (CampaignState.RUNNING, CampaignState.SCHEDULED):
            campaign.finish()
            save_with_history(campaign, actor=system_actor("education"), reason="schedule ended")
    return True


def _mark_running(campaign: Campaign) -> None:
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.state == CampaignState.SCHEDULED:
            campaign.start()
            save_with_history(campaign, actor=system_actor("education"), reason="first run due")


def runs_plan_due(*, now: datetime) -> list[CampaignRun]:
    """The periodic tick: plan every due run (one per campaign and time zone), highest
    priority first, and re-queue chunks a lost task left behind."""
    planned = []
    zones = customer_time_zones()
    campaigns = Campaign.objects.filter(
        state__in=[CampaignState.SCHEDULED, CampaignState.RUNNING]
    ).order_by("-priority", "id")
    for campaign in campaigns:
        if _finish_if_over(campaign, now):
            continue
        runs = [r for z in zones if (r := campaign_run_plan(campaign=campaign, zone=z, now=now))]
        if runs and campaign.state == CampaignState.SCHEDULED:
            _mark_running(campaign)
        planned.extend(runs)
    chunks_requeue_stale(now=now)
    return planned


def chunks_requeue_stale(*, now: datetime, campaign: Campaign | None = None) -> int:
    """Queue again the unfinished chunks of running campaigns whose task seems lost (or all
    of a campaign's unfinished chunks, on resume). Re-running a chunk is harmless."""
    chunks = RunChunk.objects.filter(
        done_at__isnull=True, run__campaign__state=CampaignState.RUNNING
    )
    if campaign is not None:
        chunks = chunks.filter(run__campaign=campaign)
    else:
        chunks = chunks.filter(queued_at__lt=now - STALE_CHUNK_AFTER)
    with transaction.atomic():
        ids = list(chunks.values_list("pk", flat=True)[:10_000])
        RunChunk.objects.filter(pk__in=ids).update(queued_at=now)
        _queue_chunks(ids)
    return len(ids)


def _cap_condition(run: CampaignRun, now: datetime, id_from: int, id_to: int) -> Q | None:
    """True when another delivery would break an active frequency cap. Messages are counted
    per run (several channels of one run are one message), series steps one each.

    Uncorrelated and limited to the chunk's id range: the customers at or over a cap are
    found with one scan of the (customer, created_at) index over the range and hashed,
    instead of one index probe per candidate. Counted in two steps (distinct messages,
    then messages per customer): cheaper than COUNT(DISTINCT), which sorts per group."""
    condition = None
    for cap in FrequencyCap.objects.filter(is_active=True):
        messages = (
            Delivery.objects.filter(
                customer_id__gte=id_from,
                customer_id__lt=id_to,
                created_at__gte=now - timedelta(days=cap.window_days),
                status__in=_COUNTED,
            )
            .exclude(run_id=run.pk)
            .order_by()
            .annotate(message=Coalesce("run_id", Value(0) - F("id")))
            .values("customer_id", "message")
            .distinct()
        )
        inner_sql, inner_params = messages.query.get_compiler(using="default").as_sql()
        # The ORM's compiled SELECT only; values travel as parameters.
        capped = RawSQL(  # noqa: S611
            f"SELECT m.customer_id FROM ({inner_sql}) m "  # noqa: S608
            "GROUP BY m.customer_id HAVING COUNT(*) >= %s",
            [*inner_params, cap.max_messages],
        )
        over = Q(pk__in=capped)
        condition = over if condition is None else condition | over
    return condition


def _quiet_condition(local_now: time) -> Q:
    """The customer's local time `local_now` lies in their quiet hours (profile or default);
    overnight windows (start after end) wrap around midnight."""
    same_day = Q(q_start__lt=F("q_end"), q_start__lte=local_now, q_end__gt=local_now)
    overnight = Q(q_start__gt=F("q_end")) & (Q(q_start__lte=local_now) | Q(q_end__gt=local_now))
    return same_day | overnight


def suppression_reason(
    *,
    customers: QuerySet[Customer],
    channel: str,
    topic: str,
    rules: dict,
    id_range: tuple[int, int] | None = None,
) -> QuerySet[Customer]:
    """Annotate each candidate with `reason`: the first of opted out, duplicate, cap and
    quiet hours that applies, or '' to send. With `id_range` the opt-outs are looked up
    once for the range (hashed) rather than per candidate."""
    kinds = Q(kind=OptOutKind.CHANNEL, value=channel) | Q(kind=OptOutKind.TOPIC, value=topic)
    if id_range is None:
        opted_out = Q(Exists(EducationOptOut.objects.filter(kinds, customer=OuterRef("pk"))))
    else:
        opted_out = Q(
            pk__in=EducationOptOut.objects.filter(
                kinds, customer_id__gte=id_range[0], customer_id__lt=id_range[1]
            ).values("customer_id")
        )
    whens = [When(opted_out, then=Value(SuppressionReason.OPTED_OUT.value))]
    if rules.get("duplicate") is not None:
        whens.append(When(rules["duplicate"], then=Value(SuppressionReason.DUPLICATE.value)))
    if rules.get("cap") is not None:
        whens.append(When(rules["cap"], then=Value(SuppressionReason.CAP.value)))
    if rules.get("quiet") is not None:
        whens.append(When(rules["quiet"], then=Value(SuppressionReason.QUIET_HOURS.value)))
    return customers.annotate(
        q_start=Coalesce("education_profile__quiet_start", Value(DEFAULT_QUIET_START)),
        q_end=Coalesce("education_profile__quiet_end", Value(DEFAULT_QUIET_END)),
    ).annotate(reason=Case(*whens, default=Value("")))


def _duplicate_condition(run: CampaignRun, now: datetime, id_from: int, id_to: int) -> Q | None:
    days = run.campaign.reeligible_after_days
    if days is None:
        return None
    earlier = (
        Delivery.objects.filter(
            Q(campaign_id=run.campaign_id) | Q(tip_id=run.tip_id),
            customer_id__gte=id_from,
            customer_id__lt=id_to,
            status__in=_COUNTED,
            created_at__gte=now - timedelta(days=days),
        )
        .exclude(run_id=run.pk)
        .values("customer_id")
    )
    return Q(pk__in=earlier)


def insert_deliveries(
    *, candidates: QuerySet[Customer], constants: dict, variants: int, offset: int
) -> int:
    """INSERT ... SELECT the annotated candidates as deliveries; conflicts are skipped."""
    select = (
        candidates.order_by()
        .annotate(
            v=Mod(F("id") + Value(offset), Value(max(variants, 1)), output_field=IntegerField())
        )
        .values("id", "reason", "v")
    )
    inner_sql, inner_params = select.query.get_compiler(using="default").as_sql()
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(constants["now"])
    ok_status = constants["ok_status"]
    sent = ok_status == DeliveryStatus.SENT
    sent_at_sql = "CASE WHEN c.reason = '' THEN %s ELSE NULL END" if sent else "NULL"
    # Only our table name, fixed columns and the ORM's compiled SELECT are interpolated;
    # every value travels as a parameter.
    # PostgreSQL would pull the subquery up and evaluate the `reason` CASE (and with it the
    # cap and opt-out subplans) once for each of the three columns that use it; OFFSET 0
    # keeps it a subquery, evaluated once per row.
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    sql = (
        f"INSERT INTO {Delivery._meta.db_table} ({', '.join(DELIVERY_COLUMNS)}) "  # noqa: S608
        "SELECT %s, %s, %s, c.id, %s, %s, c.v, %s, "
        "CASE WHEN c.reason = '' THEN %s WHEN c.reason = %s THEN %s ELSE %s END, "
        f"c.reason, {sent_at_sql}, '', %s, %s "
        f"FROM ({inner_sql}{fence}) c WHERE 1 = 1 ON CONFLICT DO NOTHING"
    )
    # The inner SELECT is the last part of the statement, so its parameters come last.
    params = [
        constants.get("run_id"),
        constants.get("campaign_id"),
        constants.get("series_step_id"),
        constants["tip_id"],
        constants["version_id"],
        constants["channel"],
        ok_status,
        SuppressionReason.QUIET_HOURS.value,
        DeliveryStatus.HELD.value,
        DeliveryStatus.SUPPRESSED.value,
        *([stamp] if sent else []),
        stamp,
        stamp,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *inner_params])
        return cursor.rowcount


def _hold_until_quiet_end(run: CampaignRun, chunk: RunChunk, local_now: datetime) -> None:
    """Held deliveries wait for the end of each customer's quiet hours, computed in the
    run's time zone (so a DST change that night is honoured)."""
    held = Delivery.objects.filter(
        run=run,
        customer_id__gte=chunk.id_from,
        customer_id__lt=chunk.id_to,
        status=DeliveryStatus.HELD,
        send_after__isnull=True,
    )
    ends = set(
        Customer.objects.filter(pk__in=held.values("customer_id"))
        .annotate(q_end=Coalesce("education_profile__quiet_end", Value(DEFAULT_QUIET_END)))
        .values_list("q_end", flat=True)
        .distinct()
    )
    for end in ends:
        until = local_datetime(local_now.date(), end, run.time_zone)
        if until <= local_now:
            until = local_datetime(local_now.date() + timedelta(days=1), end, run.time_zone)
        same_end = Q(customer__education_profile__quiet_end=end)
        if end == DEFAULT_QUIET_END:
            same_end |= Q(customer__education_profile__isnull=True)
        held.filter(same_end).update(send_after=until)


def _lock_id_range(chunk: RunChunk) -> None:
    """Serialise chunks of different runs over the same customers, so frequency caps see
    each other's deliveries (PostgreSQL; SQLite serialises writers anyway). Also turn JIT
    off for the chunk: the planner's cost estimate of the correlated cap subquery is high
    enough to trigger it, and compiling takes ~0.5 s for a query that runs in ~25 ms."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [_ADVISORY_NAMESPACE, chunk.id_from // CHUNK_SIZE],
            )


def _insert_chunk(chunk: RunChunk, now: datetime, local_now: datetime) -> int:
    """One INSERT ... SELECT per channel of the campaign over the chunk's id range."""
    run, campaign = chunk.run, chunk.run.campaign
    rules = {
        "duplicate": _duplicate_condition(run, now, chunk.id_from, chunk.id_to),
        "cap": (
            None if campaign.is_critical else _cap_condition(run, now, chunk.id_from, chunk.id_to)
        ),
        "quiet": _quiet_condition(local_now.time().replace(microsecond=0)),
    }
    base = Customer.objects.filter(
        id__gte=chunk.id_from, id__lt=chunk.id_to, time_zone=run.time_zone
    ).filter(segment_filter(segment=campaign.segment, now=now))
    variants = run.version.texts.values("variant").distinct().count()
    inserted = 0
    for channel in campaign.channels:
        in_app = channel == "in_app"
        inserted += insert_deliveries(
            candidates=suppression_reason(
                customers=base,
                channel=channel,
                topic=run.tip.topic,
                rules=rules,
                id_range=(chunk.id_from, chunk.id_to),
            ),
            variants=variants,
            offset=run.sequence,
            constants={
                "run_id": run.pk,
                "campaign_id": campaign.pk,
                "tip_id": run.tip_id,
                "version_id": run.version_id,
                "channel": channel,
                "now": now,
                "ok_status": DeliveryStatus.SENT if in_app else DeliveryStatus.PENDING,
            },
        )
    return inserted


def delivery_fanout_chunk(*, chunk_id: int, now: datetime) -> int:
    """Create the deliveries of one chunk, set-based; returns the rows inserted. A chunk
    already done, or of a campaign no longer running, is left alone."""
    with transaction.atomic():
        # of=("self",): lock the chunk row only. A plain FOR UPDATE over the join also
        # locked the run, campaign, segment and tip rows, so every other chunk of the run
        # waited for this one: the workers ran one at a time.
        chunk = (
            RunChunk.objects.select_for_update(of=("self",))
            .select_related("run__campaign__segment", "run__tip")
            .filter(pk=chunk_id, done_at__isnull=True)
            .first()
        )
        if chunk is None or chunk.run.campaign.state != CampaignState.RUNNING:
            return 0
        _lock_id_range(chunk)
        run = chunk.run
        local_now = now.astimezone(zoneinfo.ZoneInfo(run.time_zone))
        inserted = _insert_chunk(chunk, now, local_now)
        _hold_until_quiet_end(run, chunk, local_now)
        chunk.done_at = now
        chunk.save(update_fields=["done_at"])
        if not run.chunks.filter(done_at__isnull=True).exists():
            CampaignRun.objects.filter(pk=run.pk).update(finished_at=now)
        if any(c != "in_app" for c in run.campaign.channels):
            _queue_send(run.pk, chunk.id_from, chunk.id_to)
    return inserted


def _queue_send(run_id: int, id_from: int, id_to: int) -> None:
    def queue() -> None:
        from ..tasks import send_chunk

        try:
            send_chunk.delay(run_id, id_from, id_to)
        except Exception:  # broker down: the release sweep sends pending deliveries later
            logger.warning("could not queue sending of run %s [%s, %s)", run_id, id_from, id_to)

    transaction.on_commit(queue)
