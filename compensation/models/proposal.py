"""A compensation proposal for one complaint: lines computed by the policy (each with its
immutable trace), approvals (maker-checker), budget reservations, and execution state."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from backoffice.core.models import BaseModel
from backoffice.core.money import CURRENCY_CHOICES
from backoffice.customers.models import Customer, PaymentTransaction, amount_field
from complaints.models import Complaint

from .policy import (
    ROLE_CHOICES,
    ApprovalTier,
    CompensationRule,
    GrantKind,
    PolicyBudget,
    PolicyVersion,
    RefundBasis,
)


class ProposalState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    APPROVED = "approved", _("Approved")
    EXECUTING = "executing", _("Executing")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    UNKNOWN = "unknown", _("Outcome unknown")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


P = ProposalState
# Until one of these is left, the complaint's resolution notice waits and no second
# proposal can be opened for the complaint.
OPEN_PROPOSAL_STATES = (P.DRAFT, P.PENDING_APPROVAL, P.APPROVED, P.EXECUTING, P.UNKNOWN)
# Money promised or paid: counts against caps, windows and refundable remainders.
COMMITTED_PROPOSAL_STATES = (P.APPROVED, P.EXECUTING, P.SUCCEEDED, P.UNKNOWN, P.FAILED)


class CompensationProposal(BaseModel):
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="compensation_proposals",
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="compensation_proposals",
    )
    policy_version = models.ForeignKey(
        PolicyVersion,
        verbose_name=_("policy version"),
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    total_amount = amount_field(_("total"), default=0)
    state = FSMField(
        _("state"),
        max_length=20,
        choices=ProposalState.choices,
        default=ProposalState.DRAFT,
        protected=True,
        db_index=True,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    tier = models.ForeignKey(
        ApprovalTier,
        verbose_name=_("approval tier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approvals_required = models.PositiveSmallIntegerField(_("approvals required"), default=1)
    minimum_role = models.CharField(
        _("minimum approver role"), max_length=16, choices=ROLE_CHOICES, default="supervisor"
    )
    auto_approved = models.BooleanField(_("auto-approved"), default=False)
    evaluation = models.JSONField(
        _("rule evaluation"),
        default=list,
        help_text=_("Every rule of the version and whether its conditions held."),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rejected or withdrawn by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    history = HistoricalRecords(excluded_fields=["evaluation"])

    class Meta:
        verbose_name = _("compensation proposal")
        verbose_name_plural = _("compensation proposals")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("approve_compensationproposal", _("Can approve or reject compensation")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"],
                condition=models.Q(state__in=[s.value for s in OPEN_PROPOSAL_STATES]),
                name="compensation_one_open_proposal_per_complaint",
            ),
            models.CheckConstraint(
                condition=models.Q(total_amount__gte=0), name="compensation_total_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.complaint.reference if self.complaint_id else ''}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_PROPOSAL_STATES

    # --- transitions (pure) ---------------------------------------------------------
    @transition(field=state, source=P.DRAFT, target=P.PENDING_APPROVAL)
    def submit(self, *, at) -> None:
        """The proposer asks for approval."""
        self.submitted_at = at

    @transition(field=state, source=P.PENDING_APPROVAL, target=P.APPROVED)
    def approve(self, *, at, auto: bool = False) -> None:
        """The last approval required was given (or the tier needs none)."""
        self.approved_at = at
        self.auto_approved = auto

    @transition(field=state, source=P.PENDING_APPROVAL, target=P.REJECTED)
    def reject(self, *, by, reason: str, at) -> None:
        self.decided_by, self.decision_reason, self.finished_at = by, reason, at

    @transition(field=state, source=[P.DRAFT, P.PENDING_APPROVAL], target=P.WITHDRAWN)
    def withdraw(self, *, by, reason: str, at) -> None:
        self.decided_by, self.decision_reason, self.finished_at = by, reason, at

    @transition(field=state, source=[P.DRAFT, P.PENDING_APPROVAL], target=P.EXPIRED)
    def expire(self, *, at) -> None:
        """Not decided in time: a fresh quote is needed."""
        self.finished_at = at

    @transition(field=state, source=P.APPROVED, target=P.EXECUTING)
    def start_execution(self) -> None:
        """Every line has its idempotency key; the payouts happen after commit."""

    @transition(field=state, source=P.EXECUTING, target=P.SUCCEEDED)
    def succeed(self, *, at) -> None:
        self.finished_at = at

    @transition(field=state, source=P.EXECUTING, target=P.FAILED)
    def fail(self, *, at) -> None:
        self.finished_at = at

    @transition(field=state, source=P.EXECUTING, target=P.UNKNOWN)
    def mark_unknown(self) -> None:
        """A payout timed out or the gateway failed: reconciliation settles it."""

    @transition(field=state, source=P.UNKNOWN, target=P.SUCCEEDED)
    def reconcile_succeeded(self, *, at) -> None:
        self.finished_at = at

    @transition(field=state, source=P.UNKNOWN, target=P.FAILED)
    def reconcile_failed(self, *, at) -> None:
        self.finished_at = at


class LineStatus(models.TextChoices):
    PENDING = "pending", _("Not executed yet")
    EXECUTING = "executing", _("Executing")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    UNKNOWN = "unknown", _("Outcome unknown")


L = LineStatus


class ProposalLine(BaseModel):
    """One thing granted. `trace` is written once, at the quote, and never changed: the
    rule and version, the inputs, each condition, each cap and the rounding."""

    proposal = models.ForeignKey(
        CompensationProposal,
        verbose_name=_("proposal"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    rule = models.ForeignKey(
        CompensationRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=GrantKind.choices)
    refund_basis = models.CharField(
        _("refund basis"), max_length=32, choices=RefundBasis.choices, blank=True
    )
    transaction = models.ForeignKey(
        PaymentTransaction,
        verbose_name=_("original transaction"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="compensation_lines",
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    computed_amount = amount_field(_("computed amount"))
    amount = amount_field(_("amount"))
    lower_bound = amount_field(_("lowest allowed"))
    upper_bound = amount_field(_("highest allowed"))
    is_goodwill = models.BooleanField(_("goodwill"), default=False)
    auto_approve = models.BooleanField(_("may be auto-approved"), default=False)
    trace = models.JSONField(_("trace"), default=dict, editable=False)
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("adjusted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    adjustment_reason = models.TextField(_("adjustment reason"), blank=True)
    status = FSMField(
        _("status"),
        max_length=16,
        choices=LineStatus.choices,
        default=LineStatus.PENDING,
        protected=True,
        db_index=True,
    )
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=64, null=True, blank=True, unique=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    gateway_reference = models.CharField(_("gateway reference"), max_length=100, blank=True)
    account_credited = models.CharField(_("account credited"), max_length=100, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["trace"])

    class Meta:
        verbose_name = _("proposal line")
        verbose_name_plural = _("proposal lines")
        ordering = ["proposal", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="compensation_line_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=models.F("lower_bound"))
                & models.Q(amount__lte=models.F("upper_bound")),
                name="compensation_line_within_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.currency} {self.amount}"

    @property
    def covers_fee(self) -> bool:
        return self.refund_basis == RefundBasis.TRANSACTION_FEE

    @transition(field=status, source=L.PENDING, target=L.EXECUTING)
    def start(self, *, key: str) -> None:
        """The key is committed with this state before any gateway call."""
        self.idempotency_key = key

    @transition(field=status, source=[L.EXECUTING, L.UNKNOWN], target=L.SUCCEEDED)
    def succeed(self, *, reference: str, account: str, at) -> None:
        self.gateway_reference, self.account_credited = reference, account
        self.settled_at, self.last_error = at, ""

    @transition(field=status, source=[L.EXECUTING, L.UNKNOWN], target=L.FAILED)
    def fail(self, *, error: str, at) -> None:
        self.last_error, self.settled_at = error[:500], at

    @transition(field=status, source=[L.EXECUTING, L.UNKNOWN], target=L.UNKNOWN)
    def mark_unknown(self, *, error: str) -> None:
        self.last_error = error[:500]


class ProposalApproval(BaseModel):
    """One person's approval. An amount change clears the current approvals (they stay as
    history with `cleared_at`); one person approves a proposal once per round."""

    proposal = models.ForeignKey(
        CompensationProposal,
        verbose_name=_("proposal"),
        on_delete=models.CASCADE,
        related_name="approvals",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=16, choices=ROLE_CHOICES)
    comment = models.TextField(_("comment"), blank=True)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["proposal", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "approver"],
                condition=models.Q(cleared_at__isnull=True),
                name="compensation_approve_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} ✓ {self.approver}"


class ReservationStatus(models.TextChoices):
    HELD = "held", _("Held")
    CONSUMED = "consumed", _("Paid out")
    RELEASED = "released", _("Released")


class BudgetReservation(BaseModel):
    """A line's share of its policy's monthly budget: held at approval, consumed when
    paid, released when the payout fails."""

    budget = models.ForeignKey(
        PolicyBudget,
        verbose_name=_("budget"),
        on_delete=models.PROTECT,
        related_name="reservations",
    )
    line = models.OneToOneField(
        ProposalLine,
        verbose_name=_("line"),
        on_delete=models.PROTECT,
        related_name="reservation",
    )
    month = models.DateField(_("month"))
    amount = amount_field(_("amount"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ReservationStatus.choices,
        default=ReservationStatus.HELD,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("budget reservation")
        verbose_name_plural = _("budget reservations")
        ordering = ["-month", "budget"]
        indexes = [models.Index(fields=["budget", "month", "status"])]

    def __str__(self) -> str:
        return f"{self.budget} {self.month:%Y-%m} {self.amount} ({self.status})"
