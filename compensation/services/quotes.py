"""Quotes: the active policy version evaluated against the complaint's verified facts,
stored as a draft proposal whose lines carry their traces; and staff adjustments."""

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from backoffice.core.exceptions import ApplicationError
from backoffice.core.money import parse_amount
from complaints.models import Complaint

from .. import exceptions
from ..engine import Evaluation, Facts, FindingFact, Limits, evaluate
from ..models import (
    ApprovalTier,
    CompensationPolicy,
    CompensationProposal,
    PolicyVersion,
    ProposalLine,
    ProposalState,
    VersionState,
)
from ..permissions import may_propose
from . import limits as limit_checks
from ._common import locked_proposal, now, require_reason, save


def complaint_facts(complaint: Complaint) -> Facts:
    """The verified facts of a complaint: only confirmed findings count."""
    findings = tuple(
        FindingFact(kind=f.kind, transaction=f.transaction, details=f.details or {})
        for f in complaint.findings.filter(confirmed=True).select_related("transaction")
    )
    transactions = tuple(complaint.transactions.exclude(type="refund").order_by("occurred_at"))
    currency = complaint.currency or next(
        (t.currency for t in transactions),
        next((f.transaction.currency for f in findings if f.transaction), ""),
    )
    return Facts(
        reference=complaint.reference,
        category=complaint.category,
        root_cause=complaint.root_cause,
        customer_at_fault=complaint.customer_at_fault,
        escalation_level=complaint.escalation_level,
        breached_clocks=frozenset(complaint.sla_breaches.values_list("clock", flat=True)),
        findings=findings,
        currency=currency,
        disputed_amount=complaint.amount if complaint.currency == currency else None,
        transactions=transactions,
    )


def active_version(policy: CompensationPolicy | None = None) -> PolicyVersion:
    policy = policy or CompensationPolicy.objects.filter(is_default=True).first()
    version = (
        PolicyVersion.objects.select_related("policy")
        .filter(policy=policy, state=VersionState.ACTIVE)
        .first()
        if policy is not None
        else None
    )
    if version is None:
        raise exceptions.PolicyNotActive()
    return version


def tier_for(currency: str, total: Decimal) -> ApprovalTier:
    """The smallest tier whose bound (inclusive) reaches `total`."""
    tiers = ApprovalTier.objects.filter(currency=currency).order_by("up_to")
    bounded = [t for t in tiers if t.up_to is not None and total <= t.up_to]
    if bounded:
        return bounded[0]
    unbounded = next((t for t in tiers if t.up_to is None), None)
    if unbounded is None:
        raise exceptions.ApprovalTierMissing()
    return unbounded


def apply_tier(proposal: CompensationProposal) -> None:
    tier = tier_for(proposal.currency, proposal.total_amount)
    proposal.tier = tier
    proposal.approvals_required = tier.approvals_required
    proposal.minimum_role = tier.minimum_role


def _limits(
    facts: Facts, version: PolicyVersion, complaint: Complaint, exclude: CompensationProposal | None
) -> Limits:
    cap = limit_checks.currency_limit(version, facts.currency).per_complaint_cap
    committed = limit_checks.complaint_committed(complaint.pk, facts.currency, exclude=exclude)
    refundable = {}
    txns = {t.pk: t for t in facts.transactions}
    txns.update({f.transaction.pk: f.transaction for f in facts.findings if f.transaction})
    for txn in txns.values():
        for covers_fee in (False, True):
            refundable[(txn.pk, covers_fee)] = limit_checks.refundable_remainder(
                txn, covers_fee=covers_fee, exclude=exclude
            )
    return Limits(complaint_cap=max(cap - committed, Decimal(0)), refundable=refundable)


def _store_lines(proposal: CompensationProposal, result: Evaluation, actor: Any) -> None:
    for draft in result.lines:
        line = ProposalLine(
            proposal=proposal,
            rule=draft.rule,
            kind=draft.kind,
            refund_basis=draft.refund_basis,
            transaction=draft.transaction,
            currency=draft.currency,
            computed_amount=draft.amount,
            amount=draft.amount,
            lower_bound=draft.lower_bound,
            upper_bound=draft.upper_bound,
            is_goodwill=draft.rule.counts_as_goodwill,
            auto_approve=draft.rule.auto_approve,
            trace=draft.trace,
        )
        save(line, actor=actor, reason="quoted")
    proposal.total_amount = sum((d.amount for d in result.lines), Decimal(0))


