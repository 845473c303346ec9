"""Maker-checker: submit, approve (the final approval re-validates everything against
live data under locks, reserves the budget and starts execution), reject, withdraw and
expire."""

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction

from backoffice.roles.selectors import user_roles

from .. import exceptions
from ..conf import setting
from ..models import (
    CompensationProposal,
    ProposalApproval,
    ProposalLine,
    ProposalState,
    VersionState,
)
from ..permissions import approval_refusal, may_propose, may_withdraw
from . import limits as limit_checks
from ._common import lock_customer, locked_proposal, now, require_reason, save, system
from .execution import dispatch_execution
from .quotes import tier_for


def _lines(proposal: CompensationProposal) -> list[ProposalLine]:
    return list(proposal.lines.select_related("transaction").order_by("pk"))


def _validate(proposal: CompensationProposal, lines: list[ProposalLine]) -> None:
    if proposal.policy_version.state != VersionState.ACTIVE:
        raise exceptions.PolicyChanged()
    limit_checks.check_refundable(proposal, lines)
    limit_checks.check_caps(proposal, lines)


def _finalise(proposal: CompensationProposal, *, actor: Any, auto: bool) -> None:
    """Re-validate against live data under the customer's lock, approve, reserve the
    budget and commit every line's idempotency key with the `executing` state. The
    payouts run after commit."""
    lines = _lines(proposal)
    lock_customer(proposal.customer_id)
    _validate(proposal, lines)
    at = now()
    proposal.approve(at=at, auto=auto)
    save(proposal, actor=actor, reason="auto-approved" if auto else "approved")
    limit_checks.reserve_budget(proposal, lines, at=at, actor=actor)
    for line in lines:
        line.start(key=f"cmp-{proposal.pk}-{line.pk}")
        save(line, actor=actor, reason="executing: idempotency key committed")
    proposal.start_execution()
    save(proposal, actor=actor, reason="executing")
    dispatch_execution(proposal.pk)


@transaction.atomic
def compensation_submit(*, proposal: CompensationProposal, actor: Any) -> CompensationProposal:
    """Ask for approval. A tier that needs no approval, for lines whose rules all allow
    it, approves at once (after the same re-validation as a final approval)."""
    proposal = locked_proposal(proposal)
    if not may_propose(actor, proposal.complaint):
        raise exceptions.NotPermitted()
    if proposal.state != ProposalState.DRAFT:
        raise exceptions.InvalidProposalState()
    lines = _lines(proposal)
    _validate(proposal, lines)
    tier = tier_for(proposal.currency, proposal.total_amount)
    proposal.tier, proposal.approvals_required = tier, tier.approvals_required
    proposal.minimum_role = tier.minimum_role
    proposal.submit(at=now())
    save(proposal, actor=actor, reason="submitted for approval")
    if proposal.approvals_required == 0 and all(line.auto_approve for line in lines):
        _finalise(proposal, actor=system(), auto=True)
    elif proposal.approvals_required == 0:
        proposal.approvals_required = 1
        save(proposal, actor=actor, reason="a rule does not allow auto-approval")
    return proposal


def _role_name(user: Any) -> str:
    roles = user_roles(user)
    return next((r for r in ("manager", "supervisor", "agent") if r in roles), "agent")


@transaction.atomic
def compensation_approve(
    *, proposal: CompensationProposal, actor: Any, comment: str = ""
) -> CompensationProposal:
    """One approval. Never by the proposer or an adjuster (superusers included), never by
    an auditor, once per person. The last approval required re-validates the proposal
    against live data and refuses with the reason if anything changed."""
    proposal = locked_proposal(proposal)
    refusal = approval_refusal(actor, proposal)
    if refusal is not None:
        raise refusal
    approval = ProposalApproval(
        proposal=proposal, approver=actor, role=_role_name(actor), comment=comment.strip()
    )
    try:
        with transaction.atomic():
            save(approval, actor=actor, reason="approved")
    except IntegrityError as exc:
        raise exceptions.AlreadyApproved() from exc
    given = proposal.approvals.filter(cleared_at__isnull=True).count()
    if given >= max(proposal.approvals_required, 1):
        _finalise(proposal, actor=actor, auto=False)
    return proposal


@transaction.atomic
def compensation_reject(
    *, proposal: CompensationProposal, actor: Any, reason: str
) -> CompensationProposal:
    """An eligible approver refuses the proposal, saying why."""
    reason = require_reason(reason)
    proposal = locked_proposal(proposal)
    refusal = approval_refusal(actor, proposal)
    if refusal is not None and not isinstance(refusal, exceptions.AlreadyApproved):
        raise refusal
    proposal.reject(by=actor, reason=reason, at=now())
    save(proposal, actor=actor, reason=f"rejected: {reason}")
    return proposal


@transaction.atomic
def compensation_withdraw(
    *, proposal: CompensationProposal, actor: Any, reason: str
) -> CompensationProposal:
    """The proposer (or a supervisor or manager) takes back a draft or pending proposal."""
    reason = require_reason(reason)
    proposal = locked_proposal(proposal)
    if not may_withdraw(actor, proposal):
        raise exceptions.NotPermitted()
    if proposal.state not in (ProposalState.DRAFT, ProposalState.PENDING_APPROVAL):
        raise exceptions.InvalidProposalState()
    proposal.withdraw(by=actor, reason=reason, at=now())
    save(proposal, actor=actor, reason=f"withdrawn: {reason}")
    return proposal


def compensation_expire_stale() -> int:
    """Drafts and pending proposals untouched for COMPENSATION_PROPOSAL_EXPIRY_DAYS
    expire: the facts or the policy may have changed. Idempotent."""
    cutoff = now() - timedelta(days=setting("COMPENSATION_PROPOSAL_EXPIRY_DAYS"))
    ids = list(
        CompensationProposal.objects.filter(
            state__in=[ProposalState.DRAFT, ProposalState.PENDING_APPROVAL],
            updated_at__lt=cutoff,
        ).values_list("pk", flat=True)
    )
    expired = 0
    for pk in ids:
        with transaction.atomic():
            proposal = (
                CompensationProposal.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, state__in=[ProposalState.DRAFT, ProposalState.PENDING_APPROVAL])
                .first()
            )
            if proposal is None:
                continue
            proposal.expire(at=now())
            save(proposal, actor=system(), reason="expired: not decided in time")
            expired += 1
    return expired
