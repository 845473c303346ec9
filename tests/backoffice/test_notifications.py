from datetime import timedelta

import httpx
import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from backoffice.api.services import service_credential_create
from backoffice.core.exceptions import ValidationFailed
from backoffice.notifications.backends import HttpSmsBackend, InMemoryBackend, OutgoingMessage
from backoffice.notifications.models import Notification
from backoffice.notifications.services import (
    notification_deliver,
    notification_enqueue,
    notification_retry,
)
from backoffice.notifications.tasks import deliver_due
from tests.backoffice.backends import FlakyBackend
from tests.backoffice.factories import CustomerFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def flaky_sms(settings):
    settings.NOTIFICATION_BACKENDS = {
        **settings.NOTIFICATION_BACKENDS,
        "sms": "tests.backoffice.backends.FlakyBackend",
    }
    settings.NOTIFY_MAX_ATTEMPTS = 3
    FlakyBackend.failures, FlakyBackend.transient, FlakyBackend.sent = 0, True, []
    return FlakyBackend


def enqueue(customer, key="k1", **kwargs):
    return notification_enqueue(
        customer=customer,
        template_key="generic",
        context={"title": "Hello", "body": "Your complaint was received."},
        idempotency_key=key,
        **kwargs,
    )


def test_sent_after_commit_on_the_preferred_channel(django_capture_on_commit_callbacks):
    customer = CustomerFactory(preferred_channel="sms", phone="13800000001")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = enqueue(customer)
    assert notification.status == "pending" and not InMemoryBackend.outbox
    for callback in callbacks:
        callback()
    notification.refresh_from_db()
    assert notification.status == "sent" and notification.attempts == 1
    assert notification.provider_message_id and notification.sent_at
    assert InMemoryBackend.outbox[0].recipient == "13800000001"
    record = notification.history.first()
    assert record.history_user.username == "system:notifications"


def test_same_idempotency_key_never_sends_twice(django_capture_on_commit_callbacks):
    customer = CustomerFactory(preferred_channel="sms")
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue(customer)
        second = enqueue(customer)
    assert first.pk == second.pk
    notification_deliver(notification_id=first.pk)
    assert len(InMemoryBackend.outbox) == 1


def test_message_is_rendered_in_the_customer_language():
    customer = CustomerFactory(language="zh-hant", preferred_channel="email")
    notification = enqueue(customer)
    assert notification.language == "zh-hant"
    assert "我們絕不會" in notification.body


def test_email_goes_through_django_mail():
    customer = CustomerFactory(preferred_channel="email", email="amy@mail.example")
    notification = enqueue(customer)
    notification_deliver(notification_id=notification.pk)
    assert mail.outbox[0].to == ["amy@mail.example"]
    assert mail.outbox[0].subject == "Hello"


def test_in_app_is_delivered_on_send():
    notification = enqueue(CustomerFactory(preferred_channel="in_app"))
    notification = notification_deliver(notification_id=notification.pk)
    assert notification.status == "delivered" and notification.delivered_at


def test_transient_failures_retry_with_backoff_then_succeed(flaky_sms):
    flaky_sms.failures = 2
    notification = enqueue(CustomerFactory(preferred_channel="sms"))
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == "pending" and notification.attempts == 1
    assert notification.next_attempt_at == start + timedelta(seconds=30)
    assert notification.last_error == "provider unavailable"
    with time_machine.travel(start + timedelta(seconds=10), tick=False):
        assert notification_deliver(notification_id=notification.pk) is None  # not due yet
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.next_attempt_at == start + timedelta(seconds=31 + 60)
    with time_machine.travel(start + timedelta(seconds=100), tick=False):
        assert deliver_due() == 1
    notification.refresh_from_db()
    assert notification.status == "sent" and notification.attempts == 3
    assert len(flaky_sms.sent) == 1


def test_giving_up_sends_the_fallback(flaky_sms):
    flaky_sms.failures = 99
    customer = CustomerFactory(preferred_channel="sms")
    notification = enqueue(customer, fallback_channel="in_app")
    later = timezone.now()
    for attempt in range(3):
        with time_machine.travel(later + timedelta(hours=attempt), tick=False):
            notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == "failed" and notification.attempts == 3
    fallback = notification.fallback
    assert fallback.channel == "in_app" and fallback.body == notification.body
    assert fallback.idempotency_key == "k1:fallback"
    with time_machine.travel(later + timedelta(hours=3), tick=False):
        notification_deliver(notification_id=fallback.pk)
    fallback.refresh_from_db()
    assert fallback.status == "delivered"


