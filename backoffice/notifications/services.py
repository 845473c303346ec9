"""The notifications outbox: enqueue inside the caller's transaction, deliver after commit."""

import logging
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from backoffice.core.actors import system_actor
from backoffice.core.exceptions import NotFound, ValidationFailed
from backoffice.customers.models import Customer, NotificationChannel

from .backends import Backend, DeliveryError, OutgoingMessage
from .models import Notification, NotificationStatus

logger = logging.getLogger(__name__)
_BACKOFF_BASE_SECONDS = 30
_BACKOFF_MAX_SECONDS = 3600


@cache
def _backend_at(path: str) -> Backend:
    return import_string(path)()


def _backend(channel: str) -> Backend:
    return _backend_at(settings.NOTIFICATION_BACKENDS[channel])


def render_message(template_key: str, context: dict, language: str) -> tuple[str, str]:
    """Subject and body of a template, rendered in `language`."""
    with translation.override(language):
        subject = render_to_string(f"notifications/{template_key}/subject.txt", context)
        body = render_to_string(f"notifications/{template_key}/body.txt", context)
    return " ".join(subject.split())[:300], body.strip()


def _recipient(customer: Customer, channel: str) -> str:
    return {
        NotificationChannel.SMS: customer.phone,
        NotificationChannel.EMAIL: customer.email,
        NotificationChannel.PUSH: customer.wallet_account_id,
        NotificationChannel.IN_APP: customer.wallet_account_id,
    }[channel]


def _dispatch_after_commit(notification_id: int) -> None:
    def dispatch() -> None:
        from .tasks import deliver_notification

        try:
            deliver_notification.delay(notification_id)
        except Exception:  # broker down: the periodic sweep delivers it later
            logger.warning("could not queue notification %s; the sweep will", notification_id)

    transaction.on_commit(dispatch)


def notification_enqueue(
    *,
    customer: Customer,
    template_key: str,
    context: dict[str, Any],
    idempotency_key: str,
    channel: str | None = None,
    fallback_channel: str = "",
    topic: str = "",
) -> Notification:
    """Write an outbox row in the caller's transaction; it is sent once that commits.

    The same idempotency key returns the existing row, so a retried caller never sends
    twice. Defaults to the customer's preferred channel and language.
    """
    existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    channel = channel or customer.preferred_channel
    if channel not in NotificationChannel.values:
        raise ValidationFailed(_("Unknown notification channel."), code="channel_unknown")
    subject, body = render_message(template_key, context, customer.language)
    notification = Notification(
        customer=customer,
        channel=channel,
        fallback_channel=fallback_channel if fallback_channel != channel else "",
        template_key=template_key,
        context=context,
        language=customer.language,
        topic=topic,
        subject=subject,
        body=body,
        idempotency_key=idempotency_key,
        next_attempt_at=timezone.now(),
    )
    notification._history_user = system_actor("notifications")
    notification._change_reason = f"queued: {template_key}"
    notification.save()
    _dispatch_after_commit(notification.pk)
    return notification


def _fall_back(notification: Notification) -> None:
    if not notification.fallback_channel or hasattr(notification, "fallback"):
        return
    fallback = Notification(
        customer=notification.customer,
        channel=notification.fallback_channel,
        fallback_of=notification,
        template_key=notification.template_key,
        context=notification.context,
        language=notification.language,
        topic=notification.topic,
        subject=notification.subject,
        body=notification.body,
        idempotency_key=f"{notification.idempotency_key}:fallback",
        next_attempt_at=timezone.now(),
    )
    fallback._history_user = system_actor("notifications")
    fallback._change_reason = f"fallback to {notification.fallback_channel}"
    fallback.save()
    _dispatch_after_commit(fallback.pk)


