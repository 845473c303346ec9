"""Complaints feed education: enrolment once per series, raised warning sensitivity;
onboarding series for new customers."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from complaints.signals import complaint_closed
from education.models import (
    ComplaintEnrolmentRule,
    Delivery,
    EducationOptOut,
    EducationProfile,
    SeriesEnrolment,
    SeriesStep,
    TipSeries,
)
from education.services.enrolment import series_deliver_due, series_enrol_new_customers
from tests.backoffice.factories import CustomerFactory, CustomerWithLoginFactory
from tests.complaints.factories import advance, available_agent, submit
from tests.education.factories import approved_tip

pytestmark = pytest.mark.django_db


@pytest.fixture
def follow_up():
    series = TipSeries.objects.create(slug="after-fraud", name="After fraud", kind="follow_up")
    SeriesStep.objects.create(series=series, tip=approved_tip(topic="phishing"), day_offset=0)
    SeriesStep.objects.create(series=series, tip=approved_tip(topic="password"), day_offset=2)
    return series


def test_closing_a_complaint_enrols_once_and_raises_sensitivity(follow_up):
    ComplaintEnrolmentRule.objects.create(
        category="duplicate_charge", series=follow_up, raise_sensitivity_days=30
    )
    customer = CustomerWithLoginFactory()
    agent = available_agent()
    first = advance(submit(customer), "closed", agent=agent)
    enrolment = SeriesEnrolment.objects.get(customer=customer)
    assert (enrolment.series, enrolment.source) == (follow_up, f"complaint:{first.pk}")
    profile = EducationProfile.objects.get(customer=customer)
    assert profile.sensitivity_raised_until > timezone.now() + timedelta(days=29)
    assert profile.history.first().history_user.username == "system:education"

    advance(submit(customer), "closed", agent=agent)
    complaint_closed.send(sender=None, complaint=first)  # a repeated signal
    assert SeriesEnrolment.objects.filter(customer=customer).count() == 1


def test_mapping_matches_category_and_root_cause(follow_up):
    ComplaintEnrolmentRule.objects.create(
        category="account_security", root_cause="fraud", series=follow_up
    )
    customer = CustomerFactory()

    def close(category, root_cause, pk):
        complaint = SimpleNamespace(
            pk=pk,
            customer=customer,
            customer_id=customer.pk,
            category=category,
            root_cause=root_cause,
        )
        complaint_closed.send(sender=None, complaint=complaint)

    close("account_security", "own_system", 1)
    close("duplicate_charge", "fraud", 2)
    assert not SeriesEnrolment.objects.exists()
    close("account_security", "fraud", 3)
    assert SeriesEnrolment.objects.get().source == "complaint:3"
    assert not EducationProfile.objects.filter(customer=customer).exists()


def test_series_steps_reach_the_inbox_when_due_and_only_once(follow_up):
    customer, opted_out = CustomerFactory(), CustomerFactory()
    EducationOptOut.objects.create(customer=opted_out, kind="topic", value="password")
    for c in (customer, opted_out):
        SeriesEnrolment.objects.create(customer=c, series=follow_up, source="test")
    now = timezone.now()
    assert series_deliver_due(now=now) == 2
    assert series_deliver_due(now=now) == 0
    with time_machine.travel(now + timedelta(days=2, minutes=1), tick=False):
        assert series_deliver_due(now=timezone.now()) == 2
    rows = Delivery.objects.filter(series_step__day_offset=2)
    assert dict(rows.values_list("customer_id", "reason")) == {
        customer.pk: "",
        opted_out.pk: "opted_out",
    }


def test_onboarding_enrols_new_customers_once():
    series = TipSeries.objects.create(
        slug="welcome", name="Welcome", kind="onboarding", onboarding_within_days=7
    )
    SeriesStep.objects.create(series=series, tip=approved_tip(topic="password"), day_offset=0)
    new = CustomerFactory(registered_at=timezone.now() - timedelta(days=1))
    CustomerFactory(registered_at=timezone.now() - timedelta(days=30))
    assert series_enrol_new_customers(now=timezone.now()) == 1
    assert series_enrol_new_customers(now=timezone.now()) == 0
    series_deliver_due(now=timezone.now())
    assert list(Delivery.objects.values_list("customer_id", "status")) == [(new.pk, "sent")]
