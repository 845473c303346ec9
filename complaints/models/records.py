"""What happens to a complaint: the audit timeline, messages with private attachments,
internal notes, verification findings, SLA breaches, staff alerts and API idempotency."""

import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from backoffice.core.models import BaseModel
from backoffice.customers.models import PaymentTransaction

from .complaint import Complaint, ComplaintState


class Visibility(models.TextChoices):
    CUSTOMER = "customer", _("Customer-visible")
    INTERNAL = "internal", _("Internal")


class EventKind(models.TextChoices):
    TRANSITION = "transition", _("State change")
    ASSIGNMENT = "assignment", _("Assignment")
    CLASSIFICATION = "classification", _("Classification")
    IDENTITY = "identity", _("Identity verification")
    ROOT_CAUSE = "root_cause", _("Root cause")
    VERIFICATION = "verification", _("Transaction verification")
    FINDING_REVIEW = "finding_review", _("Finding reviewed")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breach")
    SLA_EXTENSION = "sla_extension", _("Holding reply")
    MESSAGE = "message", _("Message")
    RATING = "rating", _("Rating")


class ComplaintEvent(BaseModel):
    """One row per state change and notable action: who, from, to, why, and whether the
    customer sees it. Append-only."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_state = models.CharField(
        _("from"), max_length=32, choices=ComplaintState.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=32, choices=ComplaintState.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.from_state}→{self.to_state}"


class PrivateMediaStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT, which no URL serves: only the attachment view
    streams them, after checking who asks. Read at each use so tests can move it."""

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @cached_property
    def base_url(self):  # no public URL, ever
        return None

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    def url(self, name):
        raise ValueError("private files have no URL; use the attachment view")


private_storage = PrivateMediaStorage()


def attachment_path(instance: "ComplaintAttachment", filename: str) -> str:
    # The stored name never uses the uploaded name: no path tricks, no guessing.
    return f"complaints/{instance.message.complaint_id}/{uuid.uuid4().hex}"


class SenderKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    STAFF = "staff", _("Staff")


class ComplaintMessage(BaseModel):
    """A message between the customer and the handling team (both see it)."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sender = models.CharField(_("sender"), max_length=16, choices=SenderKind.choices)
    body = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.sender} {self.created_at:%Y-%m-%d %H:%M}"


class ComplaintAttachment(BaseModel):
    message = models.ForeignKey(
        ComplaintMessage,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(
        _("file"), storage=private_storage, upload_to=attachment_path, max_length=200
    )
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class ComplaintNote(BaseModel):
    """An internal note: staff only, never shown to the customer."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} note {self.pk}"


class FindingKind(models.TextChoices):
    DUPLICATE_CHARGE = "duplicate_charge", _("Duplicate charge")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount mismatch")
    TRANSACTION_STATUS = "transaction_status", _("Transaction status")
    SETTLEMENT_DELAY = "settlement_delay", _("Settlement delay")
    ALREADY_REFUNDED = "already_refunded", _("Already refunded")


class ComplaintFinding(BaseModel):
    """A fact found by transaction verification. Staff confirm or dismiss it; the
    compensation engine uses confirmed findings only."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="findings"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=FindingKind.choices)
    transaction = models.ForeignKey(
        PaymentTransaction,
        verbose_name=_("transaction"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaint_findings",
    )
    confirmed = models.BooleanField(_("confirmed"), default=False)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "kind", "transaction"],
                condition=models.Q(transaction__isnull=False),
                name="complaints_finding_once_per_transaction",
            ),
            models.UniqueConstraint(
                fields=["complaint", "kind"],
                condition=models.Q(transaction__isnull=True),
                name="complaints_finding_once_without_transaction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.transaction_id or '-'})"

    @property
    def is_dismissed(self) -> bool:
        return self.reviewed_at is not None and not self.confirmed


class SlaClock(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledgement")
    FIRST_RESPONSE = "first_response", _("Initial judgement and plan")
    PROGRESS_UPDATE = "progress_update", _("Progress update")
    STATUTORY = "statutory", _("Statutory final response")


class ComplaintSlaBreach(models.Model):
    """A deadline missed, recorded once (the unique constraint makes the sweep idempotent)."""

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="sla_breaches",
    )
    clock = models.CharField(_("clock"), max_length=32, choices=SlaClock.choices)
    due_at = models.DateTimeField(_("due at"))
    breached_at = models.DateTimeField(_("recorded at"))
    escalated = models.BooleanField(_("escalated"), default=False)

    class Meta:
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        ordering = ["-breached_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "clock", "due_at"], name="complaints_breach_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.clock} {self.due_at:%Y-%m-%d %H:%M}"


class AlertKind(models.TextChoices):
    SLA_WARNING = "sla_warning", _("Deadline approaching")
    SLA_BREACH = "sla_breach", _("Deadline missed")
    ESCALATED = "escalated", _("Escalated to you")
    ASSIGNED = "assigned", _("Assigned to you")
    CUSTOMER_MESSAGE = "customer_message", _("Customer wrote")
    FOLLOWUP_FAILED = "followup_failed", _("Intake follow-up failed")


class StaffAlert(BaseModel):
    """A message to a staff member about a complaint (also e-mailed when they have an
    address)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="complaint_alerts",
    )
    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=AlertKind.choices)
    message = models.CharField(_("message"), max_length=500)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff alert")
        verbose_name_plural = _("staff alerts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.message
