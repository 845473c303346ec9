"""Who may do what with compensation. The services ask these whichever door the request
came through; the admin asks the same functions to decide which buttons to show."""

from typing import Any

from backoffice.core.actors import is_system_actor
from backoffice.core.exceptions import ApplicationError
from backoffice.roles.selectors import user_has_role, user_rank
from complaints.permissions import Action, complaint_may

from . import exceptions
from .models import ROLE_RANK, CompensationProposal, ProposalState

MANAGER_RANK = 3


def _is_person(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and not is_system_actor(user)
    )


def may_propose(user: Any, complaint: Any) -> bool:
    """Handlers of the complaint (its owner, supervisors, managers) request quotes."""
    return _is_person(user) and complaint_may(user, complaint, Action.PROPOSE_RESOLUTION)


def approval_refusal(user: Any, proposal: CompensationProposal) -> ApplicationError | None:
    """Why `user` may not approve or reject `proposal` now (None: they may).

    The proposer and anyone who adjusted an amount never approve, superusers included;
    auditors never approve; the approver's role must reach the tier's minimum role."""
    if proposal.state != ProposalState.PENDING_APPROVAL:
        return exceptions.InvalidProposalState()
    if not _is_person(user):
        return exceptions.NotPermitted()
    makers = {proposal.proposed_by_id}
    makers |= {a for a in proposal.lines.values_list("adjusted_by", flat=True) if a}
    if user.pk in makers:
        return exceptions.ProposerCannotApprove()
    if user_has_role(user, "auditor"):
        return exceptions.AuditorCannotApprove()
    if user_rank(user) < ROLE_RANK[proposal.minimum_role]:
        return exceptions.ApproverRankTooLow()
    if proposal.approvals.filter(approver=user, cleared_at__isnull=True).exists():
        return exceptions.AlreadyApproved()
    return None


def may_approve(user: Any, proposal: CompensationProposal) -> bool:
    return approval_refusal(user, proposal) is None


def may_withdraw(user: Any, proposal: CompensationProposal) -> bool:
    """The proposer, or a supervisor or manager, takes back an undecided proposal."""
    if not _is_person(user):
        return False
    return user.pk == proposal.proposed_by_id or user_rank(user) >= ROLE_RANK["supervisor"]


def may_manage_policies(user: Any) -> bool:
    return _is_person(user) and user_rank(user) >= MANAGER_RANK
