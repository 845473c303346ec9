"""The staff actions offered in the admin: one small form per action, each calling the
same service the API and the tasks call."""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from backoffice.roles.models import Role

from .. import services
from ..models import CannedResponse, Complaint, Complexity, IdentityMethod, Priority, RootCause
from ..permissions import Action


def _reason(required: bool = True, label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Reason"), required=required, widget=forms.Textarea(attrs={"rows": 3})
    )


class CannedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CannedResponse) -> str:
        return obj.title(get_language())


class ActionForm(forms.Form):
    def __init__(self, *args: Any, complaint: Complaint, fields: dict, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in fields.items():
            self.fields[name] = field(complaint) if callable(field) else copy.deepcopy(field)


def _owners(complaint: Complaint) -> forms.ModelChoiceField:
    roles = [Role.AGENT, Role.SUPERVISOR, Role.MANAGER][complaint.escalation_level :]
    users = get_user_model().objects.filter(is_active=True, groups__name__in=roles).distinct()
    return forms.ModelChoiceField(label=_("New owner"), queryset=users.order_by("username"))


def _canned(complaint: Complaint) -> forms.ModelChoiceField:
    queryset = CannedResponse.objects.filter(
        Q(category="") | Q(category=complaint.category), is_active=True
    )
    return CannedChoiceField(
        label=_("Canned response"),
        queryset=queryset,
        required=False,
        help_text=_("Used, in the customer's language, when the text is left empty."),
    )


def _message(complaint: Complaint, user: Any, data: dict) -> Any:
    body = data["body"]
    if not body.strip() and data.get("canned"):
        body = data["canned"].body(complaint.customer.language)
    return services.complaint_add_message(complaint=complaint, actor=user, body=body)


@dataclass(frozen=True)
class AdminAction:
    label: Any
    fields: dict
    run: Callable[[Complaint, Any, dict], Any]
    permission: str


def _spec(label, permission, run, **fields) -> AdminAction:
    return AdminAction(label=label, fields=fields, run=run, permission=permission)


S = services
ACTIONS: dict[str, AdminAction] = {
    "acknowledge": _spec(
        _("Acknowledge"),
        Action.ACKNOWLEDGE,
        lambda c, u, d: S.complaint_acknowledge(complaint=c, actor=u, reason=d["reason"]),
        reason=_reason(False),
    ),
    "start_investigation": _spec(
        _("Start investigation"),
        Action.START_INVESTIGATION,
        lambda c, u, d: S.complaint_start_investigation(complaint=c, actor=u, plan=d["plan"]),
        plan=_reason(label=_("Initial judgement or follow-up plan")),
    ),
    "request_info": _spec(
        _("Ask the customer for information"),
        Action.REQUEST_INFO,
        lambda c, u, d: S.complaint_request_info(complaint=c, actor=u, reason=d["reason"]),
        reason=_reason(label=_("What we need (sent to the customer)")),
    ),
    "resume_investigation": _spec(
        _("Resume investigation"),
        Action.RESUME_INVESTIGATION,
        lambda c, u, d: S.complaint_resume_investigation(complaint=c, actor=u, reason=d["reason"]),
        reason=_reason(False),
    ),
    "verify_identity": _spec(
        _("Record identity verification"),
        Action.VERIFY_IDENTITY,
        lambda c, u, d: S.complaint_record_identity_verification(
            complaint=c, actor=u, method=d["method"]
        ),
        method=forms.ChoiceField(label=_("Method"), choices=IdentityMethod.choices),
    ),
    "set_root_cause": _spec(
        _("Set root cause"),
        Action.SET_ROOT_CAUSE,
        lambda c, u, d: S.complaint_set_root_cause(
            complaint=c,
            actor=u,
            root_cause=d["root_cause"],
            customer_at_fault=d["customer_at_fault"],
            reason=d["reason"],
        ),
        root_cause=forms.ChoiceField(label=_("Root cause"), choices=RootCause.choices),
        customer_at_fault=forms.BooleanField(label=_("Customer at fault"), required=False),
        reason=_reason(False),
    ),
    "classify": _spec(
        _("Change priority or complexity"),
        Action.CLASSIFY,
        lambda c, u, d: S.complaint_classify(
            complaint=c,
            actor=u,
            priority=d["priority"],
            complexity=d["complexity"],
            reason=d["reason"],
        ),
        priority=forms.ChoiceField(label=_("Priority"), choices=Priority.choices),
        complexity=forms.ChoiceField(label=_("Complexity"), choices=Complexity.choices),
        reason=_reason(),
    ),
    "verify_transactions": _spec(
        _("Verify transactions again"),
        Action.VERIFY_TRANSACTIONS,
        lambda c, u, d: S.complaint_verify_transactions(complaint=c, actor=u),
    ),
    "propose_resolution": _spec(
        _("Propose resolution"),
        Action.PROPOSE_RESOLUTION,
        lambda c, u, d: S.complaint_propose_resolution(
            complaint=c, actor=u, summary=d["summary"], follow_up_advice=d["follow_up_advice"]
        ),
        summary=_reason(label=_("What was done and the outcome")),
        follow_up_advice=_reason(False, label=_("Follow-up advice")),
    ),
    "send_resolution_notice": _spec(
        _("Send resolution notice"),
        Action.SEND_RESOLUTION_NOTICE,
        lambda c, u, d: S.complaint_send_resolution_notice(complaint=c, actor=u),
    ),
    "accept_resolution": _spec(
        _("Record the customer's acceptance"),
        Action.ACCEPT_RESOLUTION,
        lambda c, u, d: S.complaint_accept_resolution(complaint=c, actor=u, reason=d["reason"]),
        reason=_reason(label=_("How the customer accepted")),
    ),
    "reject_resolution": _spec(
        _("Record the customer's rejection"),
        Action.REJECT_RESOLUTION,
        lambda c, u, d: S.complaint_reject_resolution(complaint=c, actor=u, reason=d["reason"]),
        reason=_reason(),
    ),
    "escalate": _spec(
        _("Escalate"),
        Action.ESCALATE,
        lambda c, u, d: S.complaint_escalate(complaint=c, actor=u, reason=d["reason"]),
        reason=_reason(),
    ),
    "extend_statutory": _spec(
        _("Send holding reply (extend final deadline)"),
        Action.EXTEND_STATUTORY,
        lambda c, u, d: S.complaint_extend_statutory(complaint=c, actor=u, reason=d["reason"]),
        reason=_reason(label=_("Why we need more time (sent to the customer)")),
    ),
    "assign": _spec(
        _("Reassign"),
        Action.ASSIGN,
        lambda c, u, d: S.complaint_assign(
            complaint=c, actor=u, owner=d["owner"], reason=d["reason"]
        ),
        owner=_owners,
        reason=_reason(),
    ),
    "add_message": _spec(
        _("Message the customer"),
        Action.ADD_MESSAGE,
        _message,
        canned=_canned,
        body=forms.CharField(label=_("Text"), required=False, widget=forms.Textarea),
    ),
    "add_note": _spec(
        _("Add internal note"),
        Action.ADD_NOTE,
        lambda c, u, d: S.complaint_add_internal_note(complaint=c, actor=u, body=d["body"]),
        body=forms.CharField(label=_("Note"), widget=forms.Textarea),
    ),
    "reject": _spec(
        _("Reject as invalid, duplicate or out of scope"),
        Action.REJECT,
        lambda c, u, d: S.complaint_reject(complaint=c, actor=u, reason=d["reason"]),
        reason=_reason(label=_("Reason (sent to the customer)")),
    ),
    "withdraw": _spec(
        _("Record withdrawal by the customer"),
        Action.WITHDRAW,
        lambda c, u, d: S.complaint_withdraw(complaint=c, actor=u, reason=d["reason"]),
        reason=_reason(False),
    ),
    "reopen": _spec(
        _("Reopen"),
        Action.REOPEN,
        lambda c, u, d: S.complaint_reopen(complaint=c, actor=u, reason=d["reason"]),
        reason=_reason(),
    ),
}
# Actions that are not state transitions: offered while the complaint is open.
OPEN_ACTIONS = {
    "verify_identity",
    "set_root_cause",
    "classify",
    "verify_transactions",
    "extend_statutory",
    "assign",
    "add_message",
    "add_note",
}

# Transitions whose own form supplies what their conditions check (the summary): offered
# whenever the state and the permission allow; the service shows any unmet guard on the form.
FORM_COMPLETED = {"propose_resolution"}


def available_actions(complaint: Complaint, user: Any) -> list[tuple[str, AdminAction]]:
    """The buttons this user may press now: transitions the FSM allows (state, guards and
    permission) plus the open-complaint actions the user's role allows."""
    from ..permissions import complaint_may

    names = {t.name for t in complaint.get_available_user_state_transitions(user)}
    names |= {
        t.name
        for t in complaint.get_all_state_transitions()
        if t.name in FORM_COMPLETED and t.source == complaint.state and t.has_perm(complaint, user)
    }
    if complaint.is_open:
        names |= {n for n in OPEN_ACTIONS if complaint_may(user, complaint, ACTIONS[n].permission)}
    if complaint.state == "escalated":
        names.discard("escalate")
    return [(name, spec) for name, spec in ACTIONS.items() if name in names]