def _record_failure(notification: Notification, error: DeliveryError, now: datetime) -> None:
    notification.last_error = str(error)[:500]
    if error.transient and notification.attempts < settings.NOTIFY_MAX_ATTEMPTS:
        delay = min(_BACKOFF_BASE_SECONDS * 2 ** (notification.attempts - 1), _BACKOFF_MAX_SECONDS)
        notification.next_attempt_at = now + timedelta(seconds=delay)
        notification._change_reason = f"attempt {notification.attempts} failed; retry scheduled"
    else:
        notification.status = NotificationStatus.FAILED
        notification.next_attempt_at = None
        notification._change_reason = f"gave up after {notification.attempts} attempt(s)"
        _fall_back(notification)


def notification_deliver(*, notification_id: int) -> Notification | None:
    """Send one due outbox row. Safe to call twice: a row that is not pending and due, or
    that another worker holds, is left alone."""
    now = timezone.now()
    with transaction.atomic():
        # Lock the outbox row only: without of=("self",) the joined customer row is locked
        # too, and any insert referencing that customer (another complaint being filed)
        # holds a key-share lock on it, so skip_locked would skip the message until the
        # next sweep.
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("customer")
            .filter(pk=notification_id, status=NotificationStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if notification is None:
            return None
        backend = _backend(notification.channel)
        notification.attempts += 1
        recipient = _recipient(notification.customer, notification.channel)
        try:
            if not recipient:
                raise DeliveryError(
                    f"customer has no {notification.channel} address", transient=False
                )
            notification.provider_message_id = backend.send(
                OutgoingMessage(
                    channel=notification.channel,
                    recipient=recipient,
                    subject=notification.subject,
                    body=notification.body,
                    idempotency_key=notification.idempotency_key,
                    language=notification.language,
                )
            )
        except DeliveryError as error:
            _record_failure(notification, error, now)
        else:
            notification.status = NotificationStatus.SENT
            notification.sent_at, notification.next_attempt_at, notification.last_error = (
                now,
                None,
                "",
            )
            if getattr(backend, "delivers_immediately", False):
                notification.status, notification.delivered_at = NotificationStatus.DELIVERED, now
            notification._change_reason = f"sent on attempt {notification.attempts}"
        notification._history_user = system_actor("notifications")
        notification.save()
    return notification


def notification_due_ids(*, limit: int = 1000) -> list[int]:
    return list(
        Notification.objects.filter(
            status=NotificationStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def notification_record_receipt(
    *, provider_message_id: str, delivered: bool, occurred_at: datetime, actor: Any, error: str = ""
) -> Notification:
    """A provider's delivery receipt. A failed receipt sends the fallback, if any."""
    notification = (
        Notification.objects.select_for_update()
        .filter(provider_message_id=provider_message_id)
        .first()
    )
    if notification is None:
        raise NotFound(_("No notification has this provider message id."))
    if notification.status not in (NotificationStatus.SENT, NotificationStatus.PENDING):
        return notification  # a repeated receipt changes nothing
    if delivered:
        notification.status, notification.delivered_at = NotificationStatus.DELIVERED, occurred_at
        notification._change_reason = "delivery receipt: delivered"
    else:
        notification.status, notification.last_error = NotificationStatus.FAILED, error[:500]
        notification._change_reason = "delivery receipt: failed"
        _fall_back(notification)
    notification._history_user = actor
    notification.save()
    return notification


@transaction.atomic
def notification_retry(*, notification: Notification, actor: Any) -> Notification:
    """Staff: put a failed message back in the queue for another round of attempts."""
    notification = Notification.objects.select_for_update().get(pk=notification.pk)
    if notification.status != NotificationStatus.FAILED:
        raise ValidationFailed(_("Only failed messages can be retried."), code="not_failed")
    notification.status, notification.attempts = NotificationStatus.PENDING, 0
    notification.next_attempt_at = timezone.now()
    notification._change_reason = "retry requested by staff"
    notification._history_user = actor
    notification.save()
    _dispatch_after_commit(notification.pk)
    return notification
