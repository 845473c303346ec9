"""Who may run which action on a complaint. The services ask `complaint_may` whichever door
the request came through (admin, API, task); the FSM transitions use the same answer so
the admin only shows buttons the user may press.

Agents handle front-line complaints they own (or unowned ones still submitted);
supervisors everything agents can, on complaints up to escalation level 1, plus reassigning
and level-1 escalations; managers everything. Auditors and content editors nothing.
Customers only their own complaints' answer, withdrawal, rating and messages.
"""

from typing import Any

from backoffice.core.actors import is_system_actor
from backoffice.roles.selectors import user_rank


class Action:
    ACKNOWLEDGE = "acknowledge"
    START_INVESTIGATION = "start_investigation"
    REQUEST_INFO = "request_info"
    RESUME_INVESTIGATION = "resume_investigation"
    VERIFY_IDENTITY = "verify_identity"
    SET_ROOT_CAUSE = "set_root_cause"
    CLASSIFY = "classify"
    VERIFY_TRANSACTIONS = "verify_transactions"
    REVIEW_FINDING = "review_finding"
    PROPOSE_RESOLUTION = "propose_resolution"
    SEND_RESOLUTION_NOTICE = "send_resolution_notice"
    ACCEPT_RESOLUTION = "accept_resolution"
    REJECT_RESOLUTION = "reject_resolution"
    AUTO_CLOSE = "auto_close"
    ESCALATE = "escalate"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    REOPEN = "reopen"
    EXTEND_STATUTORY = "extend_statutory"
    ASSIGN = "assign"
    ADD_MESSAGE = "add_message"
    ADD_NOTE = "add_note"
    RATE = "rate"


FRONT_LINE_ACTIONS = frozenset(
    {
        Action.ACKNOWLEDGE,
        Action.START_INVESTIGATION,
        Action.REQUEST_INFO,
        Action.RESUME_INVESTIGATION,
        Action.VERIFY_IDENTITY,
        Action.SET_ROOT_CAUSE,
        Action.CLASSIFY,
        Action.VERIFY_TRANSACTIONS,
        Action.REVIEW_FINDING,
        Action.PROPOSE_RESOLUTION,
        Action.SEND_RESOLUTION_NOTICE,
        Action.ACCEPT_RESOLUTION,
        Action.REJECT_RESOLUTION,
        Action.REJECT,
        Action.WITHDRAW,
        Action.REOPEN,
        Action.EXTEND_STATUTORY,
        Action.ADD_MESSAGE,
        Action.ADD_NOTE,
    }
)
CUSTOMER_ACTIONS = frozenset(
    {
        Action.ACCEPT_RESOLUTION,
        Action.REJECT_RESOLUTION,
        Action.WITHDRAW,
        Action.RATE,
        Action.ADD_MESSAGE,
    }
)
SYSTEM_ACTIONS = frozenset(
    {
        Action.ESCALATE,
        Action.AUTO_CLOSE,
        Action.RESUME_INVESTIGATION,
        Action.VERIFY_TRANSACTIONS,
        Action.ASSIGN,
    }
)
SUPERVISOR_RANK, MANAGER_RANK = 2, 3


def _customer_of(user: Any) -> Any:
    if getattr(user, "is_staff", False):
        return None
    return getattr(user, "customer", None)


def complaint_may(user: Any, complaint: Any, action: str) -> bool:
    """True when `user` may run `action` on `complaint` (state and guards aside)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if is_system_actor(user):
        return action in SYSTEM_ACTIONS
    customer = _customer_of(user)
    if customer is not None:
        return action in CUSTOMER_ACTIONS and complaint.customer_id == customer.pk
    rank = user_rank(user)
    if rank == 0:
        return False
    if action == Action.ESCALATE:
        # Level-1 escalations by supervisors and managers, level 2 by managers only.
        return rank >= complaint.escalation_level + 2
    if action == Action.ASSIGN:
        return rank >= SUPERVISOR_RANK and rank > complaint.escalation_level
    if action not in FRONT_LINE_ACTIONS:
        return False
    if rank >= MANAGER_RANK:
        return True
    if rank == SUPERVISOR_RANK:
        return complaint.escalation_level <= 1
    if complaint.escalation_level > 0:
        return False
    if complaint.owner_id == user.pk:
        return True
    return complaint.owner_id is None and complaint.state == "submitted"


def transition_permission(action: str):
    """The `permission=` callable of an FSM transition."""

    def check(instance: Any, user: Any) -> bool:
        return complaint_may(user, instance, action)

    check.action = action
    return check
