"""Policies in the admin: versions editable only as drafts, buttons that call the version
services, two versions side by side, approval tiers and budget usage."""

from django.contrib import admin, messages
from django.forms.models import model_to_dict
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from backoffice.core.exceptions import ApplicationError

from .. import services
from ..models import (
    ApprovalTier,
    CompensationPolicy,
    CompensationRule,
    CurrencyLimit,
    PolicyBudget,
    PolicyVersion,
    VersionState,
)
from ..permissions import may_manage_policies
from ..selectors import budget_usage

_RULE_FIELDS = [
    f.name for f in CompensationRule._meta.fields if f.name not in ("id", "version", "order")
]


class BudgetInline(admin.TabularInline):
    model = PolicyBudget
    extra = 0


@admin.register(CompensationPolicy)
class CompensationPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "is_default", "active_version"]
    inlines = [BudgetInline]
    actions = ["new_draft"]

    @admin.display(description=_("active version"))
    def active_version(self, policy: CompensationPolicy) -> str:
        version = policy.versions.filter(state=VersionState.ACTIVE).first()
        return str(version) if version else "-"

    @admin.action(
        description=_("Start a new draft version (copy of the latest)"), permissions=["change"]
    )
    def new_draft(self, request, queryset) -> None:
        for policy in queryset:
            try:
                version = services.policy_version_create_draft(policy=policy, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
            else:
                self.message_user(request, _("Draft %s created.") % version)


class DraftOnlyInline(admin.TabularInline):
    extra = 0

    def _editable(self, request, obj) -> bool:
        return bool(obj is None or obj.state == VersionState.DRAFT) and may_manage_policies(
            request.user
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return self._editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._editable(request, obj) and super().has_delete_permission(request, obj)


class RuleInline(DraftOnlyInline):
    model = CompensationRule


class LimitInline(DraftOnlyInline):
    model = CurrencyLimit


@admin.register(PolicyVersion)
class PolicyVersionAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "state", "author", "approved_by", "activated_at", "retired_at"]
    list_filter = ["state", "policy"]
    inlines = [LimitInline, RuleInline]
    change_form_template = "admin/compensation/version_change_form.html"
    readonly_fields = [
        "policy",
        "number",
        "state",
        "author",
        "approved_by",
        "submitted_at",
        "activated_at",
        "retired_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # drafts come from the policy's "new draft" action

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        editable = obj is None or obj.state == VersionState.DRAFT
        return editable and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        obj._change_reason, obj._history_user = "draft edited", request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/compare/", view(self.compare_view), name="compensation_version_compare"),
            path(
                "<int:pk>/do/<str:action>/",
                view(self.action_view),
                name="compensation_version_action",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        version = self.get_object(request, object_id)
        extra = extra_context or {}
        if version is not None and may_manage_policies(request.user):
            names = {VersionState.DRAFT: "submit", VersionState.PENDING_APPROVAL: "activate"}
            action = names.get(version.state)
            if action and not (action == "activate" and version.author_id == request.user.pk):
                label = (
                    _("Submit for approval") if action == "submit" else _("Approve and activate")
                )
                url = reverse("admin:compensation_version_action", args=[version.pk, action])
                extra["version_actions"] = [(action, label, url)]
        if version is not None:
            extra["compare_url"] = reverse("admin:compensation_version_compare", args=[version.pk])
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def action_view(self, request, pk: int, action: str):
        version = get_object_or_404(PolicyVersion, pk=pk)
        url = reverse("admin:compensation_policyversion_change", args=[pk])
        calls = {
            "submit": services.policy_version_submit,
            "activate": services.policy_version_activate,
        }
        if request.method == "POST" and action in calls:
            try:
                calls[action](version=version, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{exc.message} {exc.hint}", messages.ERROR)
            else:
                self.message_user(request, _("Done."), messages.SUCCESS)
        return HttpResponseRedirect(url)

    def compare_view(self, request, pk: int):
        """Two versions side by side: the rules by order and the caps by currency; rows
        that differ are marked."""
        version = get_object_or_404(PolicyVersion, pk=pk)
        others = PolicyVersion.objects.filter(policy=version.policy).exclude(pk=pk)
        other_pk = request.GET.get("other")
        other = (
            others.filter(pk=other_pk).first()
            if other_pk and other_pk.isdigit()
            else others.filter(state=VersionState.ACTIVE).first() or others.first()
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Compare policy versions"),
            "left": version,
            "right": other,
            "others": others,
            "rows": version_diff(version, other),
        }
        return TemplateResponse(request, "admin/compensation/version_compare.html", context)


def _rules(version) -> dict:
    if version is None:
        return {}
    return {r.order: model_to_dict(r, fields=_RULE_FIELDS) for r in version.rules.all()}


def _limits(version) -> dict:
    if version is None:
        return {}
    return {
        limit.currency: {
            "per_complaint_cap": limit.per_complaint_cap,
            "goodwill_window_limit": limit.goodwill_window_limit,
        }
        for limit in version.limits.all()
    }


def version_diff(left, right) -> list[dict]:
    """Rows of (section, key, field, left value, right value, differs)."""
    rows = []
    window = (
        "goodwill_window_days",
        left.goodwill_window_days,
        getattr(right, "goodwill_window_days", None),
    )
    rows.append(
        {
            "section": _("version"),
            "key": "",
            "field": window[0],
            "left": window[1],
            "right": window[2],
            "differs": window[1] != window[2],
        }
    )
    for section, left_items, right_items in (
        (_("caps"), _limits(left), _limits(right)),
        (_("rule"), _rules(left), _rules(right)),
    ):
        for key in sorted(set(left_items) | set(right_items), key=str):
            a, b = left_items.get(key, {}), right_items.get(key, {})
            for field in sorted(set(a) | set(b)):
                rows.append(
                    {
                        "section": section,
                        "key": key,
                        "field": field,
                        "left": a.get(field, "—"),
                        "right": b.get(field, "—"),
                        "differs": a.get(field) != b.get(field),
                    }
                )
    return rows


@admin.register(ApprovalTier)
class ApprovalTierAdmin(SimpleHistoryAdmin):
    list_display = ["currency", "up_to", "approvals_required", "minimum_role"]
    list_filter = ["currency", "minimum_role"]


@admin.register(PolicyBudget)
class PolicyBudgetAdmin(SimpleHistoryAdmin):
    list_display = ["policy", "currency", "monthly_limit", "held", "paid_out", "left"]
    list_filter = ["policy", "currency"]

    def changelist_view(self, request, extra_context=None):
        self._usage = {row["budget"].pk: row for row in budget_usage()}
        return super().changelist_view(request, extra_context)

    def _row(self, budget) -> dict:
        return getattr(self, "_usage", {}).get(budget.pk, {})

    @admin.display(description=_("held this month"))
    def held(self, budget):
        return self._row(budget).get("held")

    @admin.display(description=_("paid out this month"))
    def paid_out(self, budget):
        return self._row(budget).get("consumed")

    @admin.display(description=_("left this month"))
    def left(self, budget):
        return self._row(budget).get("left")
