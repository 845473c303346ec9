"""Campaign fan-out: caps, quiet hours across time zones (with DST), opt-outs,
re-eligibility, idempotent chunks, pause and resume."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from backoffice.notifications.backends import InMemoryBackend
from education.models import (
    CampaignState,
    Delivery,
    DeliveryStatus,
    EducationOptOut,
    EducationProfile,
    FrequencyCap,
    RunChunk,
    Schedule,
)
from education.services.delivery import deliveries_release_held
from education.services.fanout import campaign_occurs_on, delivery_fanout_chunk
from tests.backoffice.factories import CustomerFactory
from tests.education.factories import CampaignFactory, SegmentFactory
from tests.education.helpers import plan_at

pytestmark = pytest.mark.django_db

# 10:00 in Hong Kong (UTC+8) on a Monday.
HK_TEN = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _statuses(customer) -> list[tuple[str, str, str]]:
    return sorted(
        Delivery.objects.filter(customer=customer).values_list("campaign__name", "status", "reason")
    )


def test_frequency_cap_applies_across_campaigns(django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    segment = SegmentFactory()
    for name, priority in (("high", 9), ("mid", 5), ("low", 1)):
        CampaignFactory(name=name, priority=priority, segment=segment)
    plan_at(HK_TEN, django_capture_on_commit_callbacks)
    assert _statuses(customer) == [
        ("high", "sent", ""),
        ("low", "suppressed", "cap"),
        ("mid", "sent", ""),
    ]


def test_cap_counts_earlier_deliveries_and_in_app(django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    CampaignFactory(name="monday", channels=["in_app", "push"])
    plan_at(HK_TEN, django_capture_on_commit_callbacks)
    CampaignFactory(name="tuesday", priority=9, starts_on=date(2026, 11, 24))
    CampaignFactory(name="wednesday", starts_on=date(2026, 11, 25))
    plan_at(HK_TEN + timedelta(days=1), django_capture_on_commit_callbacks)
    plan_at(HK_TEN + timedelta(days=2), django_capture_on_commit_callbacks)
    rows = Delivery.objects.filter(customer=customer, run__local_date__lte=date(2026, 11, 25))
    by_day = {
        (d.run.local_date.day, d.campaign.name, d.channel): (d.status, d.reason) for d in rows
    }
    # Monday's campaign counts once for its two channels; Tuesday's is the second message
    # (Monday's daily campaign is capped); Wednesday everything is over the cap.
    assert by_day[(23, "monday", "in_app")] == ("sent", "")
    assert by_day[(23, "monday", "push")] == ("sent", "")
    assert by_day[(24, "tuesday", "in_app")] == ("sent", "")
    assert by_day[(24, "monday", "in_app")] == ("suppressed", "cap")
    assert by_day[(25, "wednesday", "in_app")] == ("suppressed", "cap")


def test_critical_campaign_bypasses_caps(django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    FrequencyCap.objects.update(max_messages=1)
    CampaignFactory(name="normal", priority=9)
    CampaignFactory(name="critical", priority=1, is_critical=True)
    plan_at(HK_TEN, django_capture_on_commit_callbacks)
    assert _statuses(customer) == [("critical", "sent", ""), ("normal", "sent", "")]


def test_chunk_run_twice_creates_no_duplicate(django_capture_on_commit_callbacks):
    customers = CustomerFactory.create_batch(3)
    CampaignFactory(channels=["in_app", "push"])
    plan_at(HK_TEN, django_capture_on_commit_callbacks)
    assert Delivery.objects.count() == 6
    assert len(InMemoryBackend.outbox) == 3
    chunk = RunChunk.objects.get()
    # A duplicated task after the chunk is done does nothing ...
    assert delivery_fanout_chunk(chunk_id=chunk.pk, now=timezone.now()) == 0
    # ... and even a re-run of the whole range (lost acknowledgement) inserts nothing.
    RunChunk.objects.filter(pk=chunk.pk).update(done_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery_fanout_chunk(chunk_id=chunk.pk, now=timezone.now()) == 0
    assert Delivery.objects.count() == 6
    assert len(InMemoryBackend.outbox) == 3
    assert {d.customer_id for d in Delivery.objects.all()} == {c.pk for c in customers}


def test_planning_twice_creates_one_run_per_time_zone(django_capture_on_commit_callbacks):
    CustomerFactory(time_zone="Asia/Hong_Kong")
    CustomerFactory(time_zone="Asia/Shanghai")
    campaign = CampaignFactory()
    assert len(plan_at(HK_TEN, django_capture_on_commit_callbacks)) == 2
    assert plan_at(HK_TEN + timedelta(minutes=1), django_capture_on_commit_callbacks) == []
    assert campaign.runs.count() == 2


def test_runs_follow_each_customers_local_time(django_capture_on_commit_callbacks):
    hk = CustomerFactory(time_zone="Asia/Hong_Kong")
    ny = CustomerFactory(time_zone="America/New_York")
    CampaignFactory(local_time=time(10, 0), starts_on=date(2026, 11, 22))
    # 21:00 in New York on the 22nd: eleven hours late, that occurrence is skipped.
    plan_at(HK_TEN, django_capture_on_commit_callbacks)
    assert Delivery.objects.filter(customer=hk).count() == 1
    assert Delivery.objects.filter(customer=ny).count() == 0
    plan_at(datetime(2026, 11, 23, 15, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    ny_delivery = Delivery.objects.get(customer=ny)
    assert ny_delivery.run.due_at == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_quiet_hours_hold_until_they_end_in_each_time_zone(django_capture_on_commit_callbacks):
    hk = CustomerFactory(time_zone="Asia/Hong_Kong")
    night_owl = CustomerFactory(time_zone="Asia/Hong_Kong")
    EducationProfile.objects.create(customer=night_owl, quiet_start=time(0), quiet_end=time(0))
    late_riser = CustomerFactory(time_zone="Asia/Hong_Kong")
    EducationProfile.objects.create(customer=late_riser, quiet_start=time(21), quiet_end=time(9))
    CampaignFactory(local_time=time(23, 0))
    plan_at(datetime(2026, 11, 23, 15, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    held = Delivery.objects.get(customer=hk)
    assert (held.status, held.reason) == ("held", "quiet_hours")
    assert held.send_after == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # 08:00 HK
    assert Delivery.objects.get(customer=late_riser).send_after == datetime(
        2026, 11, 24, 1, 0, tzinfo=UTC
    )
    assert Delivery.objects.get(customer=night_owl).status == "sent"

    assert deliveries_release_held(now=datetime(2026, 11, 24, 0, 30, tzinfo=UTC)) == 1
    assert Delivery.objects.get(customer=hk).status == DeliveryStatus.SENT
    assert Delivery.objects.get(customer=late_riser).status == DeliveryStatus.HELD


def test_quiet_hours_end_across_the_london_clock_change(django_capture_on_commit_callbacks):
    """Clocks go forward in London at 01:00 UTC on 29 March 2026: 08:00 local that morning
    is 07:00 UTC, the morning before it was 08:00 UTC."""
    londoner = CustomerFactory(time_zone="Europe/London")
    CampaignFactory(local_time=time(23, 30), starts_on=date(2026, 3, 27))
    plan_at(datetime(2026, 3, 27, 23, 30, tzinfo=UTC), django_capture_on_commit_callbacks)
    plan_at(datetime(2026, 3, 28, 23, 30, tzinfo=UTC), django_capture_on_commit_callbacks)
    until = dict(
        Delivery.objects.filter(customer=londoner).values_list("run__local_date", "send_after")
    )
    assert until == {
        date(2026, 3, 27): datetime(2026, 3, 28, 8, 0, tzinfo=UTC),
        date(2026, 3, 28): datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
    }


def test_local_send_time_moves_with_daylight_saving(django_capture_on_commit_callbacks):
    CustomerFactory(time_zone="Europe/London")
    campaign = CampaignFactory(local_time=time(10, 0), starts_on=date(2026, 3, 28))
    plan_at(datetime(2026, 3, 28, 10, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    assert not plan_at(datetime(2026, 3, 29, 8, 59, tzinfo=UTC), django_capture_on_commit_callbacks)
    assert plan_at(datetime(2026, 3, 29, 9, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    assert sorted(campaign.runs.values_list("due_at", flat=True)) == [
        datetime(2026, 3, 28, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 9, 0, tzinfo=UTC),
    ]


def test_opted_out_customers_are_recorded_not_sent(django_capture_on_commit_callbacks):
    by_channel = CustomerFactory()
    by_topic = CustomerFactory()
    EducationOptOut.objects.create(customer=by_channel, kind="channel", value="push")
    EducationOptOut.objects.create(customer=by_topic, kind="topic", value="phishing")
    CampaignFactory(channels=["in_app", "push"])
    plan_at(HK_TEN, django_capture_on_commit_callbacks)
    assert dict(Delivery.objects.filter(customer=by_channel).values_list("channel", "reason")) == {
        "in_app": "",
        "push": "opted_out",
    }
    assert set(Delivery.objects.filter(customer=by_topic).values_list("reason", flat=True)) == {
        "opted_out"
    }
    assert len(InMemoryBackend.outbox) == 0


def test_re_eligibility_period_marks_duplicates(django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    FrequencyCap.objects.update(is_active=False)
    CampaignFactory(reeligible_after_days=2)
    for day in range(3):
        plan_at(HK_TEN + timedelta(days=day), django_capture_on_commit_callbacks)
    reasons = list(
        Delivery.objects.filter(customer=customer)
        .order_by("run__local_date")
        .values_list("reason", flat=True)
    )
    assert reasons == ["", "duplicate", "duplicate"]
    plan_at(HK_TEN + timedelta(days=3), django_capture_on_commit_callbacks)
    assert Delivery.objects.filter(customer=customer).order_by("-id").first().reason == ""


def test_segment_decides_who_gets_the_campaign(django_capture_on_commit_callbacks):
    CustomerFactory(language="en")
    chinese = CustomerFactory(language="zh-hant")
    CampaignFactory(segment=SegmentFactory(language="zh-hant"))
    plan_at(HK_TEN, django_capture_on_commit_callbacks)
    assert list(Delivery.objects.values_list("customer_id", flat=True)) == [chinese.pk]


def test_paused_campaign_stops_and_resumes(django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    campaign = CampaignFactory()
    with time_machine.travel(HK_TEN, tick=False), django_capture_on_commit_callbacks():
        from education.services.fanout import runs_plan_due

        runs_plan_due(now=timezone.now())  # chunk tasks queued but not run yet
    campaign.state = CampaignState.PAUSED
    campaign.save()
    chunk = RunChunk.objects.get()
    assert delivery_fanout_chunk(chunk_id=chunk.pk, now=HK_TEN) == 0
    from education.services.campaigns import campaign_resume
    from tests.backoffice.factories import staff_user

    with django_capture_on_commit_callbacks(execute=True):
        campaign_resume(campaign=campaign, actor=staff_user("content_editor"))
    assert Delivery.objects.filter(customer=customer).count() == 1


def test_scheduled_campaign_starts_with_its_first_run_and_finishes_after_its_end(
    django_capture_on_commit_callbacks,
):
    CustomerFactory()
    campaign = CampaignFactory(
        state=CampaignState.SCHEDULED, schedule=Schedule.ONCE, starts_on=date(2026, 11, 23)
    )
    plan_at(HK_TEN, django_capture_on_commit_callbacks)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.RUNNING
    plan_at(HK_TEN + timedelta(days=3), django_capture_on_commit_callbacks)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.FINISHED
    # The latest change by insertion order: the factory wrote its row at the real time,
    # after the travelled-to dates of the runs.
    last_change = campaign.history.order_by("-history_id").first()
    assert last_change.history_user.username == "system:education"


@pytest.mark.parametrize(
    ("schedule", "extra", "day", "expected"),
    [
        ("weekly", {"weekday": 0}, date(2026, 11, 23), True),
        ("weekly", {"weekday": 0}, date(2026, 11, 24), False),
        ("monthly", {"day_of_month": 31}, date(2027, 2, 28), True),
        ("monthly", {"day_of_month": 31}, date(2027, 2, 27), False),
        ("once", {}, date(2026, 11, 23), True),
        ("once", {}, date(2026, 11, 24), False),
        ("daily", {"ends_on": date(2026, 11, 30)}, date(2026, 12, 1), False),
    ],
)
def test_schedule_occurrences(schedule, extra, day, expected):
    campaign = CampaignFactory.build(schedule=schedule, starts_on=date(2026, 11, 23), **extra)
    assert campaign_occurs_on(campaign=campaign, day=day) is expected


def test_held_push_goes_out_through_the_outbox_when_quiet_hours_end(
    django_capture_on_commit_callbacks,
):
    customer = CustomerFactory(time_zone="Asia/Hong_Kong", language="zh-hans")
    CampaignFactory(local_time=time(23, 0), channels=["push"])
    plan_at(datetime(2026, 11, 23, 15, 0, tzinfo=UTC), django_capture_on_commit_callbacks)
    assert InMemoryBackend.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_release_held(now=datetime(2026, 11, 24, 0, 0, tzinfo=UTC))
    delivery = Delivery.objects.get(customer=customer)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.notification.topic == f"education:tip:{delivery.tip.slug}"
    [message] = InMemoryBackend.outbox
    assert message.subject == f"安全提示\uff1a{delivery.tip.slug} zh-hans v0"  # full-width colon
