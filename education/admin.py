"""Admin for content editors, managers and auditors. Transitions are actions that call
the services; effectiveness figures are annotated on the lists."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from backoffice.core.exceptions import ApplicationError

from .models import (
    Campaign,
    CampaignRun,
    ComplaintEnrolmentRule,
    Delivery,
    EducationOptOut,
    EducationProfile,
    FrequencyCap,
    QuizChoice,
    QuizQuestion,
    SecurityTip,
    Segment,
    SeriesEnrolment,
    SeriesStep,
    TipSeries,
    TipText,
    TipVersion,
    WarningDecision,
    WarningRule,
    WarningShown,
    WarningText,
)
from .selectors import (
    rule_effectiveness,
    rule_proceed_rate_by_exposure,
    segment_count,
    tip_effectiveness,
)
from .services import campaigns as campaign_services
from .services.content import save_with_history, tip_approve, tip_retire
from .services.warnings import warning_rule_save


def _run_each(modeladmin, request, queryset, service, **kwargs) -> None:
    """Call a transition service per selected row; report refusals, never crash."""
    done = 0
    for obj in queryset:
        try:
            service(actor=request.user, **{kwargs.get("arg", "campaign"): obj})
            done += 1
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.WARNING)
    if done:
        modeladmin.message_user(request, _("%d done.") % done)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the system: looked at, never edited here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class HistoryAdmin(SimpleHistoryAdmin):
    """Saves record who changed what (admin edit) in the history."""

    def save_model(self, request, obj, form, change) -> None:
        save_with_history(obj, actor=request.user, reason="admin edit" if change else "created")


# --- Content -------------------------------------------------------------------------


class TipTextInline(admin.StackedInline):
    model = TipText
    extra = 3


@admin.register(TipVersion)
class TipVersionAdmin(HistoryAdmin):
    list_display = ["tip", "number", "author", "approved_by", "approved_at"]
    list_filter = ["tip__topic"]
    readonly_fields = ["number", "author", "approved_by", "approved_at"]
    inlines = [TipTextInline]

    def has_change_permission(self, request, obj=None) -> bool:
        # An approved version is evidence of what customers read: write a new one instead.
        if obj is not None and obj.approved_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            last = obj.tip.versions.order_by("-number").values_list("number", flat=True).first()
            obj.number, obj.author = (last or 0) + 1, request.user
        super().save_model(request, obj, form, change)


@admin.register(SecurityTip)
class SecurityTipAdmin(HistoryAdmin):
    list_display = [
        "slug",
        "topic",
        "severity",
        "status",
        "published_version",
        "delivered",
        "opened",
        "dismissed",
        "helpful",
        "not_helpful",
    ]
    list_filter = ["status", "topic", "severity"]
    search_fields = ["slug"]
    readonly_fields = ["status", "published_version"]
    actions = ["approve_latest", "retire"]

    def get_queryset(self, request) -> QuerySet:
        return tip_effectiveness(tips=super().get_queryset(request)).select_related(
            "published_version"
        )

    @admin.display(description=_("delivered"), ordering="delivered")
    def delivered(self, obj) -> int:
        return obj.delivered

    @admin.display(description=_("opened"), ordering="opened")
    def opened(self, obj) -> int:
        return obj.opened

    @admin.display(description=_("dismissed"), ordering="dismissed")
    def dismissed(self, obj) -> int:
        return obj.dismissed

    @admin.display(description=_("helpful"), ordering="helpful")
    def helpful(self, obj) -> int:
        return obj.helpful

    @admin.display(description=_("not helpful"), ordering="not_helpful")
    def not_helpful(self, obj) -> int:
        return obj.not_helpful

    @admin.action(description=_("Approve the latest version"), permissions=["approve"])
    def approve_latest(self, request, queryset) -> None:
        _run_each(self, request, queryset, tip_approve, arg="tip")

    @admin.action(description=_("Retire"), permissions=["approve"])
    def retire(self, request, queryset) -> None:
        _run_each(self, request, queryset, tip_retire, arg="tip")

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("education.approve_securitytip")


class QuizChoiceInline(admin.TabularInline):
    model = QuizChoice
    extra = 3


@admin.register(QuizQuestion)
class QuizQuestionAdmin(HistoryAdmin):
    list_display = ["tip", "position"]
    inlines = [QuizChoiceInline]


# --- Audiences and campaigns ---------------------------------------------------------


@admin.register(Segment)
class SegmentAdmin(HistoryAdmin):
    list_display = ["name", "registered_within_days", "complaint_category", "language"]
    readonly_fields = ["dry_run_count"]

    @admin.display(description=_("customers in the segment now (dry run)"))
    def dry_run_count(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "-"
        try:
            return str(segment_count(segment=obj))
        except ApplicationError as exc:
            return str(exc.message)


@admin.register(FrequencyCap)
class FrequencyCapAdmin(HistoryAdmin):
    list_display = ["__str__", "max_messages", "window_days", "is_active"]


@admin.register(Campaign)
class CampaignAdmin(HistoryAdmin):
    list_display = [
        "name",
        "state",
        "schedule",
        "local_time",
        "segment",
        "priority",
        "is_critical",
        "starts_on",
        "ends_on",
    ]
    list_filter = ["state", "schedule", "is_critical"]
    readonly_fields = ["state", "created_by", "approved_by", "audience_now"]
    filter_horizontal = ["pool"]
    actions = ["approve", "pause", "resume", "finish"]

    @admin.display(description=_("audience now (dry run)"))
    def audience_now(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "-"
        try:
            return str(segment_count(segment=obj.segment))
        except ApplicationError as exc:
            return str(exc.message)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Approve (schedule)"), permissions=["approve"])
    def approve(self, request, queryset) -> None:
        _run_each(self, request, queryset, campaign_services.campaign_approve)

    @admin.action(description=_("Pause"), permissions=["approve"])
    def pause(self, request, queryset) -> None:
        _run_each(self, request, queryset, campaign_services.campaign_pause)

    @admin.action(description=_("Resume"), permissions=["approve"])
    def resume(self, request, queryset) -> None:
        _run_each(self, request, queryset, campaign_services.campaign_resume)

    @admin.action(description=_("Finish"), permissions=["approve"])
    def finish(self, request, queryset) -> None:
        _run_each(self, request, queryset, campaign_services.campaign_finish)

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("education.approve_campaign")


@admin.register(CampaignRun)
class CampaignRunAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "time_zone", "local_date", "due_at", "tip", "finished_at"]
    list_filter = ["time_zone"]
    list_select_related = ["campaign", "tip"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "customer", "tip", "channel", "status", "reason", "sent_at", "opened_at"]
    list_filter = ["status", "reason", "channel"]
    search_fields = ["=customer__wallet_account_id"]
    list_select_related = ["customer", "tip"]
    show_full_result_count = False  # millions of rows: no COUNT(*) on every page


class SeriesStepInline(admin.TabularInline):
    model = SeriesStep
    extra = 1


@admin.register(TipSeries)
class TipSeriesAdmin(HistoryAdmin):
    list_display = ["slug", "name", "kind", "onboarding_within_days", "is_active"]
    inlines = [SeriesStepInline]


@admin.register(ComplaintEnrolmentRule)
class ComplaintEnrolmentRuleAdmin(HistoryAdmin):
    list_display = ["category", "root_cause", "series", "raise_sensitivity_days", "is_active"]


@admin.register(SeriesEnrolment)
class SeriesEnrolmentAdmin(ReadOnlyAdmin):
    list_display = ["customer", "series", "source", "created_at"]
    search_fields = ["=customer__wallet_account_id"]


@admin.register(EducationProfile)
class EducationProfileAdmin(HistoryAdmin):
    list_display = ["customer", "quiet_start", "quiet_end", "sensitivity_raised_until"]
    raw_id_fields = ["customer"]


@admin.register(EducationOptOut)
class EducationOptOutAdmin(HistoryAdmin):
    list_display = ["customer", "kind", "value"]
    raw_id_fields = ["customer"]


# --- Warnings --------------------------------------------------------------------------


class WarningTextInline(admin.StackedInline):
    model = WarningText
    extra = 1


@admin.register(WarningRule)
class WarningRuleAdmin(SimpleHistoryAdmin):
    list_display = [
        "slug",
        "scenario",
        "severity",
        "friction",
        "version",
        "is_active",
        "shown",
        "cancelled",
        "proceeded",
    ]
    list_filter = ["scenario", "is_active", "severity"]
    readonly_fields = ["version", "proceed_rate_by_exposure"]
    inlines = [WarningTextInline]

    def get_queryset(self, request) -> QuerySet:
        return rule_effectiveness(rules=super().get_queryset(request))

    @admin.display(description=_("shown"), ordering="shown_count")
    def shown(self, obj) -> int:
        return obj.shown_count

    @admin.display(description=_("cancelled"), ordering="cancelled_count")
    def cancelled(self, obj) -> int:
        return obj.cancelled_count

    @admin.display(description=_("proceeded"), ordering="proceeded_count")
    def proceeded(self, obj) -> int:
        return obj.proceeded_count

    @admin.display(description=_("proceed rate by exposure number"))
    def proceed_rate_by_exposure(self, obj) -> str:
        rows = rule_proceed_rate_by_exposure(rule=obj) if obj and obj.pk else []
        if not rows:
            return "-"
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    r["exposure_number"],
                    r["shown"],
                    r["proceeded"],
                    "-" if r["proceed_rate"] is None else f"{r['proceed_rate']:.0%}",
                )
                for r in rows
            ),
        )
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("exposure"),
            _("shown"),
            _("proceeded"),
            _("proceed rate"),
            body,
        )

    def save_model(self, request, obj, form, change) -> None:
        if not change or form.has_changed():
            warning_rule_save(rule=obj, actor=request.user, reason="admin edit")

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if change and not form.has_changed() and any(f.has_changed() for f in formsets):
            warning_rule_save(rule=form.instance, actor=request.user, reason="texts changed")


class WarningShownInline(admin.TabularInline):
    model = WarningShown
    extra = 0
    can_delete = False
    fields = ["rule", "rule_version", "variant", "language", "exposure_number", "friction"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WarningDecision)
class WarningDecisionAdmin(ReadOnlyAdmin):
    list_display = ["id", "customer", "scenario", "created_at", "outcome_value"]
    list_filter = ["scenario", "sensitivity_raised"]
    search_fields = ["=customer__wallet_account_id", "=request_id"]
    list_select_related = ["customer", "outcome"]
    inlines = [WarningShownInline]
    show_full_result_count = False

    @admin.display(description=_("outcome"))
    def outcome_value(self, obj) -> str:
        outcome = getattr(obj, "outcome", None)
        return outcome.get_outcome_display() if outcome else "-"
