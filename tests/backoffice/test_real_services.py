"""Behaviour that only a real PostgreSQL or Redis can show."""

import threading

import pytest
from django.db import connection

from backoffice.core.actors import system_actor
from backoffice.customers.models import PaymentTransaction
from backoffice.customers.services import transaction_ingest_batch
from tests.backoffice.factories import CustomerFactory


def _row(customer, txn_id, status="pending"):
    return {
        "transaction_id": txn_id,
        "wallet_account_id": customer.wallet_account_id,
        "type": "payment",
        "amount": "10.00",
        "currency": "HKD",
        "status": status,
        "occurred_at": "2026-11-20T10:00:00+08:00",
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_with_the_same_new_ids_neither_fail_nor_duplicate():
    customer = CustomerFactory()
    actor = system_actor("test")
    rows = [_row(customer, f"T{i}") for i in range(50)]
    barrier, errors, results = threading.Barrier(4), [], []

    def ingest():
        try:
            barrier.wait()
            results.append(transaction_ingest_batch(rows=rows, actor=actor))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ingest) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert PaymentTransaction.objects.count() == 50
    assert sum(r.created for r in results) == 50
    assert sum(r.unchanged for r in results) == 150


@pytest.mark.redis
def test_readyz_checks_a_real_broker(client, settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url
    response = client.get("/readyz")
    assert response.json()["checks"]["broker"] == "ok"


@pytest.mark.redis
def test_with_redis_url_tasks_are_published_to_redis_not_run_in_process(redis_url):
    """The real configuration path: REDIS_URL in the environment makes .delay() publish to
    the broker (a worker runs it), instead of running the task in-process."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import redis

    client = redis.Redis.from_url(redis_url)
    before = client.llen("celery")
    code = (
        "from backoffice.notifications.tasks import deliver_notification;"
        "deliver_notification.delay(424242)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backoffice.settings.base",
        "DJANGO_DEBUG": "true",
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": "",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert client.llen("celery") == before + 1
    message = client.rpop("celery")
    assert b"notifications.deliver" in message and b"424242" in message
