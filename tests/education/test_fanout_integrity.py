"""What the fan-out's database keys and chunking guarantee: a chunk that dies is resumed
whole, caps hold in every chunk range, and on PostgreSQL the composite run key and the
customer delete guard refuse inconsistent rows."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from education.models import Delivery, FrequencyCap, RunChunk
from education.services import fanout
from education.services.fanout import CHUNK_SIZE, chunks_requeue_stale, delivery_fanout_chunk
from tests.backoffice.factories import CustomerFactory
from tests.education.factories import CampaignFactory
from tests.education.helpers import plan_at

pytestmark = pytest.mark.django_db
HK_TEN = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _plan_only(monkeypatch, moment=HK_TEN) -> list[RunChunk]:
    monkeypatch.setattr(fanout, "_queue_chunks", lambda ids: None)
    fanout.runs_plan_due(now=moment)
    return list(RunChunk.objects.order_by("id_from"))


def test_a_chunk_that_dies_midway_leaves_nothing_and_is_resumed_whole(monkeypatch):
    customers = CustomerFactory.create_batch(5)
    CampaignFactory(channels=["in_app"])
    [chunk] = _plan_only(monkeypatch)

    def die(*args, **kwargs):
        raise RuntimeError("worker killed")

    with monkeypatch.context() as patched:
        # The deliveries are inserted, then the worker dies before the chunk is marked done.
        patched.setattr(fanout, "_hold_until_quiet_end", die)
        with pytest.raises(RuntimeError):
            delivery_fanout_chunk(chunk_id=chunk.pk, now=HK_TEN)
    assert Delivery.objects.count() == 0
    chunk.refresh_from_db()
    assert chunk.done_at is None
    # The tick re-queues the chunk once its task looks lost; the re-run does all of it.
    queued = []
    monkeypatch.setattr(fanout, "_queue_chunks", queued.extend)
    later = HK_TEN + fanout.STALE_CHUNK_AFTER + timedelta(minutes=1)
    assert chunks_requeue_stale(now=later) == 1
    assert queued == [chunk.pk]
    assert delivery_fanout_chunk(chunk_id=chunk.pk, now=later) == 5
    assert sorted(Delivery.objects.values_list("customer_id", flat=True)) == sorted(
        c.pk for c in customers
    )


def test_caps_hold_in_every_chunk_range(django_capture_on_commit_callbacks):
    FrequencyCap.objects.update(max_messages=1)
    first = CustomerFactory()
    far = CustomerFactory(id=first.pk + 2 * CHUNK_SIZE + 7)
    for name, priority in (("high", 9), ("low", 1)):
        CampaignFactory(name=name, priority=priority)
    plan_at(HK_TEN, django_capture_on_commit_callbacks)
    assert RunChunk.objects.filter(run__campaign__name="high").count() >= 2
    for customer in (first, far):
        statuses = dict(
            Delivery.objects.filter(customer=customer).values_list("campaign__name", "reason")
        )
        assert statuses == {"high": "", "low": "cap"}


@pytest.mark.postgres
def test_a_delivery_must_match_its_run(django_capture_on_commit_callbacks):
    CustomerFactory()
    CampaignFactory(name="real")
    other = CampaignFactory(name="other")
    plan_at(HK_TEN, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(campaign__name="real")
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        Delivery.objects.filter(pk=delivery.pk).update(campaign=other)


@pytest.mark.postgres
def test_a_customer_with_deliveries_cannot_be_deleted_even_in_sql(
    django_capture_on_commit_callbacks,
):
    customer = CustomerFactory()
    CampaignFactory()
    plan_at(HK_TEN, django_capture_on_commit_callbacks)
    assert Delivery.objects.filter(customer=customer).exists()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM customers_customer WHERE id = %s", [customer.pk])
    without = CustomerFactory()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM customers_customer WHERE id = %s", [without.pk])
        assert cursor.rowcount == 1
