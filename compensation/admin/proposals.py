"""Proposals in the admin: read-only pages whose buttons call the services; approve and
reject appear only for eligible approvers (and the services refuse everyone else)."""

import json

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from backoffice.core.exceptions import ApplicationError
from complaints.models import Complaint

from .. import services
from ..models import (
    CompensationProposal,
    ProposalApproval,
    ProposalLine,
    ProposalState,
)
from ..permissions import may_approve, may_propose, may_withdraw
from .forms import AdjustForm, CommentForm, QuoteForm, ReasonForm


def pretty_json(value) -> str:
    return format_html("<pre style='white-space:pre-wrap'>{}</pre>", json.dumps(value, indent=2))


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class LineInline(ReadOnlyInline):
    model = ProposalLine
    fields = [
        "kind",
        "transaction",
        "amount",
        "computed_amount",
        "bounds",
        "status",
        "gateway_reference",
        "account_credited",
        "adjustment",
        "trace_display",
    ]
    readonly_fields = fields

    @admin.display(description=_("allowed range"))
    def bounds(self, line: ProposalLine) -> str:
        return f"{line.lower_bound} – {line.upper_bound}"  # noqa: RUF001

    @admin.display(description=_("adjustment"))
    def adjustment(self, line: ProposalLine) -> str:
        if not line.adjusted_by_id:
            return "-"
        return f"{line.adjusted_by}: {line.adjustment_reason}"

    @admin.display(description=_("trace"))
    def trace_display(self, line: ProposalLine) -> str:
        return pretty_json(line.trace)


class ApprovalInline(ReadOnlyInline):
    model = ProposalApproval
    fields = ["approver", "role", "comment", "created_at", "cleared_at"]
    readonly_fields = fields


