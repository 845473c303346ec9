"""Who receives education: per-customer preferences, segments and frequency caps."""

from datetime import time

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from backoffice.core.models import BaseModel
from backoffice.customers.models import Customer, NotificationChannel

from .content import ContentLanguage, TipTopic

DEFAULT_QUIET_START = time(22, 0)
DEFAULT_QUIET_END = time(8, 0)


class EducationProfile(BaseModel):
    """A customer's education preferences. Absent means the defaults: quiet hours
    22:00-08:00 local time and normal warning sensitivity (segment SQL coalesces)."""

    customer = models.OneToOneField(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="education_profile",
    )
    quiet_start = models.TimeField(_("quiet hours start"), default=DEFAULT_QUIET_START)
    quiet_end = models.TimeField(
        _("quiet hours end"),
        default=DEFAULT_QUIET_END,
        help_text=_("Local time in the customer's time zone; equal start and end: none."),
    )
    sensitivity_raised_until = models.DateTimeField(
        _("warning sensitivity raised until"),
        null=True,
        blank=True,
        help_text=_("Until then warnings use lower thresholds and no cooldown."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("education profile")
        verbose_name_plural = _("education profiles")

    def __str__(self) -> str:
        return str(self.customer)


class OptOutKind(models.TextChoices):
    CHANNEL = "channel", _("Channel")
    TOPIC = "topic", _("Topic")


class EducationOptOut(BaseModel):
    """The customer does not want education on a channel, or about a topic."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=OptOutKind.choices)
    value = models.CharField(
        _("channel or topic"),
        max_length=32,
        choices=[*NotificationChannel.choices, *TipTopic.choices],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("education opt-out")
        verbose_name_plural = _("education opt-outs")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind", "value"], name="optout_unique_customer_kind_value"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.kind}:{self.value}"


class ComplaintCategory(models.TextChoices):
    """The complaint categories of the complaints app, by value."""

    FUNDS_NOT_RECEIVED = "funds_not_received", _("Funds not received")
    DUPLICATE_CHARGE = "duplicate_charge", _("Duplicate charge")
    WRONG_AMOUNT = "wrong_amount", _("Wrong amount")
    TRANSFER_DELAY = "transfer_delay", _("Transfer delay")
    TRANSACTION_FAILURE = "transaction_failure", _("Transaction failure")
    BALANCE_ERROR = "balance_error", _("Balance error")
    ACCOUNT_FROZEN = "account_frozen", _("Account frozen")
    ACCOUNT_SECURITY = "account_security", _("Account security")
    LOGIN_PASSWORD = "login_password", _("Login or payment password")
    SERVICE_DELAY = "service_delay", _("Service delay")
    OTHER = "other", _("Other")


class ComplaintRootCause(models.TextChoices):
    """The root causes of the complaints app, by value."""

    CUSTOMER = "customer", _("Customer")
    MERCHANT = "merchant", _("Merchant")
    BANK_CHANNEL = "bank_channel", _("Bank or clearing channel")
    THIRD_PARTY = "third_party", _("Third party")
    OWN_SYSTEM = "own_system", _("Our own system")
    FRAUD = "fraud", _("Fraud")
    UNDETERMINED = "undetermined", _("Undetermined")


class Segment(BaseModel):
    """An audience: every criterion set must hold (AND); none set means everyone.
    Evaluated in SQL when a campaign runs, so membership is always current."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    registered_within_days = models.PositiveIntegerField(
        _("registered within (days)"), null=True, blank=True
    )
    complaint_category = models.CharField(
        _("complaint category"), max_length=32, choices=ComplaintCategory.choices, blank=True
    )
    complaint_root_cause = models.CharField(
        _("complaint root cause"), max_length=32, choices=ComplaintRootCause.choices, blank=True
    )
    complaint_within_days = models.PositiveIntegerField(
        _("complaint within (days)"),
        null=True,
        blank=True,
        help_text=_("With a complaint category or root cause: how recent the complaint is."),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=ContentLanguage.choices, blank=True
    )
    not_read_topic = models.CharField(
        _("has not read the topic"), max_length=32, choices=TipTopic.choices, blank=True
    )
    vulnerable_only = models.BooleanField(_("vulnerable customers only"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(complaint_within_days__isnull=True)
                | ~Q(complaint_category="")
                | ~Q(complaint_root_cause=""),
                name="segment_complaint_days_needs_cause",
            )
        ]

    def __str__(self) -> str:
        return self.name


class FrequencyCap(BaseModel):
    """At most `max_messages` education messages per customer in `window_days`, across all
    campaigns and channels (in-app included). Every active cap applies."""

    max_messages = models.PositiveSmallIntegerField(_("maximum messages"))
    window_days = models.PositiveSmallIntegerField(_("window (days)"))
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("frequency cap")
        verbose_name_plural = _("frequency caps")
        constraints = [
            models.CheckConstraint(condition=Q(window_days__gt=0), name="cap_window_positive")
        ]

    def __str__(self) -> str:
        return _("%(n)d per %(days)d days") % {"n": self.max_messages, "days": self.window_days}
