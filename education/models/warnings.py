"""Scenario warnings shown in the payment flow, and the append-only log of what each
customer was shown and what they did next."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from backoffice.core.models import BaseModel
from backoffice.customers.models import Customer

from .content import ContentLanguage, Severity


class Scenario(models.TextChoices):
    LARGE_PAYMENT = "large_payment", _("Large payment")
    PUBLIC_WIFI = "public_wifi", _("Public Wi-Fi")
    PASSWORD_ENTRY = "password_entry", _("Password entry")
    NEW_PAYEE = "new_payee", _("New payee")
    NEW_DEVICE_LOGIN = "new_device_login", _("Login on a new device")
    FIRST_PAYMENT = "first_payment", _("First payment")


class Friction(models.TextChoices):
    """From least to most interruptive; the order matters for escalation."""

    BANNER = "banner", _("Banner")
    INTERSTITIAL = "interstitial", _("Interstitial")
    TYPED_ACK = "typed_ack", _("Typed acknowledgement")
    COOLING_OFF = "cooling_off", _("Cooling-off hold")


FRICTION_ORDER = [f.value for f in Friction]


class NetworkType(models.TextChoices):
    PUBLIC_WIFI = "public_wifi", _("Public Wi-Fi")
    PRIVATE_WIFI = "private_wifi", _("Private Wi-Fi")
    CELLULAR = "cellular", _("Cellular")
    UNKNOWN = "unknown", _("Unknown")


class WarningRule(BaseModel):
    """When to warn in a scenario and how hard. Every condition set must hold.

    `version` goes up on every change; each decision records the version it applied."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    scenario = models.CharField(_("scenario"), max_length=32, choices=Scenario.choices)
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices, default=Severity.WARNING
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    min_amounts = models.JSONField(
        _("amount thresholds"),
        default=dict,
        blank=True,
        help_text=_('At or above, per currency, e.g. {"CNY": "10000", "USD": "1500"}.'),
    )
    max_account_age_days = models.PositiveIntegerField(
        _("account younger than (days)"), null=True, blank=True
    )
    payee_new_within_days = models.PositiveIntegerField(
        _("payee first seen within (days)"),
        null=True,
        blank=True,
        help_text=_("0: only payees never paid before."),
    )
    network_types = models.JSONField(
        _("network types"), default=list, blank=True, help_text=_('e.g. ["public_wifi"].')
    )
    device_known = models.BooleanField(_("device known"), null=True, blank=True)
    friction = models.CharField(
        _("friction"), max_length=16, choices=Friction.choices, default=Friction.BANNER
    )
    escalate_every = models.PositiveSmallIntegerField(
        _("escalate every (exposures)"),
        null=True,
        blank=True,
        help_text=_("Friction goes one step up after this many exposures of the customer."),
    )
    max_friction = models.CharField(
        _("maximum friction"), max_length=16, choices=Friction.choices, default=Friction.TYPED_ACK
    )
    cooling_off_seconds = models.PositiveIntegerField(_("cooling-off hold (seconds)"), default=0)
    cooldown_minutes = models.PositiveIntegerField(
        _("cooldown (minutes)"),
        default=0,
        help_text=_(
            "Not shown again to a customer within this time of a warning of the same scenario."
        ),
    )
    never_suppress = models.BooleanField(
        _("never suppress"), default=False, help_text=_("Critical: cooldowns do not apply.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("warning rule")
        verbose_name_plural = _("warning rules")
        ordering = ["scenario", "slug"]
        indexes = [models.Index(fields=["scenario", "is_active"], name="rule_scenario_active")]

    def __str__(self) -> str:
        return self.slug


class WarningText(BaseModel):
    rule = models.ForeignKey(
        WarningRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="texts"
    )
    variant = models.PositiveSmallIntegerField(_("variant"), default=0)
    language = models.CharField(_("language"), max_length=8, choices=ContentLanguage.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    ack_phrase = models.CharField(
        _("acknowledgement phrase"),
        max_length=120,
        blank=True,
        help_text=_("What the customer types for a typed acknowledgement."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("warning text")
        verbose_name_plural = _("warning texts")
        ordering = ["rule", "variant", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "variant", "language"], name="warningtext_unique_variant_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} #{self.variant} {self.language}"


class WarningExposure(models.Model):
    """How often a customer has been shown a rule, and when last: drives escalation and
    cooldowns without counting the log on the payment path."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    rule = models.ForeignKey(
        WarningRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="+"
    )
    count = models.PositiveIntegerField(_("times shown"), default=0)
    last_shown_at = models.DateTimeField(_("last shown at"))

    class Meta:
        verbose_name = _("warning exposure")
        verbose_name_plural = _("warning exposures")
        constraints = [models.UniqueConstraint(fields=["customer", "rule"], name="exposure_unique")]

    def __str__(self) -> str:
        return f"{self.customer_id}:{self.rule_id} x{self.count}"


class AppendOnly(models.Model):
    """Evidence rows: written once, never changed."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)


class WarningDecision(AppendOnly):
    """One evaluation: the context the app sent and whether any warning was suppressed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    scenario = models.CharField(_("scenario"), max_length=32, choices=Scenario.choices)
    request_id = models.CharField(_("request id"), max_length=64)
    context = models.JSONField(_("context"), default=dict)
    rules_version = models.CharField(_("rules bundle version"), max_length=64)
    sensitivity_raised = models.BooleanField(_("sensitivity raised"), default=False)
    suppressed = models.JSONField(
        _("suppressed"), default=list, help_text=_("Rules that matched but were not shown.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("warning decision")
        verbose_name_plural = _("warning decisions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "request_id"], name="decision_unique_request"
            )
        ]

    def __str__(self) -> str:
        return str(self.id)


class WarningShown(AppendOnly):
    """Exactly what one warning looked like to the customer."""

    decision = models.ForeignKey(
        WarningDecision, verbose_name=_("decision"), on_delete=models.PROTECT, related_name="shown"
    )
    rule = models.ForeignKey(
        WarningRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="shown"
    )
    rule_version = models.PositiveIntegerField(_("rule version"))
    variant = models.PositiveSmallIntegerField(_("variant"))
    language = models.CharField(_("language"), max_length=8)
    exposure_number = models.PositiveIntegerField(_("exposure number"))
    friction = models.CharField(_("friction"), max_length=16, choices=Friction.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))

    class Meta:
        verbose_name = _("warning shown")
        verbose_name_plural = _("warnings shown")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.decision_id} {self.rule_id} #{self.exposure_number}"


class Outcome(models.TextChoices):
    PROCEEDED = "proceeded", _("Proceeded")
    CANCELLED = "cancelled", _("Cancelled")
    EDITED = "edited", _("Edited")


class WarningOutcome(AppendOnly):
    """What the customer did after the warnings of a decision; recorded once."""

    decision = models.OneToOneField(
        WarningDecision,
        verbose_name=_("decision"),
        on_delete=models.PROTECT,
        related_name="outcome",
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("warning outcome")
        verbose_name_plural = _("warning outcomes")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["proceeded", "cancelled", "edited"]),
                name="outcome_known",
            )
        ]

    def __str__(self) -> str:
        return f"{self.decision_id} {self.outcome}"