def test_permanent_failure_gives_up_at_once(flaky_sms):
    flaky_sms.failures, flaky_sms.transient = 1, False
    notification = enqueue(CustomerFactory(preferred_channel="sms"), fallback_channel="email")
    notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == "failed" and notification.attempts == 1
    assert notification.fallback.channel == "email"


def test_missing_address_fails_over():
    customer = CustomerFactory(preferred_channel="email", email="")
    notification = enqueue(customer, fallback_channel="in_app")
    notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == "failed"
    assert "no email address" in notification.last_error
    assert notification.fallback.channel == "in_app"


def test_broker_down_the_sweep_delivers_later(django_capture_on_commit_callbacks, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr("backoffice.notifications.tasks.deliver_notification.delay", broker_down)
    customer = CustomerFactory(preferred_channel="sms")
    with django_capture_on_commit_callbacks(execute=True):
        notification = enqueue(customer)
    notification.refresh_from_db()
    assert notification.status == "pending"
    assert deliver_due() == 1
    notification.refresh_from_db()
    assert notification.status == "sent"


def test_staff_retry_of_a_failed_message(flaky_sms, django_capture_on_commit_callbacks):
    flaky_sms.failures, flaky_sms.transient = 1, False
    notification = enqueue(CustomerFactory(preferred_channel="sms"))
    notification_deliver(notification_id=notification.pk)
    supervisor = staff_user("supervisor")
    with django_capture_on_commit_callbacks(execute=True):
        notification_retry(notification=notification, actor=supervisor)
    notification.refresh_from_db()
    assert notification.status == "sent"
    with pytest.raises(ValidationFailed):
        notification_retry(notification=notification, actor=supervisor)


def test_unknown_channel_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        enqueue(CustomerFactory(), channel="pigeon")
    assert exc.value.code == "channel_unknown"
    assert not Notification.objects.exists()


@pytest.fixture
def service_client(api_client):
    _, token = service_credential_create(name="sms-provider")
    api_client.credentials(HTTP_AUTHORIZATION=f"Service {token}")
    return api_client


def test_delivery_receipt_is_recorded(service_client):
    notification = enqueue(CustomerFactory(preferred_channel="sms"))
    notification = notification_deliver(notification_id=notification.pk)
    body = {
        "provider_message_id": notification.provider_message_id,
        "status": "delivered",
        "occurred_at": "2026-11-22T10:00:00Z",
    }
    response = service_client.post("/api/v1/service/notifications/receipts/", body, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "delivered"
    notification.refresh_from_db()
    assert notification.status == "delivered"
    assert notification.delivered_at.isoformat() == "2026-11-22T10:00:00+00:00"
    repeat = service_client.post("/api/v1/service/notifications/receipts/", body, format="json")
    assert repeat.status_code == 200


def test_failed_receipt_triggers_the_fallback(service_client):
    notification = enqueue(CustomerFactory(preferred_channel="sms"), fallback_channel="in_app")
    notification = notification_deliver(notification_id=notification.pk)
    body = {
        "provider_message_id": notification.provider_message_id,
        "status": "failed",
        "occurred_at": "2026-11-22T10:00:00Z",
        "error": "handset unreachable",
    }
    service_client.post("/api/v1/service/notifications/receipts/", body, format="json")
    notification.refresh_from_db()
    assert notification.status == "failed" and notification.fallback.channel == "in_app"


def test_receipt_for_an_unknown_message_is_404(service_client):
    body = {
        "provider_message_id": "nope",
        "status": "delivered",
        "occurred_at": "2026-11-22T10:00:00Z",
    }
    response = service_client.post("/api/v1/service/notifications/receipts/", body, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("token", ["", "secret-token"])
def test_http_provider_sends_a_bearer_token_only_when_one_is_set(settings, monkeypatch, token):
    settings.NOTIFY_SMS_URL = "http://127.0.0.1:9/sms"
    settings.NOTIFY_SMS_TOKEN = token
    seen = {}

    def post(url, *, json, headers, timeout):
        seen.update(headers)
        return httpx.Response(200, json={"id": "m-1"}, request=httpx.Request("POST", url))

    monkeypatch.setattr("backoffice.notifications.backends.httpx.post", post)
    message = OutgoingMessage(
        channel="sms",
        recipient="+85290000000",
        subject="s",
        body="b",
        idempotency_key="k-1",
        language="en",
    )
    assert HttpSmsBackend().send(message) == "m-1"
    assert seen["Idempotency-Key"] == "k-1"
    assert seen.get("Authorization") == (f"Bearer {token}" if token else None)
