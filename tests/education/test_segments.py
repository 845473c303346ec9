"""Segment membership, evaluated in SQL; the dry-run count."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Complaint
from education.models import Delivery
from education.selectors import segment_count, segment_customers
from tests.backoffice.factories import CustomerFactory, CustomerWithLoginFactory
from tests.complaints.factories import submit
from tests.education.factories import CampaignFactory, SegmentFactory, approved_tip

pytestmark = pytest.mark.django_db


def members(**criteria) -> set[int]:
    return set(segment_customers(segment=SegmentFactory(**criteria)).values_list("pk", flat=True))


def test_everyone_and_dry_run_count():
    CustomerFactory.create_batch(3)
    segment = SegmentFactory()
    assert segment_count(segment=segment) == 3


def test_registered_within_days():
    new = CustomerFactory(registered_at=timezone.now() - timedelta(days=5))
    CustomerFactory(registered_at=timezone.now() - timedelta(days=40))
    assert members(registered_within_days=7) == {new.pk}


def test_language_and_vulnerable():
    zh = CustomerFactory(language="zh-hans", is_vulnerable=True)
    CustomerFactory(language="zh-hans")
    CustomerFactory(language="en", is_vulnerable=True)
    assert members(language="zh-hans", vulnerable_only=True) == {zh.pk}


def test_not_read_topic():
    reader, unread, never_sent = CustomerFactory.create_batch(3)
    tip = approved_tip(topic="phishing")
    campaign = CampaignFactory(tip=tip)
    run = campaign.runs.create(
        time_zone="Asia/Hong_Kong",
        local_date=timezone.now().date(),
        due_at=timezone.now(),
        sequence=0,
        tip=tip,
        version=tip.published_version,
    )
    for customer, opened in ((reader, timezone.now()), (unread, None)):
        Delivery.objects.create(
            run=run,
            campaign=campaign,
            customer=customer,
            tip=tip,
            version=tip.published_version,
            channel="in_app",
            status="sent",
            opened_at=opened,
        )
    assert members(not_read_topic="phishing") == {unread.pk, never_sent.pk}
    assert members(not_read_topic="password") == {reader.pk, unread.pk, never_sent.pk}


def test_complaint_category_root_cause_and_recency():
    phished = CustomerWithLoginFactory()
    complaint = submit(phished, category="account_security")
    Complaint.objects.filter(pk=complaint.pk).update(root_cause="fraud")
    old = CustomerWithLoginFactory()
    old_complaint = submit(old, category="account_security")
    Complaint.objects.filter(pk=old_complaint.pk).update(
        created_at=timezone.now() - timedelta(days=100)
    )
    submit(CustomerWithLoginFactory(), category="duplicate_charge")
    assert members(complaint_category="account_security") == {phished.pk, old.pk}
    assert members(complaint_category="account_security", complaint_within_days=30) == {phished.pk}
    assert members(complaint_root_cause="fraud") == {phished.pk}
