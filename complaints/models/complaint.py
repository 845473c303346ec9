"""The complaint and its state machine. Transitions are pure: guards and field changes,
no I/O and no save; the services around them lock, check permissions, save and audit."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from backoffice.core.models import BaseModel
from backoffice.core.money import CURRENCY_CHOICES
from backoffice.customers.models import Customer, PaymentTransaction, amount_field

from .. import exceptions
from ..conf import setting
from ..permissions import Action, transition_permission
from .config import RegulatoryRegime

# No look-alikes (0/O, 1/I/L, U/V): references are read out on the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"


def new_reference(now=None) -> str:
    now = now or timezone.now()
    suffix = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"CMP-{timezone.localtime(now):%Y%m%d}-{suffix}"


# Bookkeeping for the sweeps and for retries, not facts about the complaint: the
# follow-up's own steps (findings, assignment, message) leave their history rows and
# events. Kept by name: a complaint filed through the API gets its first history row from
# the intake follow-up, dated when it was filed (`complaint_intake_record`).
COMPLAINT_HISTORY = HistoricalRecords(
    excluded_fields=[
        "sla_check_at",
        "sla_warned_due_at",
        "intake_followup_pending",
        "intake_followup_attempts",
        "idempotency_key",
        "request_hash",
    ]
)


class ComplaintChannel(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    ONLINE_CHAT = "online_chat", _("Online chat")
    IN_APP = "in_app", _("In-app")
    EMAIL = "email", _("E-mail")
    OTHER = "other", _("Other")


class ComplaintCategory(models.TextChoices):
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


class RootCause(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    MERCHANT = "merchant", _("Merchant")
    BANK_CHANNEL = "bank_channel", _("Bank or clearing channel")
    THIRD_PARTY = "third_party", _("Third party")
    OWN_SYSTEM = "own_system", _("Our own system")
    FRAUD = "fraud", _("Fraud")
    UNDETERMINED = "undetermined", _("Undetermined")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Complexity(models.TextChoices):
    SIMPLE = "simple", _("Simple")
    COMPLEX = "complex", _("Complex")


class EscalationLevel(models.IntegerChoices):
    FRONT_LINE = 0, _("Front line")
    SUPERVISOR = 1, _("Supervisor")
    MANAGER = 2, _("Manager or special team")


class IdentityMethod(models.TextChoices):
    ONE_TIME_CODE = "one_time_code", _("One-time code")
    ID_DOCUMENT = "id_document", _("ID document")
    BOUND_PHONE = "bound_phone", _("Bound phone number")


class ComplaintState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Investigating")
    AWAITING_CUSTOMER_INFO = "awaiting_customer_info", _("Waiting for your information")
    RESOLUTION_PROPOSED = "resolution_proposed", _("Resolution proposed")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Waiting for your confirmation")
    CLOSED = "closed", _("Closed")
    ESCALATED = "escalated", _("Escalated")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = ComplaintState
TERMINAL_STATES = (S.CLOSED, S.REJECTED, S.WITHDRAWN)
OPEN_STATES = tuple(s for s in S if s not in TERMINAL_STATES)
ESCALATABLE_STATES = (
    S.ACKNOWLEDGED,
    S.INVESTIGATING,
    S.AWAITING_CUSTOMER_INFO,
    S.RESOLUTION_PROPOSED,
)
CLOCKS = ("acknowledge", "first_response", "progress_update", "statutory")


# Guards: pure predicates; each names the error the service raises when it fails.
def identity_verified(complaint: "Complaint") -> bool:
    return complaint.identity_verified_at is not None


def root_cause_set(complaint: "Complaint") -> bool:
    return bool(complaint.root_cause)


def resolution_summary_set(complaint: "Complaint") -> bool:
    return bool(complaint.resolution_summary.strip())


def resolution_notice_sent(complaint: "Complaint") -> bool:
    return complaint.resolution_notice_sent_at is not None


def within_reopen_window(complaint: "Complaint") -> bool:
    window = timedelta(days=setting("COMPLAINT_REOPEN_DAYS"))
    return complaint.closed_at is not None and timezone.now() - complaint.closed_at <= window


def below_top_level(complaint: "Complaint") -> bool:
    return complaint.escalation_level < EscalationLevel.MANAGER


identity_verified.error = exceptions.IdentityNotVerified
root_cause_set.error = exceptions.RootCauseMissing
resolution_summary_set.error = exceptions.ResolutionSummaryMissing
resolution_notice_sent.error = exceptions.ResolutionNoticeNotSent
within_reopen_window.error = exceptions.ReopenWindowPassed
below_top_level.error = exceptions.EscalationLimitReached


class Complaint(ConcurrentTransitionMixin, BaseModel):
    reference = models.CharField(_("reference"), max_length=32, unique=True, editable=False)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="complaints"
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=ComplaintChannel.choices, default="in_app"
    )
    category = models.CharField(_("category"), max_length=32, choices=ComplaintCategory.choices)
    description = models.TextField(_("description"))
    amount = amount_field(_("amount involved"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    transactions = models.ManyToManyField(
        PaymentTransaction,
        verbose_name=_("transactions"),
        related_name="complaints",
        blank=True,
    )
    raw_transaction_refs = models.JSONField(
        _("transaction references not yet known"), default=list, blank=True
    )
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    complexity = models.CharField(
        _("complexity"), max_length=16, choices=Complexity.choices, default=Complexity.SIMPLE
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_complaints",
    )
    first_responder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first responder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="first_responded_complaints",
    )
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=EscalationLevel.choices, default=0
    )
    escalation_reason = models.TextField(_("escalation reason"), blank=True)
    initial_plan = models.TextField(_("initial judgement and plan"), blank=True)
    follow_up_plan = models.TextField(_("follow-up plan after escalation"), blank=True)
    root_cause = models.CharField(
        _("root cause"), max_length=16, choices=RootCause.choices, blank=True
    )
    customer_at_fault = models.BooleanField(_("customer at fault"), default=False)
    resolution_summary = models.TextField(_("resolution summary"), blank=True)
    follow_up_advice = models.TextField(_("follow-up advice"), blank=True)
    identity_verified_at = models.DateTimeField(_("identity verified at"), null=True, blank=True)
    identity_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("identity verified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    identity_verification_method = models.CharField(
        _("identity verification method"),
        max_length=16,
        choices=IdentityMethod.choices,
        blank=True,
    )
    satisfaction_score = models.PositiveSmallIntegerField(
        _("satisfaction score"), null=True, blank=True
    )
    satisfaction_reason = models.TextField(_("satisfaction comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    regime = models.ForeignKey(
        RegulatoryRegime,
        verbose_name=_("regulatory regime"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    state = FSMField(
        _("state"),
        max_length=32,
        choices=ComplaintState.choices,
        default=ComplaintState.SUBMITTED,
        protected=True,
        db_index=True,
    )
    # Milestones.
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("initial judgement at"), null=True, blank=True)
    resolution_notice_sent_at = models.DateTimeField(
        _("resolution notice sent at"), null=True, blank=True, db_index=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # SLA clocks: a null deadline is a clock that is met or not running.
    acknowledge_due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    first_response_due_at = models.DateTimeField(_("initial judgement by"), null=True, blank=True)
    progress_update_due_at = models.DateTimeField(
        _("next progress update by"), null=True, blank=True
    )
    statutory_due_at = models.DateTimeField(_("final response by"), null=True, blank=True)
    statutory_extended_at = models.DateTimeField(_("holding reply sent at"), null=True, blank=True)
    sla_paused_at = models.DateTimeField(_("clocks paused since"), null=True, blank=True)
    next_sla_due_at = models.DateTimeField(_("next deadline"), null=True, blank=True, db_index=True)
    sla_check_at = models.DateTimeField(
        _("next SLA check"),
        null=True,
        blank=True,
        help_text=_("When the sweep looks at this complaint next (warning or breach)."),
    )
    sla_warned_due_at = models.DateTimeField(_("warned for deadline"), null=True, blank=True)
    intake_followup_pending = models.BooleanField(
        _("intake follow-up pending"),
        default=False,
        help_text=_(
            "Filed through the API: transaction checks, assignment and the acknowledgement "
            "message run in a task right after filing (and by a sweep should it be missed)."
        ),
    )
    intake_followup_attempts = models.PositiveSmallIntegerField(
        _("failed intake follow-up attempts"),
        default=0,
        help_text=_(
            "Runs of the follow-up that failed; after five the sweep stops and a supervisor "
            "is alerted to handle the complaint by hand."
        ),
    )
    idempotency_key = models.CharField(
        _("idempotency key"),
        max_length=200,
        blank=True,
        default="",
        editable=False,
        help_text=_("The app's Idempotency-Key for this filing: a retry gets this complaint."),
    )
    request_hash = models.CharField(
        _("request hash"), max_length=64, blank=True, default="", editable=False
    )
    history = COMPLAINT_HISTORY

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["sla_check_at"],
                name="complaint_sla_check_idx",
                condition=models.Q(sla_check_at__isnull=False),
            ),
            models.Index(
                fields=["resolution_notice_sent_at"],
                name="complaint_awaiting_answer_idx",
                condition=models.Q(state="awaiting_confirmation"),
            ),
            models.Index(fields=["owner", "state"], name="complaint_owner_state_idx"),
            # The admin list filtered by state, in its default order (newest first).
            models.Index(
                fields=["state", "-created_at", "-id"], name="complaint_state_created_idx"
            ),
            models.Index(fields=["customer", "created_at"], name="complaint_customer_idx"),
            models.Index(
                fields=["created_at"],
                name="complaint_followup_due_idx",
                condition=models.Q(intake_followup_pending=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="complaint_idempotency_once",
            ),
            models.CheckConstraint(
                condition=models.Q(escalation_level__gte=0, escalation_level__lte=2),
                name="complaint_escalation_level_range",
            ),
            models.CheckConstraint(
                condition=models.Q(satisfaction_score__isnull=True)
                | models.Q(satisfaction_score__gte=1, satisfaction_score__lte=5),
                name="complaint_satisfaction_range",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True)
                | (models.Q(amount__gt=0) & ~models.Q(currency="")),
                name="complaint_amount_positive_with_currency",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state not in TERMINAL_STATES

    def clock_deadlines(self) -> dict[str, object]:
        return {clock: getattr(self, f"{clock}_due_at") for clock in CLOCKS}

    # --- transitions ------------------------------------------------------------------
    @transition(
        field=state,
        source=S.SUBMITTED,
        target=S.ACKNOWLEDGED,
        permission=transition_permission(Action.ACKNOWLEDGE),
    )
    def acknowledge(self, *, by, at) -> None:
        """The acknowledging agent becomes the owner and the first responder (首問負責制)."""
        self.owner = by
        self.first_responder = by
        self.acknowledged_at = at
        self.acknowledge_due_at = None

    @transition(
        field=state,
        source=[S.ACKNOWLEDGED, S.ESCALATED],
        target=S.INVESTIGATING,
        permission=transition_permission(Action.START_INVESTIGATION),
    )
    def start_investigation(self, *, plan: str, at) -> None:
        """The initial judgement and plan, or after an escalation the follow-up plan."""
        if self.escalation_level > 0 and self.acknowledged_at is not None:
            self.follow_up_plan = plan
        if not self.initial_plan:
            self.initial_plan = plan
        if self.first_response_at is None:
            self.first_response_at = at
            self.first_response_due_at = None

    @transition(
        field=state,
        source=S.INVESTIGATING,
        target=S.AWAITING_CUSTOMER_INFO,
        permission=transition_permission(Action.REQUEST_INFO),
    )
    def request_info(self, *, at) -> None:
        """The clocks stop while the customer is asked for information."""
        self.sla_paused_at = at

    @transition(
        field=state,
        source=S.AWAITING_CUSTOMER_INFO,
        target=S.INVESTIGATING,
        permission=transition_permission(Action.RESUME_INVESTIGATION),
    )
    def resume_investigation(self, *, at) -> None:
        """The clocks resume; every running deadline moves by the time spent waiting."""
        if self.sla_paused_at is not None:
            self.resume_clocks(at)

    @transition(
        field=state,
        source=S.INVESTIGATING,
        target=S.RESOLUTION_PROPOSED,
        conditions=[identity_verified, root_cause_set, resolution_summary_set],
        permission=transition_permission(Action.PROPOSE_RESOLUTION),
    )
    def propose_resolution(self) -> None:
        """Identity verified, root cause known and the resolution described."""

    @transition(
        field=state,
        source=S.RESOLUTION_PROPOSED,
        target=S.AWAITING_CONFIRMATION,
        permission=transition_permission(Action.SEND_RESOLUTION_NOTICE),
    )
    def send_resolution_notice(self, *, at) -> None:
        """The final response: the statutory and progress clocks stop."""
        self.resolution_notice_sent_at = at
        self.statutory_due_at = None
        self.progress_update_due_at = None

    @transition(
        field=state,
        source=S.AWAITING_CONFIRMATION,
        target=S.CLOSED,
        conditions=[resolution_notice_sent],
        permission=transition_permission(Action.ACCEPT_RESOLUTION),
    )
    def accept_resolution(self, *, at) -> None:
        self._stop()
        self.closed_at = at

    @transition(
        field=state,
        source=S.AWAITING_CONFIRMATION,
        target=S.CLOSED,
        conditions=[resolution_notice_sent],
        permission=transition_permission(Action.AUTO_CLOSE),
    )
    def auto_close(self, *, at) -> None:
        """No answer from the customer within COMPLAINT_AUTO_CLOSE_DAYS."""
        self._stop()
        self.closed_at = at

    @transition(
        field=state,
        source=S.AWAITING_CONFIRMATION,
        target=S.ESCALATED,
        permission=transition_permission(Action.REJECT_RESOLUTION),
    )
    def reject_resolution(self, *, why: str, new_owner) -> None:
        """The customer is not satisfied: one level up (the top level stays the top)."""
        self._raise_level(why, new_owner)

    @transition(
        field=state,
        source=list(ESCALATABLE_STATES),
        target=S.ESCALATED,
        conditions=[below_top_level],
        permission=transition_permission(Action.ESCALATE),
    )
    def escalate(self, *, why: str, new_owner, at) -> None:
        if self.sla_paused_at is not None:
            self.resume_clocks(at)
        self._raise_level(why, new_owner)

    @transition(
        field=state,
        source=[S.SUBMITTED, S.ACKNOWLEDGED, S.INVESTIGATING],
        target=S.REJECTED,
        permission=transition_permission(Action.REJECT),
    )
    def reject(self) -> None:
        """Invalid, duplicate or out of scope."""
        self._stop()

    @transition(
        field=state,
        source=list(OPEN_STATES),
        target=S.WITHDRAWN,
        permission=transition_permission(Action.WITHDRAW),
    )
    def withdraw(self) -> None:
        self._stop()

    @transition(
        field=state,
        source=S.CLOSED,
        target=S.INVESTIGATING,
        conditions=[within_reopen_window],
        permission=transition_permission(Action.REOPEN),
    )
    def reopen(self) -> None:
        self.closed_at = None
        self.resolution_notice_sent_at = None
        self.satisfaction_score, self.satisfaction_reason, self.rated_at = None, "", None

    # --- helpers used by transitions ----------------------------------------------------
    def resume_clocks(self, at) -> None:
        paused = at - self.sla_paused_at
        for clock, due in self.clock_deadlines().items():
            if due is not None:
                setattr(self, f"{clock}_due_at", due + paused)
        self.sla_paused_at = None

    def _raise_level(self, why: str, new_owner) -> None:
        self.escalation_level = min(self.escalation_level + 1, EscalationLevel.MANAGER)
        self.escalation_reason = why
        self.follow_up_plan = ""
        self.owner = new_owner

    def _stop(self) -> None:
        for clock in CLOCKS:
            setattr(self, f"{clock}_due_at", None)
        self.sla_paused_at = None