def _open_proposal(complaint: Complaint) -> CompensationProposal | None:
    return (
        CompensationProposal.objects.select_for_update()
        .filter(complaint=complaint, state__in=[ProposalState.DRAFT, *_NOT_DRAFT_OPEN])
        .first()
    )


_NOT_DRAFT_OPEN = (
    ProposalState.PENDING_APPROVAL,
    ProposalState.APPROVED,
    ProposalState.EXECUTING,
    ProposalState.UNKNOWN,
)


@transaction.atomic
def compensation_quote(
    *, complaint: Complaint, actor: Any, policy: CompensationPolicy | None = None
) -> CompensationProposal:
    """Evaluate the active policy version against the complaint's verified facts and
    store the result as a draft proposal (a draft already open is quoted afresh).

    Each line keeps its trace: rule and version, inputs, every condition, the amount
    before and after each cap, and the rounding applied."""
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=complaint.pk)
    )
    if not may_propose(actor, complaint):
        raise exceptions.NotPermitted()
    if not complaint.is_open:
        raise exceptions.InvalidProposalState()
    existing = _open_proposal(complaint)
    if existing is not None and existing.state != ProposalState.DRAFT:
        raise exceptions.ProposalAlreadyOpen()
    version = active_version(policy)
    facts = complaint_facts(complaint)
    if not facts.currency:
        raise exceptions.NothingToCompensate()
    result = evaluate(
        version=version,
        rules=version.rules.order_by("order", "pk"),
        facts=facts,
        limits=_limits(facts, version, complaint, existing),
    )
    if not result.lines:
        raise exceptions.NothingToCompensate()
    proposal = existing or CompensationProposal(
        complaint=complaint, customer=complaint.customer, proposed_by=actor
    )
    if existing is not None:
        for line in existing.lines.all():
            line._change_reason, line._history_user = "replaced by a new quote", actor
            line.delete()
    proposal.policy_version, proposal.currency = version, facts.currency
    proposal.evaluation = result.rules
    proposal.proposed_by = actor
    try:
        with transaction.atomic():
            save(proposal, actor=actor, reason=f"quoted with {version}")
    except IntegrityError as exc:
        raise exceptions.ProposalAlreadyOpen() from exc
    _store_lines(proposal, result, actor)
    apply_tier(proposal)
    save(proposal, actor=actor, reason="total and approval tier")
    return proposal


def _parse_adjustment(line: ProposalLine, amount: Any) -> Decimal:
    try:
        return parse_amount(amount, line.currency)
    except ApplicationError as exc:
        exc.fields = {"amount": [{"code": exc.code, "message": str(exc.message)}]}
        raise


@transaction.atomic
def compensation_adjust_line(
    *, line: ProposalLine, actor: Any, amount: Any, reason: str
) -> ProposalLine:
    """Change a line's amount within the rule's bounds, with a written reason. Existing
    approvals are cleared and the approval tier is evaluated again."""
    reason = require_reason(reason)
    proposal = locked_proposal(line.proposal_id)
    if not may_propose(actor, proposal.complaint):
        raise exceptions.NotPermitted()
    if proposal.state not in (ProposalState.DRAFT, ProposalState.PENDING_APPROVAL):
        raise exceptions.InvalidProposalState()
    line = (
        ProposalLine.objects.select_for_update(of=("self",))
        .select_related("transaction")
        .get(pk=line.pk)
    )
    new_amount = _parse_adjustment(line, amount)
    if not line.lower_bound <= new_amount <= line.upper_bound:
        raise exceptions.AdjustmentOutOfBounds(
            fields={
                "amount": [
                    {
                        "code": exceptions.AdjustmentOutOfBounds.code,
                        "message": _("Allowed: %(low)s to %(high)s.")
                        % {"low": line.lower_bound, "high": line.upper_bound},
                    }
                ]
            }
        )
    previous, line.amount = line.amount, new_amount
    lines = [
        line if other.pk == line.pk else other
        for other in proposal.lines.select_related("transaction")
    ]
    limit_checks.check_refundable(proposal, lines)
    line.adjusted_by, line.adjustment_reason = actor, reason
    save(line, actor=actor, reason=f"adjusted {previous} -> {new_amount}: {reason}")
    cleared = proposal.approvals.filter(cleared_at__isnull=True)
    for approval in cleared:
        approval.cleared_at = now()
        save(approval, actor=actor, reason="cleared: an amount changed")
    proposal.total_amount = sum((other.amount for other in lines), Decimal(0))
    apply_tier(proposal)
    save(proposal, actor=actor, reason=f"line {line.pk} adjusted; approvals cleared")
    return line
