"""Staff admin: the complaint list with SLA filters and countdown, a read-only change page
whose buttons run the services, inline timeline and findings, and the configuration."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from backoffice.core.exceptions import ApplicationError
from backoffice.core.paginator import EstimatedCountPaginator
from backoffice.customers.models import Customer
from backoffice.notifications.models import Notification
from backoffice.roles.models import Role
from backoffice.roles.selectors import user_rank

from .. import services
from ..models import (
    AgentProfile,
    CannedResponse,
    Complaint,
    ComplaintFinding,
    RegimeHoliday,
    RegulatoryRegime,
    SlaPolicy,
    StaffAlert,
)
from ..selectors import sla_status_filter
from .forms import ACTIONS, ActionForm, available_actions
from .inlines import (
    EventInline,
    FindingInline,
    MessageInline,
    NoteInline,
    SlaBreachInline,
)
from .intake import RecordComplaintForm


class SlaStatusFilter(admin.SimpleListFilter):
    title = _("SLA status")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [
            ("on_time", _("On time")),
            ("due_soon", _("Due soon")),
            ("breached", _("Breached")),
        ]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() in {"on_time", "due_soon", "breached"}:
            return queryset.filter(sla_status_filter(self.value()))
        return queryset


class OwnerListFilter(admin.RelatedFieldListFilter):
    """Owners to choose from: the staff of the handling roles. Not Django's "related
    only" filter, which reads the owner of every complaint (SELECT DISTINCT over the whole
    table) on each page view."""

    def field_choices(self, field, request, model_admin):
        handlers = get_user_model().objects.filter(
            is_staff=True, groups__name__in=[Role.AGENT, Role.SUPERVISOR, Role.MANAGER]
        )
        return field.get_choices(
            include_blank=False,
            ordering=self.field_admin_ordering(field, request, model_admin) or ("username",),
            limit_choices_to=Q(pk__in=handlers.values("pk")),
        )


def complaint_ids_matching(word: str) -> QuerySet:
    """Ids of the complaints a search word names: the reference, a linked transaction id,
    or the customer's wallet account id or phone. A union of index lookups; an OR across
    the joined tables would make PostgreSQL read every complaint."""
    through = Complaint.transactions.through
    customers = Customer.objects.filter(Q(wallet_account_id=word) | Q(phone=word))
    return (
        Complaint.objects.filter(reference=word)
        .order_by()
        .values("pk")
        .union(
            through.objects.filter(paymenttransaction__transaction_id=word)
            .order_by()
            .values("complaint_id"),
            Complaint.objects.filter(customer__in=customers.values("pk")).order_by().values("pk"),
            all=True,
        )
    )


def countdown(due, now) -> str:
    seconds = int((due - now).total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return (
        f"{sign}{days}d {hours:02d}:{rest // 60:02d}" if days else f"{sign}{hours}:{rest // 60:02d}"
    )


@admin.register(Complaint)
class ComplaintAdmin(SimpleHistoryAdmin):
    list_display = [
        "reference",
        "customer",
        "category",
        "state",
        "priority",
        "owner",
        "escalation_level",
        "next_deadline",
        "created_at",
    ]
    list_filter = [
        "state",
        "category",
        "channel",
        "priority",
        ("owner", OwnerListFilter),
        "escalation_level",
        SlaStatusFilter,
    ]
    # Exact matches only, looked up by `get_search_results` (the fields listed are what
    # the search box's help names).
    search_fields = [
        "=reference",
        "=transactions__transaction_id",
        "=customer__wallet_account_id",
        "=customer__phone",
    ]
    search_help_text = _(
        "Reference, transaction id, wallet account id or phone number (exact match)."
    )
    list_select_related = ["customer", "owner"]
    # At a million complaints COUNT(*) costs more than the page: the unfiltered list shows
    # PostgreSQL's estimate (marked "about"), and a filtered one does not count the whole
    # table a second time for "(N total)".
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    history_list_display = ["state", "owner", "escalation_level"]
    actions = ["bulk_acknowledge", "bulk_assign"]
    change_form_template = "admin/complaints/complaint/change_form.html"
    change_list_template = "admin/complaints/complaint/change_list.html"
    inlines = [EventInline, MessageInline, NoteInline, FindingInline, SlaBreachInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "state",
                    "customer",
                    "channel",
                    "category",
                    "description",
                    ("amount", "currency"),
                    "occurred_at",
                    "linked_transactions",
                    "raw_transaction_refs",
                ]
            },
        ),
        (
            _("Handling"),
            {
                "fields": [
                    ("priority", "complexity"),
                    ("owner", "first_responder", "escalation_level"),
                    ("intake_followup_pending", "intake_followup_attempts"),
                    "escalation_reason",
                    "initial_plan",
                    "follow_up_plan",
                    ("root_cause", "customer_at_fault"),
                    (
                        "identity_verification_method",
                        "identity_verified_by",
                        "identity_verified_at",
                    ),
                    "resolution_summary",
                    "follow_up_advice",
                ]
            },
        ),
        (
            _("Deadlines"),
            {
                "fields": [
                    "regime",
                    "next_deadline",
                    ("acknowledge_due_at", "acknowledged_at"),
                    ("first_response_due_at", "first_response_at"),
                    "progress_update_due_at",
                    ("statutory_due_at", "statutory_extended_at"),
                    "sla_paused_at",
                ]
            },
        ),
        (
            _("Outcome"),
            {
                "fields": [
                    "notices",
                    ("resolution_notice_sent_at", "closed_at"),
                    ("satisfaction_score", "satisfaction_reason"),
                ]
            },
        ),
    ]

    def get_search_results(self, request, queryset, search_term):
        """Every word must name the complaint (as Django's search does), each through
        the indexed lookups of `complaint_ids_matching`; no duplicates to remove."""
        for word in search_term.split():
            queryset = queryset.filter(pk__in=complaint_ids_matching(word))
        return queryset, False

    def get_readonly_fields(self, request, obj=None):
        return [f for block in self.fieldsets for f in _flatten(block[1]["fields"])]

    def has_add_permission(self, request) -> bool:
        return False  # complaints are filed through the API or the intake service

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # every change goes through an action button (a service)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("next deadline"), ordering="next_sla_due_at")
    def next_deadline(self, obj: Complaint) -> str:
        if obj.next_sla_due_at is None:
            return "—"
        remaining = countdown(obj.next_sla_due_at, timezone.now())
        return format_html('<span title="{}">{}</span>', obj.next_sla_due_at.isoformat(), remaining)

    @admin.display(description=_("transactions"))
    def linked_transactions(self, obj: Complaint) -> str:
        return ", ".join(t.transaction_id for t in obj.transactions.all()) or "—"

    @admin.display(description=_("notices and delivery receipts"))
    def notices(self, obj: Complaint) -> str:
        rows = Notification.objects.filter(
            customer_id=obj.customer_id, topic=f"complaint:{obj.reference}"
        ).order_by("created_at")
        if not rows:
            return "—"
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("notice"),
            _("channel"),
            _("status"),
            _("sent at"),
            _("delivered at"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        n.subject,
                        n.get_channel_display(),
                        n.get_status_display(),
                        n.sent_at or "—",
                        n.delivered_at or "—",
                    )
                    for n in rows
                ),
            ),
        )

    # --- action buttons -----------------------------------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view(self.action_view)
        return [
            path(
                "<path:object_id>/action/<str:action>/",
                view,
                name="complaints_complaint_action",
            ),
            path(
                "record/",
                self.admin_site.admin_view(self.record_view),
                name="complaints_complaint_record",
            ),
            path(
                "<path:object_id>/finding/<int:finding_id>/<str:verdict>/",
                self.admin_site.admin_view(self.finding_view),
                name="complaints_complaint_finding",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        complaint = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if complaint is not None:
            extra["complaint_actions"] = [
                (
                    name,
                    spec.label,
                    reverse("admin:complaints_complaint_action", args=[complaint.pk, name]),
                )
                for name, spec in available_actions(complaint, request.user)
            ]
        return super().change_view(request, object_id, form_url, extra)

    def action_view(self, request, object_id, action: str):
        complaint = get_object_or_404(Complaint, pk=object_id)
        if not self.has_view_permission(request, complaint) or action not in ACTIONS:
            return HttpResponseRedirect(reverse("admin:complaints_complaint_changelist"))
        spec = ACTIONS[action]
        change_url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
        form = ActionForm(
            request.POST if request.method == "POST" else None,
            complaint=complaint,
            fields=spec.fields,
        )
        if request.method == "POST" and form.is_valid():
            try:
                spec.run(complaint, request.user, form.cleaned_data)
            except ApplicationError as error:
                self.message_user(request, f"{error.message} {error.hint}", messages.ERROR)
            else:
                self.message_user(request, _("Done: %(action)s.") % {"action": spec.label})
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": complaint,
            "title": f"{complaint.reference}: {spec.label}",
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/complaints/complaint/action_form.html", context)

    def record_view(self, request):
        """Intake by staff for a complaint received by phone, chat or e-mail."""
        list_url = reverse("admin:complaints_complaint_changelist")
        if not self.may_record(request):
            return HttpResponseRedirect(list_url)
        form = RecordComplaintForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                complaint = services.complaint_submit(actor=request.user, **form.submit_kwargs())
            except ApplicationError as error:
                for field, problems in error.fields.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem["message"])
                if not error.fields:
                    form.add_error(None, f"{error.message} {error.hint}")
            else:
                self.message_user(
                    request, _("Complaint %(ref)s recorded.") % {"ref": complaint.reference}
                )
                return HttpResponseRedirect(
                    reverse("admin:complaints_complaint_change", args=[complaint.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Record a complaint"),
            "form": form,
            "change_url": list_url,
        }
        return TemplateResponse(request, "admin/complaints/complaint/record_form.html", context)

    @staticmethod
    def may_record(request) -> bool:
        return user_rank(request.user) >= 1

    def changelist_view(self, request, extra_context=None):
        extra = {**(extra_context or {}), "may_record": self.may_record(request)}
        return super().changelist_view(request, extra)

    def finding_view(self, request, object_id, finding_id: int, verdict: str):
        finding = get_object_or_404(ComplaintFinding, pk=finding_id, complaint_id=object_id)
        if request.method == "POST" and verdict in {"confirm", "dismiss"}:
            try:
                services.complaint_review_finding(
                    finding=finding, actor=request.user, confirmed=verdict == "confirm"
                )
            except ApplicationError as error:
                self.message_user(request, str(error.message), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:complaints_complaint_change", args=[object_id]))

    # --- bulk actions ------------------------------------------------------------------
    def has_work_permission(self, request) -> bool:
        """Bulk actions are for the handling roles; view-only roles (auditor) get none."""
        return request.user.has_perm("complaints.change_complaint")

    @admin.action(description=_("Acknowledge the selected complaints"), permissions=["work"])
    def bulk_acknowledge(self, request, queryset) -> None:
        self._bulk(
            request,
            queryset,
            lambda c: services.complaint_acknowledge(complaint=c, actor=request.user),
        )

    @admin.action(description=_("Assign the selected complaints"), permissions=["work"])
    def bulk_assign(self, request, queryset):
        from .forms import _owners

        complaints = list(queryset)
        field = _owners(Complaint(escalation_level=0))
        if "apply" in request.POST:
            reason = request.POST.get("reason", "").strip()
            try:
                owner = field.clean(request.POST.get("owner"))
            except Exception:  # invalid choice: show the form again
                owner = None
            if owner is not None:
                self._bulk(
                    request,
                    queryset,
                    lambda c: services.complaint_assign(
                        complaint=c, actor=request.user, owner=owner, reason=reason
                    ),
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Assign the selected complaints"),
            "complaints": complaints,
            "owners": field.queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/complaints/complaint/bulk_assign.html", context)

    def _bulk(self, request, queryset, call) -> None:
        done = 0
        for complaint in queryset:
            try:
                call(complaint)
                done += 1
            except ApplicationError as error:
                self.message_user(
                    request, f"{complaint.reference}: {error.message}", messages.WARNING
                )
        self.message_user(request, _("%(n)d complaint(s) updated.") % {"n": done})


def _flatten(fields) -> list[str]:
    out = []
    for field in fields:
        out.extend(field if isinstance(field, tuple) else [field])
    return out


@admin.register(RegulatoryRegime)
class RegulatoryRegimeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "regulator_name", "statutory_days", "extended_days", "day_kind"]

    class HolidayInline(admin.TabularInline):
        model = RegimeHoliday
        extra = 1

    inlines = [HolidayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(SimpleHistoryAdmin):
    list_display = [
        "__str__",
        "acknowledge_minutes",
        "first_response_hours",
        "progress_update_hours",
        "escalate_on_first_response_breach",
        "escalate_on_statutory_breach",
    ]


@admin.register(AgentProfile)
class AgentProfileAdmin(SimpleHistoryAdmin):
    list_display = ["user", "is_available", "capacity", "team_lead"]
    list_editable = ["is_available", "capacity"]
    raw_id_fields = ["user", "team_lead"]


@admin.register(CannedResponse)
class CannedResponseAdmin(SimpleHistoryAdmin):
    list_display = ["key", "category", "title_en", "title_zh_hans", "title_zh_hant", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["key", "title_en", "body_en"]


@admin.register(StaffAlert)
class StaffAlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "complaint", "kind", "message", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient", "complaint"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(recipient=request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
