"""Campaigns, their per-time-zone runs and the deliveries they fan out to; tip series
(onboarding, follow-up after a complaint) and the complaint-to-series mapping."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from backoffice.core.models import BaseModel
from backoffice.customers.models import Customer, NotificationChannel
from backoffice.notifications.models import Notification

from .audience import ComplaintCategory, ComplaintRootCause, Segment
from .content import SecurityTip, TipVersion


class Schedule(models.TextChoices):
    ONCE = "once", _("Once")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    FINISHED = "finished", _("Finished")


class Campaign(BaseModel):
    """Sends a tip (or one of a rotation pool) to a segment on some channels, at a local
    time in each customer's own time zone: once on `starts_on`, or daily, weekly or
    monthly between `starts_on` and `ends_on`."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    tip = models.ForeignKey(
        SecurityTip,
        verbose_name=_("tip"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
    )
    pool = models.ManyToManyField(
        SecurityTip,
        verbose_name=_("rotation pool"),
        blank=True,
        related_name="pool_campaigns",
        help_text=_("Instead of one tip: each occurrence sends the next tip of the pool."),
    )
    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), on_delete=models.PROTECT, related_name="campaigns"
    )
    channels = models.JSONField(
        _("channels"), default=list, help_text=_('Any of "in_app", "push", "sms", "email".')
    )
    schedule = models.CharField(
        _("schedule"), max_length=16, choices=Schedule.choices, default=Schedule.ONCE
    )
    local_time = models.TimeField(_("local send time"))
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), null=True, blank=True, help_text=_("Weekly: 0 is Monday, 6 is Sunday.")
    )
    day_of_month = models.PositiveSmallIntegerField(
        _("day of month"),
        null=True,
        blank=True,
        help_text=_("Monthly: 1-31; shorter months use their last day."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=5, help_text=_("Higher runs first when campaigns compete.")
    )
    is_critical = models.BooleanField(
        _("critical"), default=False, help_text=_("Critical campaigns bypass frequency caps.")
    )
    reeligible_after_days = models.PositiveIntegerField(
        _("re-eligible after (days)"),
        null=True,
        blank=True,
        help_text=_("A customer who got this campaign or tip more recently is skipped."),
    )
    state = FSMField(_("state"), default=CampaignState.DRAFT, choices=CampaignState.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
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
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-priority", "id"]
        permissions = [("approve_campaign", _("Can approve and control a campaign"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__isnull=True) | Q(weekday__lte=6), name="campaign_weekday"
            ),
            models.CheckConstraint(
                condition=Q(day_of_month__isnull=True)
                | Q(day_of_month__gte=1, day_of_month__lte=31),
                name="campaign_day_of_month",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @transition(field=state, source=CampaignState.DRAFT, target=CampaignState.SCHEDULED)
    def approve(self, approver) -> None:
        self.approved_by = approver

    @transition(field=state, source=CampaignState.SCHEDULED, target=CampaignState.RUNNING)
    def start(self) -> None:
        """The first run was planned."""

    @transition(field=state, source=CampaignState.RUNNING, target=CampaignState.PAUSED)
    def pause(self) -> None:
        """No new runs; chunks in flight stop at their next check."""

    @transition(field=state, source=CampaignState.PAUSED, target=CampaignState.RUNNING)
    def resume(self) -> None:
        """Planning continues; unfinished chunks are queued again."""

    @transition(
        field=state,
        source=[CampaignState.SCHEDULED, CampaignState.RUNNING, CampaignState.PAUSED],
        target=CampaignState.FINISHED,
    )
    def finish(self) -> None:
        """No more runs, ever."""


class CampaignRun(BaseModel):
    """One occurrence of a campaign for the customers of one time zone."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="runs"
    )
    time_zone = models.CharField(_("time zone"), max_length=64)
    local_date = models.DateField(_("local date"))
    due_at = models.DateTimeField(_("due at"))
    sequence = models.PositiveIntegerField(
        _("occurrence number"), help_text=_("Rotates the pool's tips and the variants.")
    )
    tip = models.ForeignKey(SecurityTip, verbose_name=_("tip"), on_delete=models.PROTECT)
    version = models.ForeignKey(TipVersion, verbose_name=_("version"), on_delete=models.PROTECT)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign run")
        verbose_name_plural = _("campaign runs")
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "time_zone", "local_date"], name="run_unique_occurrence"
            ),
            # Target of the deliveries' composite foreign key (see Delivery).
            models.UniqueConstraint(
                fields=["id", "campaign", "tip", "version"], name="run_unique_delivery_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.local_date} {self.time_zone}"


class RunChunk(models.Model):
    """A range of customer ids [id_from, id_to) of a run: the unit of work of one task."""

    run = models.ForeignKey(
        CampaignRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="chunks"
    )
    id_from = models.BigIntegerField(_("from customer id"))
    id_to = models.BigIntegerField(_("to customer id (excluded)"))
    queued_at = models.DateTimeField(_("queued at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("run chunk")
        verbose_name_plural = _("run chunks")
        constraints = [
            models.UniqueConstraint(fields=["run", "id_from"], name="chunk_unique_range")
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:[{self.id_from},{self.id_to})"


class SeriesKind(models.TextChoices):
    ONBOARDING = "onboarding", _("New-customer onboarding")
    FOLLOW_UP = "follow_up", _("Follow-up after a complaint")


class TipSeries(BaseModel):
    """Tips sent in order over the days after a customer is enrolled (to the inbox)."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=SeriesKind.choices)
    onboarding_within_days = models.PositiveSmallIntegerField(
        _("enrol customers registered within (days)"),
        null=True,
        blank=True,
        help_text=_("Onboarding: new customers are enrolled automatically."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tip series")
        verbose_name_plural = _("tip series")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class SeriesStep(BaseModel):
    series = models.ForeignKey(
        TipSeries, verbose_name=_("series"), on_delete=models.CASCADE, related_name="steps"
    )
    tip = models.ForeignKey(SecurityTip, verbose_name=_("tip"), on_delete=models.PROTECT)
    day_offset = models.PositiveSmallIntegerField(_("days after enrolment"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("series step")
        verbose_name_plural = _("series steps")
        ordering = ["series", "day_offset", "id"]

    def __str__(self) -> str:
        return f"{self.series} +{self.day_offset}d {self.tip}"


class SeriesEnrolment(BaseModel):
    """A customer following a series; at most once per series."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    series = models.ForeignKey(
        TipSeries, verbose_name=_("series"), on_delete=models.PROTECT, related_name="enrolments"
    )
    source = models.CharField(
        _("source"), max_length=100, help_text=_("onboarding, or complaint:<id>.")
    )

    class Meta:
        verbose_name = _("series enrolment")
        verbose_name_plural = _("series enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "series"], name="enrolment_unique_customer_series"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} → {self.series}"


class ComplaintEnrolmentRule(BaseModel):
    """When a complaint closes with this category and/or root cause, enrol the customer
    in `series` (once) and raise their warning sensitivity for some days."""

    category = models.CharField(
        _("complaint category"), max_length=32, choices=ComplaintCategory.choices, blank=True
    )
    root_cause = models.CharField(
        _("root cause"), max_length=32, choices=ComplaintRootCause.choices, blank=True
    )
    series = models.ForeignKey(TipSeries, verbose_name=_("series"), on_delete=models.PROTECT)
    raise_sensitivity_days = models.PositiveSmallIntegerField(
        _("raise warning sensitivity for (days)"), default=0
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("complaint enrolment rule")
        verbose_name_plural = _("complaint enrolment rules")
        constraints = [
            models.CheckConstraint(
                condition=~Q(category="") | ~Q(root_cause=""), name="enrolrule_needs_a_cause"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} / {self.root_cause or '*'} → {self.series}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    HELD = "held", _("Held for quiet hours")
    SUPPRESSED = "suppressed", _("Suppressed")


class SuppressionReason(models.TextChoices):
    NONE = "", _("None")
    CAP = "cap", _("Frequency cap")
    QUIET_HOURS = "quiet_hours", _("Quiet hours")
    OPTED_OUT = "opted_out", _("Opted out")
    DUPLICATE = "duplicate", _("Duplicate")


class Feedback(models.TextChoices):
    NONE = "", _("None")
    HELPFUL = "helpful", _("Helpful")
    NOT_HELPFUL = "not_helpful", _("Not helpful")


class Delivery(BaseModel):
    """One tip to one customer on one channel, from a campaign run or a series step.

    Created set-based by the fan-out (millions of rows), so it carries only the indexes
    its readers need; suppressed rows are kept with their reason as evidence.

    Foreign keys are checked by PostgreSQL once per inserted row (at commit), and that
    check, not the write, dominated the fan-out. A run's delivery copies the run's
    campaign, tip and version, so on PostgreSQL one composite key (run, campaign, tip,
    version) -> CampaignRun (migration 0003) replaces the four single-column ones: one check
    instead of four, and it also proves the copies match their run (the run's own keys
    protect campaign, tip and version). Series-step deliveries keep the step's key; their
    tip and version are protected by the ORM (PROTECT) only.

    The customer has no per-row key either: its check locks every customer row (FOR KEY
    SHARE), which dirties and re-logs the whole customer table on each fan-out and more
    than doubled its time. The ids come from the customer table in the same statement, and
    on PostgreSQL a trigger (migration 0004) refuses to delete a customer who has
    deliveries, the half of the key that can still fail; the ORM's PROTECT does the same.
    Customers are anonymised, never deleted, by the application."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    run = models.ForeignKey(
        CampaignRun,
        verbose_name=_("run"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
        db_constraint=False,
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
        db_constraint=False,
    )
    series_step = models.ForeignKey(
        SeriesStep,
        verbose_name=_("series step"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    tip = models.ForeignKey(
        SecurityTip,
        verbose_name=_("tip"),
        on_delete=models.PROTECT,
        related_name="deliveries",
        db_index=False,
        db_constraint=False,
    )
    version = models.ForeignKey(
        TipVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        db_index=False,
        db_constraint=False,
    )
    variant = models.PositiveSmallIntegerField(_("variant"), default=0)
    channel = models.CharField(_("channel"), max_length=16, choices=NotificationChannel.choices)
    status = models.CharField(_("status"), max_length=16, choices=DeliveryStatus.choices)
    reason = models.CharField(
        _("suppression reason"), max_length=16, choices=SuppressionReason.choices, blank=True
    )
    send_after = models.DateTimeField(_("held until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    notification = models.OneToOneField(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)
    feedback = models.CharField(
        _("feedback"), max_length=16, choices=Feedback.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "customer", "channel"],
                condition=Q(run__isnull=False),
                name="delivery_unique_run_customer_channel",
            ),
            models.UniqueConstraint(
                fields=["series_step", "customer", "channel"],
                condition=Q(series_step__isnull=False),
                name="delivery_unique_step_customer_channel",
            ),
            models.CheckConstraint(
                # A run's delivery names its campaign, so the composite key (which skips
                # rows with a NULL in it) always checks it.
                condition=Q(run__isnull=False, campaign__isnull=False, series_step__isnull=True)
                | Q(run__isnull=True, series_step__isnull=False),
                name="delivery_from_run_or_step",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "created_at"], name="delivery_customer_recent"),
            models.Index(fields=["tip", "status"], name="delivery_tip_status"),
            models.Index(
                fields=["send_after"], name="delivery_held_due", condition=Q(status="held")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tip_id} → {self.customer_id} ({self.channel}, {self.status})"


class DeliveryEventType(models.TextChoices):
    OPENED = "opened", _("Opened")
    DISMISSED = "dismissed", _("Dismissed")
    HELPFUL = "helpful", _("Helpful")
    NOT_HELPFUL = "not_helpful", _("Not helpful")


class DeliveryEvent(models.Model):
    """What the customer did with a delivery; append-only."""

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="events"
    )
    type = models.CharField(_("type"), max_length=16, choices=DeliveryEventType.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.type}"