@admin.register(CompensationProposal)
class CompensationProposalAdmin(SimpleHistoryAdmin):
    list_display = [
        "id",
        "complaint",
        "customer",
        "state",
        "total_amount",
        "currency",
        "approvals_required",
        "minimum_role",
        "proposed_by",
        "created_at",
    ]
    list_filter = ["state", "currency", "minimum_role"]
    search_fields = ["=complaint__reference", "=customer__wallet_account_id"]
    list_select_related = ["complaint", "customer", "proposed_by"]
    history_list_display = ["state", "total_amount"]
    change_form_template = "admin/compensation/proposal_change_form.html"
    change_list_template = "admin/compensation/proposal_change_list.html"
    inlines = [LineInline, ApprovalInline]
    readonly_fields = [
        "complaint",
        "customer",
        "policy_version",
        "state",
        "currency",
        "total_amount",
        "tier",
        "approvals_required",
        "minimum_role",
        "auto_approved",
        "proposed_by",
        "submitted_at",
        "approved_at",
        "finished_at",
        "decided_by",
        "decision_reason",
        "evaluation_display",
    ]
    exclude = ["evaluation"]

    @admin.display(description=_("rule evaluation"))
    def evaluation_display(self, proposal: CompensationProposal) -> str:
        return pretty_json(proposal.evaluation)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("quote/", view(self.quote_view), name="compensation_quote"),
            path(
                "<int:pk>/do/<str:action>/",
                view(self.action_view),
                name="compensation_proposal_action",
            ),
            path(
                "<int:pk>/line/<int:line_id>/adjust/",
                view(self.adjust_view),
                name="compensation_line_adjust",
            ),
            *super().get_urls(),
        ]

    # --- buttons ------------------------------------------------------------------------
    def proposal_actions(self, request, proposal: CompensationProposal) -> list:
        user, found = request.user, []
        if proposal.state == ProposalState.DRAFT and may_propose(user, proposal.complaint):
            found.append(("submit", _("Submit for approval")))
        if may_approve(user, proposal):
            found += [("approve", _("Approve")), ("reject", _("Reject"))]
        if proposal.state in (ProposalState.DRAFT, ProposalState.PENDING_APPROVAL) and (
            may_withdraw(user, proposal)
        ):
            found.append(("withdraw", _("Withdraw")))
        return [
            (name, label, reverse("admin:compensation_proposal_action", args=[proposal.pk, name]))
            for name, label in found
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        proposal = self.get_object(request, object_id)
        extra = extra_context or {}
        if proposal is not None:
            extra["proposal_actions"] = self.proposal_actions(request, proposal)
            editable = proposal.state in (ProposalState.DRAFT, ProposalState.PENDING_APPROVAL)
            if editable and may_propose(request.user, proposal.complaint):
                extra["adjustable_lines"] = [
                    (line, reverse("admin:compensation_line_adjust", args=[proposal.pk, line.pk]))
                    for line in proposal.lines.all()
                ]
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def _page(self, request, proposal, form, title):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": proposal,
            "form": form,
            "title": title,
            "change_url": reverse(
                "admin:compensation_compensationproposal_change", args=[proposal.pk]
            )
            if proposal
            else reverse("admin:compensation_compensationproposal_changelist"),
        }
        return TemplateResponse(request, "admin/compensation/action_form.html", context)

    def _run(self, request, call, success_url: str, done: str):
        try:
            call()
        except ApplicationError as exc:
            self.message_user(request, f"{exc.message} {exc.hint}", messages.ERROR)
            return False
        self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(success_url)

    def action_view(self, request, pk: int, action: str):
        proposal = get_object_or_404(CompensationProposal, pk=pk)
        url = reverse("admin:compensation_compensationproposal_change", args=[pk])
        form_class = {"approve": CommentForm, "submit": CommentForm}.get(action, ReasonForm)
        if action not in {"submit", "approve", "reject", "withdraw"}:
            return HttpResponseRedirect(url)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data, user = form.cleaned_data, request.user
            calls = {
                "submit": lambda: services.compensation_submit(proposal=proposal, actor=user),
                "approve": lambda: services.compensation_approve(
                    proposal=proposal, actor=user, comment=data.get("comment", "")
                ),
                "reject": lambda: services.compensation_reject(
                    proposal=proposal, actor=user, reason=data.get("reason", "")
                ),
                "withdraw": lambda: services.compensation_withdraw(
                    proposal=proposal, actor=user, reason=data.get("reason", "")
                ),
            }
            done = self._run(request, calls[action], url, _("Done."))
            return done or HttpResponseRedirect(url)
        return self._page(request, proposal, form, dict(self.proposal_actions_labels())[action])

    @staticmethod
    def proposal_actions_labels():
        return [
            ("submit", _("Submit for approval")),
            ("approve", _("Approve")),
            ("reject", _("Reject")),
            ("withdraw", _("Withdraw")),
        ]

    def adjust_view(self, request, pk: int, line_id: int):
        line = get_object_or_404(ProposalLine, pk=line_id, proposal_id=pk)
        url = reverse("admin:compensation_compensationproposal_change", args=[pk])
        form = AdjustForm(request.POST or None, initial={"amount": line.amount})
        if request.method == "POST" and form.is_valid():
            call = lambda: services.compensation_adjust_line(  # noqa: E731
                line=line, actor=request.user, **form.cleaned_data
            )
            done = self._run(request, call, url, _("Amount changed; approvals cleared."))
            if done:
                return done
        return self._page(request, line.proposal, form, _("Adjust a line"))

    def quote_view(self, request):
        form = QuoteForm(request.POST or None, initial={"reference": request.GET.get("complaint")})
        if request.method == "POST" and form.is_valid():
            complaint = Complaint.objects.filter(reference=form.cleaned_data["reference"]).first()
            if complaint is None:
                form.add_error("reference", _("No complaint with this reference."))
            else:
                try:
                    proposal = services.compensation_quote(complaint=complaint, actor=request.user)
                except ApplicationError as exc:
                    self.message_user(request, f"{exc.message} {exc.hint}", messages.ERROR)
                else:
                    return HttpResponseRedirect(
                        reverse(
                            "admin:compensation_compensationproposal_change", args=[proposal.pk]
                        )
                    )
        return self._page(request, None, form, _("Quote compensation"))
