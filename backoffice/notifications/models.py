from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from backoffice.core.models import BaseModel
from backoffice.customers.models import Customer, NotificationChannel


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Notification(BaseModel):
    """Outbox row: one message to one customer on one channel.

    Written in the same transaction as the change that caused it, rendered then (so the row
    is the evidence of what was said), and delivered afterwards by a task with retries.
    """

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=NotificationChannel.choices)
    fallback_channel = models.CharField(
        _("fallback channel"), max_length=16, choices=NotificationChannel.choices, blank=True
    )
    fallback_of = models.OneToOneField(
        "self",
        verbose_name=_("fallback of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fallback",
    )
    template_key = models.CharField(_("template"), max_length=100)
    context = models.JSONField(_("context"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8)
    topic = models.CharField(
        _("topic"),
        max_length=100,
        blank=True,
        db_index=True,
        help_text=_("What the message is about, e.g. complaint:CMP-20261122-7KQ2MX."),
    )
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    provider_message_id = models.CharField(
        _("provider message id"), max_length=200, blank=True, db_index=True
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["body", "context"])

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        permissions = [("retry_notification", _("Can retry a failed notification"))]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="notification_due_idx",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template_key} → {self.customer} ({self.channel})"
