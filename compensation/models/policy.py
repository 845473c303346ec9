"""Compensation policies as data: a policy has versions (draft → pending approval → active
→ retired); a version holds ordered rules, per-currency caps, and the policy has a monthly
budget per currency. Approval tiers decide who must approve a proposal of a given size."""

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from backoffice.core.models import BaseModel
from backoffice.core.money import CURRENCY_CHOICES
from backoffice.customers.models import amount_field
from complaints.models import ComplaintCategory, FindingKind, RootCause, SlaClock


class CompensationPolicy(BaseModel):
    """A named policy; what it grants lives in its versions, only one of them active."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(
        _("default policy"), default=False, help_text=_("Used when a quote names no policy.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("compensation policy")
        verbose_name_plural = _("compensation policies")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="compensation_one_default_policy",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PolicyBudget(BaseModel):
    """The most a policy may grant per calendar month in one currency. Approvals lock this
    row, so two approvals at once can never together exceed it."""

    policy = models.ForeignKey(
        CompensationPolicy,
        verbose_name=_("policy"),
        on_delete=models.CASCADE,
        related_name="budgets",
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    monthly_limit = amount_field(_("monthly limit"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("monthly budget")
        verbose_name_plural = _("monthly budgets")
        ordering = ["policy", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "currency"], name="compensation_budget_per_currency"
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_limit__gte=0), name="compensation_budget_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} {self.currency}"


class VersionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class PolicyVersion(BaseModel):
    """One edition of a policy's rules. Editable only as a draft; active only once a
    manager other than its author approved it."""

    policy = models.ForeignKey(
        CompensationPolicy,
        verbose_name=_("policy"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("version"))
    notes = models.TextField(_("what changed"), blank=True)
    goodwill_window_days = models.PositiveSmallIntegerField(
        _("goodwill window (days)"),
        default=30,
        help_text=_("Goodwill (coupons, fee waivers) per customer is limited over this window."),
    )
    state = FSMField(
        _("state"),
        max_length=20,
        choices=VersionState.choices,
        default=VersionState.DRAFT,
        protected=True,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "number"], name="compensation_version_number"
            ),
            models.UniqueConstraint(
                fields=["policy"],
                condition=models.Q(state="active"),
                name="compensation_one_active_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} v{self.number}"

    @transition(field=state, source=VersionState.DRAFT, target=VersionState.PENDING_APPROVAL)
    def submit(self, *, at) -> None:
        """The author asks a manager to approve the version."""
        self.submitted_at = at

    @transition(field=state, source=VersionState.PENDING_APPROVAL, target=VersionState.DRAFT)
    def return_to_draft(self) -> None:
        """Sent back for changes."""
        self.submitted_at = None

    @transition(field=state, source=VersionState.PENDING_APPROVAL, target=VersionState.ACTIVE)
    def activate(self, *, by, at) -> None:
        """Approved: the version's rules apply to new quotes from now on."""
        self.approved_by = by
        self.activated_at = at

    @transition(field=state, source=VersionState.ACTIVE, target=VersionState.RETIRED)
    def retire(self, *, at) -> None:
        """A newer version took over."""
        self.retired_at = at


