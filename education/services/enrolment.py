"""Tip series: onboarding for new customers, and follow-up education when a complaint
closes with a matching cause (enrolled once; warning sensitivity raised for some days)."""

from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from backoffice.core.actors import system_actor
from backoffice.customers.models import Customer

from ..models import (
    ComplaintEnrolmentRule,
    DeliveryStatus,
    EducationProfile,
    SeriesEnrolment,
    SeriesKind,
    SeriesStep,
    TipSeries,
    TipStatus,
)
from .content import save_with_history
from .fanout import insert_deliveries, suppression_reason

# A step is delivered within this long after it falls due (covers a stopped scheduler
# without rescanning every enrolment ever made on each tick).
STEP_CATCH_UP = timedelta(days=2)


def _insert_enrolments(customers: Any, series: TipSeries, source: str, now: datetime) -> int:
    select = customers.values("id")
    inner_sql, inner_params = select.query.get_compiler(using="default").as_sql()
    stamp = connection.ops.adapt_datetimefield_value(now)
    # Table name and the ORM's compiled SELECT only; every value is a parameter.
    sql = (
        f"INSERT INTO {SeriesEnrolment._meta.db_table} "  # noqa: S608
        "(customer_id, series_id, source, created_at, updated_at) "
        f"SELECT c.id, %s, %s, %s, %s FROM ({inner_sql}) c WHERE 1 = 1 ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [series.pk, source, stamp, stamp, *inner_params])
        return cursor.rowcount


@transaction.atomic
def series_enrol_new_customers(*, now: datetime) -> int:
    """Enrol recently registered customers in each active onboarding series (set-based)."""
    enrolled = 0
    for series in TipSeries.objects.filter(
        kind=SeriesKind.ONBOARDING, is_active=True, onboarding_within_days__isnull=False
    ):
        since = now - timedelta(days=series.onboarding_within_days)
        customers = Customer.objects.filter(registered_at__gte=since).exclude(
            Exists(SeriesEnrolment.objects.filter(customer=OuterRef("pk"), series=series))
        )
        enrolled += _insert_enrolments(customers, series, "onboarding", now)
    return enrolled


@transaction.atomic
def series_deliver_due(*, now: datetime) -> int:
    """Put every series step that fell due into the enrolled customers' inboxes,
    set-based; opted-out customers get a suppressed row. Re-running inserts nothing new."""
    inserted = 0
    steps = SeriesStep.objects.filter(
        series__is_active=True, tip__status=TipStatus.APPROVED
    ).select_related("tip")
    for step in steps:
        due_before = now - timedelta(days=step.day_offset)
        enrolled = SeriesEnrolment.objects.filter(
            customer=OuterRef("pk"),
            series_id=step.series_id,
            created_at__lte=due_before,
            created_at__gt=due_before - STEP_CATCH_UP,
        )
        candidates = suppression_reason(
            customers=Customer.objects.filter(Exists(enrolled)),
            channel="in_app",
            topic=step.tip.topic,
            rules={},
        )
        inserted += insert_deliveries(
            candidates=candidates,
            variants=1,
            offset=0,
            constants={
                "series_step_id": step.pk,
                "tip_id": step.tip_id,
                "version_id": step.tip.published_version_id,
                "channel": "in_app",
                "now": now,
                "ok_status": DeliveryStatus.SENT,
            },
        )
    return inserted


def _raise_sensitivity(customer: Customer, days: int, reason: str) -> None:
    profile, _ = EducationProfile.objects.select_for_update().get_or_create(customer=customer)
    until = timezone.now() + timedelta(days=days)
    if profile.sensitivity_raised_until is None or profile.sensitivity_raised_until < until:
        profile.sensitivity_raised_until = until
        save_with_history(profile, actor=system_actor("education"), reason=reason)


@transaction.atomic
def enrolment_from_complaint(*, complaint: Any) -> list[SeriesEnrolment]:
    """A complaint closed: enrol its customer in the series its category / root cause maps
    to (once per series, ever) and raise their warning sensitivity. Runs inside the
    closing transaction, so both happen only if the complaint really closes."""
    rules = ComplaintEnrolmentRule.objects.filter(is_active=True).filter(
        Q(category="") | Q(category=complaint.category),
        Q(root_cause="") | Q(root_cause=getattr(complaint, "root_cause", "") or ""),
    )
    source = f"complaint:{complaint.pk}"
    enrolments = []
    for rule in rules.select_related("series"):
        if not rule.series.is_active:
            continue
        enrolment, created = SeriesEnrolment.objects.get_or_create(
            customer_id=complaint.customer_id, series=rule.series, defaults={"source": source}
        )
        if created:
            enrolments.append(enrolment)
        if rule.raise_sensitivity_days:
            _raise_sensitivity(
                complaint.customer, rule.raise_sensitivity_days, f"{source} closed: {rule}"
            )
    return enrolments
