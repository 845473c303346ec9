"""The daily summary the dashboard reads, and the admin entries of the reports.

`DailySummary` is a derived cache: one row per local day (settings.TIME_ZONE) x channel x
category x team x regime with the counts of the complaints *received* that day, so the
dashboard and the regulatory statistics never scan the complaint table. It is rebuilt by
`insight.services.summary_refresh` only; nobody edits it, hence no history.

`Dashboard`, `CaseReview` and `RegulatoryReport` have no table: they give the reports an
entry in the admin index and a permission each (`insight.view_<name>`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Each SLA clock's pair of columns: decided (met or missed) and missed.
SLA_COLUMNS = {
    "acknowledge": ("ack_decided", "ack_missed"),
    "first_response": ("first_decided", "first_missed"),
    "progress_update": ("progress_decided", "progress_missed"),
    "statutory": ("statutory_decided", "statutory_missed"),
}
ROOT_CAUSE_COLUMNS = {
    "customer": "root_customer",
    "merchant": "root_merchant",
    "bank_channel": "root_bank_channel",
    "third_party": "root_third_party",
    "own_system": "root_own_system",
    "fraud": "root_fraud",
    "undetermined": "root_undetermined",
    "": "root_unset",
}
SCORE_COLUMNS = {score: f"score_{score}" for score in range(1, 6)}
NO_TEAM = 0


def _count(label: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, default=0)


class DailySummary(models.Model):
    day = models.DateField(_("day"))
    channel = models.CharField(_("channel"), max_length=16)
    category = models.CharField(_("category"), max_length=32)
    team_id = models.BigIntegerField(
        _("team"), help_text=_("User id of the owner's team lead; 0 when there is none.")
    )
    regime_id = models.BigIntegerField(_("regulatory regime"))
    received = _count(_("received"))
    closed = _count(_("closed"))
    rejected = _count(_("rejected"))
    withdrawn = _count(_("withdrawn"))
    escalated = _count(_("escalated"))
    reopened = _count(_("reopened"))
    handling_seconds = models.BigIntegerField(_("seconds from receipt to close"), default=0)
    ack_decided = _count(_("acknowledgement clocks decided"))
    ack_missed = _count(_("acknowledgement clocks missed"))
    first_decided = _count(_("initial judgement clocks decided"))
    first_missed = _count(_("initial judgement clocks missed"))
    progress_decided = _count(_("progress update clocks decided"))
    progress_missed = _count(_("progress update clocks missed"))
    statutory_decided = _count(_("statutory clocks decided"))
    statutory_missed = _count(_("statutory clocks missed"))
    score_1 = _count(_("rated 1"))
    score_2 = _count(_("rated 2"))
    score_3 = _count(_("rated 3"))
    score_4 = _count(_("rated 4"))
    score_5 = _count(_("rated 5"))
    root_customer = _count(_("root cause: customer"))
    root_merchant = _count(_("root cause: merchant"))
    root_bank_channel = _count(_("root cause: bank or clearing channel"))
    root_third_party = _count(_("root cause: third party"))
    root_own_system = _count(_("root cause: own system"))
    root_fraud = _count(_("root cause: fraud"))
    root_undetermined = _count(_("root cause: undetermined"))
    root_unset = _count(_("root cause: not set"))
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("daily summary")
        verbose_name_plural = _("daily summaries")
        ordering = ["day", "channel", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "channel", "category", "team_id", "regime_id"],
                name="insight_summary_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.category} {self.team_id} {self.regime_id}"


class SummaryWatermark(models.Model):
    """Singleton: history rows changed at or after `changed_since` are not summarised yet.
    The refresh locks this row, so two refreshes never interleave."""

    name = models.CharField(_("name"), max_length=32, unique=True)
    changed_since = models.DateTimeField(_("changes summarised up to"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("last refresh"), null=True, blank=True)

    class Meta:
        verbose_name = _("summary watermark")
        verbose_name_plural = _("summary watermarks")

    def __str__(self) -> str:
        return self.name


class ReportEntry(models.Model):
    """An admin index entry without a table."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class Dashboard(ReportEntry):
    class Meta:
        managed = False
        default_permissions = ("view",)
        verbose_name = _("KPI dashboard")
        verbose_name_plural = _("KPI dashboard")


class CaseReview(ReportEntry):
    class Meta:
        managed = False
        default_permissions = ("view",)
        verbose_name = _("monthly case review")
        verbose_name_plural = _("monthly case review")


class RegulatoryReport(ReportEntry):
    class Meta:
        managed = False
        default_permissions = ("view",)
        verbose_name = _("regulatory statistics")
        verbose_name_plural = _("regulatory statistics")
