from celery import shared_task

from .services import notification_deliver, notification_due_ids


@shared_task(name="notifications.deliver", ignore_result=True)
def deliver_notification(notification_id: int) -> None:
    notification_deliver(notification_id=notification_id)


@shared_task(name="notifications.deliver_due", ignore_result=True)
def deliver_due() -> int:
    """Periodic sweep: sends whatever is due (retries, and rows queued while the broker was
    down). Idempotent: each row is claimed under a row lock."""
    ids = notification_due_ids()
    for notification_id in ids:
        notification_deliver(notification_id=notification_id)
    return len(ids)
