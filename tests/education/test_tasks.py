"""The periodic jobs are registered and drive the whole flow; tasks are idempotent."""

from datetime import UTC, datetime, time

import pytest
import time_machine
from django.conf import settings

from backoffice.celery import app
from education.models import Delivery, DeliveryStatus
from tests.backoffice.factories import CustomerFactory
from tests.education.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def test_periodic_jobs_are_registered():
    app.loader.import_default_modules()
    for name in ("education-plan-runs", "education-release-held"):
        task_name, seconds = settings.PERIODIC_JOBS[name]
        assert task_name in app.tasks
        assert seconds == 60


def test_ticks_plan_hold_and_release(django_capture_on_commit_callbacks):
    app.loader.import_default_modules()
    customer = CustomerFactory(time_zone="Asia/Hong_Kong")
    CampaignFactory(local_time=time(22, 30))
    tick = datetime(2026, 11, 23, 14, 31, tzinfo=UTC)  # 22:31 in Hong Kong
    with time_machine.travel(tick, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert app.tasks["education.plan_due_runs"].apply().result == 1
        assert app.tasks["education.plan_due_runs"].apply().result == 0
    assert Delivery.objects.get(customer=customer).status == DeliveryStatus.HELD
    with time_machine.travel(datetime(2026, 11, 24, 0, 0, 30, tzinfo=UTC), tick=False):
        assert app.tasks["education.release_held"].apply().result == 1
        assert app.tasks["education.release_held"].apply().result == 0
    assert Delivery.objects.get(customer=customer).status == DeliveryStatus.SENT
