"""Configuration kept in the database and edited in the admin: regulatory regimes and their
holiday calendars, SLA durations per category and priority, agents' availability and the
knowledge base of canned responses."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from backoffice.core.models import BaseModel
from backoffice.customers.models import validate_time_zone


class DayKind(models.TextChoices):
    BUSINESS = "business", _("Business days")
    CALENDAR = "calendar", _("Calendar days")


class RegulatoryRegime(BaseModel):
    """The rules of the statutory final-response clock in one jurisdiction."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=200)
    regulator_name = models.CharField(_("regulator"), max_length=200)
    regulator_contact = models.TextField(
        _("regulator contact"),
        help_text=_("How the customer refers a complaint to the regulator; shown in notices."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, validators=[validate_time_zone], default="UTC"
    )
    statutory_days = models.PositiveSmallIntegerField(_("final response within (days)"))
    extended_days = models.PositiveSmallIntegerField(
        _("extended final response within (days)"),
        help_text=_("Deadline after a holding reply; counted from receipt of the complaint."),
    )
    day_kind = models.CharField(
        _("days counted as"), max_length=16, choices=DayKind.choices, default=DayKind.CALENDAR
    )
    customer_time_zones = models.JSONField(
        _("customer time zones"),
        default=list,
        blank=True,
        help_text=_("Customers in these IANA time zones fall under this regime."),
    )
    is_default = models.BooleanField(
        _("default regime"), default=False, help_text=_("Used when no time zone matches.")
    )
    retention_years = models.PositiveSmallIntegerField(
        _("retention (years)"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("Years a complaint is kept after it ends; then it is anonymised."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("regulatory regime")
        verbose_name_plural = _("regulatory regimes")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="complaints_one_default_regime",
            ),
            models.CheckConstraint(
                condition=models.Q(extended_days__gte=models.F("statutory_days")),
                name="complaints_regime_extension_not_shorter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class RegimeHoliday(models.Model):
    """A day that is not a business day in a regime's calendar."""

    regime = models.ForeignKey(
        RegulatoryRegime,
        verbose_name=_("regime"),
        on_delete=models.CASCADE,
        related_name="holidays",
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["regime", "date"]
        constraints = [
            models.UniqueConstraint(fields=["regime", "date"], name="complaints_holiday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.regime.code} {self.date:%Y-%m-%d} {self.name}"


class SlaPolicy(BaseModel):
    """Clock durations for a category and/or priority; blank means "any". The most
    specific row wins; without any row the defaults of the fields apply."""

    category = models.CharField(_("category"), max_length=32, blank=True)
    priority = models.CharField(_("priority"), max_length=16, blank=True)
    acknowledge_minutes = models.PositiveIntegerField(_("acknowledge within (minutes)"), default=30)
    first_response_hours = models.PositiveIntegerField(
        _("initial judgement within (hours)"), default=24
    )
    progress_update_hours = models.PositiveIntegerField(
        _("progress update every (hours)"), default=48
    )
    escalate_on_acknowledge_breach = models.BooleanField(
        _("escalate when acknowledgement is late"), default=False
    )
    escalate_on_first_response_breach = models.BooleanField(
        _("escalate when the initial judgement is late"), default=True
    )
    escalate_on_progress_update_breach = models.BooleanField(
        _("escalate when a progress update is late"), default=False
    )
    escalate_on_statutory_breach = models.BooleanField(
        _("escalate when the final response is late"), default=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["category", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "priority"], name="complaints_sla_policy_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} / {self.priority or '*'}"

    def escalates_on(self, clock: str) -> bool:
        return bool(getattr(self, f"escalate_on_{clock}_breach", False))


class AgentProfile(BaseModel):
    """Whether a staff member takes new complaints, and how many open ones at most."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="complaint_profile",
    )
    is_available = models.BooleanField(_("available for new complaints"), default=True)
    capacity = models.PositiveSmallIntegerField(
        _("maximum open complaints"), default=25, help_text=_("0 means no limit.")
    )
    team_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="team_members",
        help_text=_("Supervisor told about this person's SLA breaches."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self) -> str:
        return str(self.user)


class CannedResponse(BaseModel):
    """A knowledge-base text for consistent answers, in the three languages."""

    category = models.CharField(_("category"), max_length=32, blank=True, db_index=True)
    key = models.SlugField(_("key"), max_length=100, unique=True)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_zh_hans = models.CharField(_("title (Simplified Chinese)"), max_length=200)
    title_zh_hant = models.CharField(_("title (Traditional Chinese)"), max_length=200)
    body_en = models.TextField(_("text (English)"))
    body_zh_hans = models.TextField(_("text (Simplified Chinese)"))
    body_zh_hant = models.TextField(_("text (Traditional Chinese)"))
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["category", "key"]

    def __str__(self) -> str:
        return self.title_en

    def _suffix(self, language: str) -> str:
        return {"zh-hans": "zh_hans", "zh-hant": "zh_hant"}.get((language or "").lower(), "en")

    def title(self, language: str) -> str:
        return getattr(self, f"title_{self._suffix(language)}") or self.title_en

    def body(self, language: str) -> str:
        return getattr(self, f"body_{self._suffix(language)}") or self.body_en
