"""Concurrency on real PostgreSQL: duplicated chunk tasks, competing campaigns under a
frequency cap, and the same warning request arriving twice at once."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection

from education.models import Delivery, FrequencyCap, RunChunk, WarningDecision, WarningExposure
from education.services.fanout import delivery_fanout_chunk, runs_plan_due
from education.services.warnings import warning_evaluate
from tests.backoffice.factories import CustomerFactory
from tests.education.factories import CampaignFactory, SegmentFactory, WarningRuleFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
HK_TEN = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _in_threads(*calls) -> list:
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _plan_without_running(monkeypatch) -> list[int]:
    from education.services import fanout

    monkeypatch.setattr(fanout, "_queue_chunks", lambda ids: None)
    runs_plan_due(now=HK_TEN)
    return list(RunChunk.objects.order_by("id").values_list("pk", flat=True))


def test_the_same_chunk_twice_at_once_inserts_once(monkeypatch):
    CustomerFactory.create_batch(20)
    CampaignFactory(channels=["in_app"])
    [chunk_id] = _plan_without_running(monkeypatch)
    inserted = _in_threads(
        lambda: delivery_fanout_chunk(chunk_id=chunk_id, now=HK_TEN),
        lambda: delivery_fanout_chunk(chunk_id=chunk_id, now=HK_TEN),
    )
    assert sorted(inserted) == [0, 20]
    assert Delivery.objects.count() == 20


def test_competing_campaigns_respect_the_cap(monkeypatch):
    customers = CustomerFactory.create_batch(10)
    # Transactional tests flush the tables, the migration's default cap included.
    FrequencyCap.objects.all().delete()
    FrequencyCap.objects.create(max_messages=1, window_days=7)
    segment = SegmentFactory()
    CampaignFactory(name="a", segment=segment)
    CampaignFactory(name="b", segment=segment)
    chunk_ids = _plan_without_running(monkeypatch)
    _in_threads(*[lambda c=c: delivery_fanout_chunk(chunk_id=c, now=HK_TEN) for c in chunk_ids])
    for customer in customers:
        statuses = sorted(
            Delivery.objects.filter(customer=customer).values_list("status", "reason")
        )
        assert statuses == [("sent", ""), ("suppressed", "cap")]


def test_the_same_warning_request_twice_at_once_is_one_exposure():
    WarningRuleFactory(slug="large")
    customer = CustomerFactory()

    def call():
        return warning_evaluate(
            customer=customer,
            scenario="large_payment",
            context={"amount": "20000", "currency": "HKD"},
            request_id="double-tap",
        ).pk

    first, second = _in_threads(call, call)
    assert first == second
    assert WarningDecision.objects.count() == 1
    assert WarningExposure.objects.get().count == 1