class CurrencyLimit(models.Model):
    """Per-currency caps of a version: per complaint, and goodwill per customer over the
    version's rolling window."""

    version = models.ForeignKey(
        PolicyVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="limits",
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    per_complaint_cap = amount_field(_("cap per complaint"))
    goodwill_window_limit = amount_field(_("goodwill limit per customer and window"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("currency limit")
        verbose_name_plural = _("currency limits")
        ordering = ["currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "currency"], name="compensation_limit_per_currency"
            ),
            models.CheckConstraint(
                condition=models.Q(per_complaint_cap__gte=0, goodwill_window_limit__gte=0),
                name="compensation_limits_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.currency}"


class GrantKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    FEE_WAIVER = "fee_waiver", _("Fee waiver")
    COUPON = "coupon", _("Coupon")


class RefundBasis(models.TextChoices):
    DUPLICATE_AMOUNT = "duplicate_amount", _("Duplicate amount")
    OVERCHARGE_DIFFERENCE = "overcharge_difference", _("Overcharge difference")
    DISPUTED_AMOUNT = "disputed_amount", _("Disputed amount")
    TRANSACTION_FEE = "transaction_fee", _("Transaction fee")
    FIXED = "fixed", _("Fixed amount")


class Rounding(models.TextChoices):
    HALF_UP = ROUND_HALF_UP, _("Half up")
    HALF_EVEN = ROUND_HALF_EVEN, _("Half even (banker's)")
    DOWN = ROUND_DOWN, _("Down (towards zero)")
    UP = ROUND_UP, _("Up (away from zero)")
    FLOOR = ROUND_FLOOR, _("Floor")
    CEILING = ROUND_CEILING, _("Ceiling")


class FaultCondition(models.TextChoices):
    ANY = "any", _("Either")
    AT_FAULT = "yes", _("Customer at fault")
    NOT_AT_FAULT = "no", _("Customer not at fault")


class CompensationRule(models.Model):
    """If the complaint's facts match every condition set here, grant one thing. Blank
    conditions match anything. Amounts are in `currency`; a rule with a currency only
    matches complaints in that currency."""

    version = models.ForeignKey(
        PolicyVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="rules"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=200)
    # Conditions.
    category = models.CharField(
        _("category"), max_length=32, choices=ComplaintCategory.choices, blank=True
    )
    root_cause = models.CharField(
        _("root cause"), max_length=16, choices=RootCause.choices, blank=True
    )
    finding_kind = models.CharField(
        _("confirmed finding"), max_length=32, choices=FindingKind.choices, blank=True
    )
    breached_clock = models.CharField(
        _("breached SLA clock"), max_length=32, choices=SlaClock.choices, blank=True
    )
    min_escalation_level = models.PositiveSmallIntegerField(
        _("minimum escalation level"), null=True, blank=True
    )
    customer_at_fault = models.CharField(
        _("customer at fault"),
        max_length=3,
        choices=FaultCondition.choices,
        default=FaultCondition.NOT_AT_FAULT,
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, blank=True)
    # What it grants.
    kind = models.CharField(_("grants"), max_length=16, choices=GrantKind.choices)
    refund_basis = models.CharField(
        _("refund basis"), max_length=32, choices=RefundBasis.choices, blank=True
    )
    percentage = models.DecimalField(_("percentage"), max_digits=6, decimal_places=2, default=100)
    fixed_amount = amount_field(_("fixed amount"), null=True, blank=True)
    min_amount = amount_field(_("minimum"), null=True, blank=True)
    max_amount = amount_field(
        _("maximum"),
        null=True,
        blank=True,
        help_text=_("Also the largest discount of a percent-off coupon."),
    )
    waiver_transaction_count = models.PositiveSmallIntegerField(
        _("fee waiver: next N transactions"), null=True, blank=True
    )
    waiver_days = models.PositiveSmallIntegerField(_("fee waiver: days"), null=True, blank=True)
    waiver_transaction_types = models.JSONField(
        _("fee waiver: transaction types"),
        default=list,
        blank=True,
        help_text=_("Empty means every type."),
    )
    coupon_amount_off = amount_field(_("coupon: amount off"), null=True, blank=True)
    coupon_percent_off = models.DecimalField(
        _("coupon: percent off"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    coupon_min_spend = amount_field(_("coupon: minimum spend"), default=0)
    coupon_validity_days = models.PositiveSmallIntegerField(
        _("coupon: valid for (days)"), null=True, blank=True
    )
    rounding = models.CharField(_("rounding"), max_length=16, choices=Rounding.choices)
    is_goodwill = models.BooleanField(
        _("goodwill"),
        default=False,
        help_text=_(
            "Counts against the customer's goodwill limit (coupons and waivers always do)."
        ),
    )
    auto_approve = models.BooleanField(
        _("may be auto-approved"),
        default=False,
        help_text=_("Small amounts need no approval if every line of the proposal allows it."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["version", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="compensation_rule_order"),
            models.CheckConstraint(
                condition=models.Q(percentage__gt=0, percentage__lte=100),
                name="compensation_rule_percentage_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="refund") | ~models.Q(refund_basis=""),
                name="compensation_refund_needs_basis",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="refund") | ~models.Q(currency=""),
                name="compensation_grant_needs_currency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    def clean(self) -> None:
        """What each kind of grant needs, so a rule can always be evaluated."""
        errors = {}
        if self.kind == GrantKind.REFUND:
            if not self.refund_basis:
                errors["refund_basis"] = _("A refund needs a basis.")
            elif self.refund_basis == RefundBasis.FIXED and not self.fixed_amount:
                errors["fixed_amount"] = _("A fixed refund needs its amount.")
            if (self.fixed_amount or self.min_amount or self.max_amount) and not self.currency:
                errors["currency"] = _("Amounts need a currency.")
        elif self.kind == GrantKind.FEE_WAIVER:
            if not self.max_amount:
                errors["max_amount"] = _("A fee waiver needs the maximum total waived.")
            if not (self.waiver_transaction_count or self.waiver_days):
                errors["waiver_days"] = _("Give a number of transactions or of days.")
        elif self.kind == GrantKind.COUPON:
            if bool(self.coupon_amount_off) == bool(self.coupon_percent_off):
                errors["coupon_amount_off"] = _("Give either an amount off or a percent off.")
            if self.coupon_percent_off and not self.max_amount:
                errors["max_amount"] = _("A percent-off coupon needs its largest discount.")
        if errors:
            raise ValidationError(errors)

    @property
    def counts_as_goodwill(self) -> bool:
        return self.kind != GrantKind.REFUND or self.is_goodwill


ROLE_CHOICES = [("agent", _("Agent")), ("supervisor", _("Supervisor")), ("manager", _("Manager"))]
ROLE_RANK = {"agent": 1, "supervisor": 2, "manager": 3}


class ApprovalTier(BaseModel):
    """Proposals in `currency` with a total up to `up_to` (inclusive; blank: no upper
    bound) need `approvals_required` distinct approvers of at least `minimum_role`. The
    smallest matching tier applies; zero approvals means auto-approval when every rule of
    the proposal allows it."""

    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    up_to = amount_field(_("up to (inclusive)"), null=True, blank=True)
    approvals_required = models.PositiveSmallIntegerField(_("approvals required"), default=1)
    minimum_role = models.CharField(
        _("minimum role"), max_length=16, choices=ROLE_CHOICES, default="supervisor"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("approval tier")
        verbose_name_plural = _("approval tiers")
        ordering = ["currency", models.F("up_to").asc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(fields=["currency", "up_to"], name="compensation_tier_bound"),
            models.UniqueConstraint(
                fields=["currency"],
                condition=models.Q(up_to__isnull=True),
                name="compensation_one_open_tier",
            ),
        ]

    def __str__(self) -> str:
        bound = self.up_to if self.up_to is not None else "∞"
        return f"{self.currency} ≤ {bound}: {self.approvals_required} x {self.minimum_role}"
