"""Delivery claims the outbox row only: a customer row locked by other work (another
complaint of the same customer being filed) does not make the task skip the message."""

import threading

import pytest
from django.db import connection, transaction

from backoffice.customers.models import Customer
from backoffice.notifications import services
from backoffice.notifications.backends import InMemoryBackend
from backoffice.notifications.services import notification_deliver, notification_enqueue
from tests.backoffice.factories import CustomerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _hold_key_share_lock(customer_id: int, locked: threading.Event, release: threading.Event):
    """What an INSERT referencing the customer does: FOR KEY SHARE until commit."""
    try:
        with transaction.atomic():
            list(Customer.objects.raw(
                "SELECT id FROM customers_customer WHERE id = %s FOR KEY SHARE", [customer_id]
            ))  # fmt: skip
            locked.set()
            release.wait(timeout=10)
    finally:
        connection.close()


def test_a_message_is_sent_while_its_customer_row_is_key_share_locked(monkeypatch):
    customer = CustomerFactory(preferred_channel="sms", phone="13800000009")
    # Autocommit here: the after-commit dispatch would send at once; the test sends itself.
    monkeypatch.setattr(services, "_dispatch_after_commit", lambda notification_id: None)
    notification = notification_enqueue(
        customer=customer,
        template_key="generic",
        context={"title": "Hello", "body": "Your complaint was received."},
        idempotency_key="locked-customer",
    )
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_key_share_lock, args=(customer.pk, locked, release))
    holder.start()
    try:
        assert locked.wait(timeout=10)
        sent = notification_deliver(notification_id=notification.pk)
    finally:
        release.set()
        holder.join(timeout=10)
    assert sent is not None and sent.status == "sent"
    assert [m.recipient for m in InMemoryBackend.outbox] == ["13800000009"]
