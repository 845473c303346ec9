"""Execution, exactly once. Lines are `executing` with their idempotency key committed
before any payout; the payout runs in a task after commit. A timeout leaves the line
`unknown`, and reconciliation asks the gateway and settles it. Coupons and fee waivers are
issued in our own database (unique per line, so a repeated task issues nothing twice)."""

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from ..conf import setting
from ..gateways import (
    NOT_FOUND,
    SUCCEEDED,
    GatewayUnavailable,
    IdempotencyConflict,
    PaymentGateway,
    PayoutRequest,
    get_gateway,
)
from ..models import (
    BudgetReservation,
    CompensationProposal,
    GrantKind,
    LineStatus,
    ProposalLine,
    ProposalState,
    ReservationStatus,
)
from ._common import locked_proposal, now, save, system
from .grants import coupon_issue, fee_waiver_grant

logger = logging.getLogger(__name__)


def dispatch_execution(proposal_id: int) -> None:
    """Queue the payouts once the executing state is committed."""

    def send() -> None:
        from ..tasks import execute_proposal

        try:
            execute_proposal.delay(proposal_id)
        except Exception:  # broker down: the reconciliation job picks the lines up
            logger.warning("could not queue proposal %s; reconciliation will", proposal_id)

    transaction.on_commit(send)


def payout_request(line: ProposalLine) -> PayoutRequest:
    """Always the same parameters for the same line: its amount is frozen once executing."""
    proposal = line.proposal
    return PayoutRequest(
        idempotency_key=line.idempotency_key,
        wallet_account_id=proposal.customer.wallet_account_id,
        amount=line.amount,
        currency=line.currency,
        original_transaction_id=line.transaction.transaction_id if line.transaction else "",
        memo=f"compensation {proposal.complaint.reference} line {line.pk}",
    )


def _settle_reservation(line: ProposalLine, status: str, actor: Any) -> None:
    reservation = BudgetReservation.objects.filter(line=line).first()
    if reservation is not None and reservation.status == ReservationStatus.HELD:
        reservation.status = status
        save(reservation, actor=actor, reason=f"line {line.status}")


def _record(line: ProposalLine, result, actor: Any) -> None:
    at = now()
    if result.status == SUCCEEDED:
        line.succeed(reference=result.reference, account=result.account, at=at)
        save(line, actor=actor, reason=f"paid: {result.reference}")
        _settle_reservation(line, ReservationStatus.CONSUMED, actor)
    else:
        line.fail(error=result.error or "refused by the gateway", at=at)
        save(line, actor=actor, reason=f"payout failed: {line.last_error}"[:100])
        _settle_reservation(line, ReservationStatus.RELEASED, actor)


def _pay(line: ProposalLine, gateway: PaymentGateway, *, ask_first: bool, actor: Any) -> None:
    """Send (or, on a retry, first ask about) the payout; same key, same parameters."""
    request = payout_request(line)
    line.attempts += 1
    line.sent_at = line.sent_at or now()
    try:
        result = gateway.status(request) if ask_first else None
        if result is None or result.status == NOT_FOUND:
            result = gateway.payout(request)
    except (GatewayUnavailable, IdempotencyConflict) as exc:
        line.mark_unknown(error=f"{type(exc).__name__}: {exc}")
        save(line, actor=actor, reason="outcome unknown: reconciliation will ask")
        return
    _record(line, result, actor)


def _issue_locally(line: ProposalLine, actor: Any) -> None:
    if line.kind == GrantKind.COUPON:
        grant = coupon_issue(line=line, actor=actor)
        reference = grant.code
    else:
        grant = fee_waiver_grant(line=line, actor=actor)
        reference = f"FW-{grant.pk}"
    line.succeed(reference=reference, account=line.proposal.customer.wallet_account_id, at=now())
    save(line, actor=actor, reason=f"issued {reference}")
    _settle_reservation(line, ReservationStatus.CONSUMED, actor)


def compensation_execute_line(*, line_id: int, ask_first: bool = False) -> ProposalLine | None:
    """Execute one line that is executing (or, from reconciliation, unknown). The row
    lock is held across the gateway call, so a second worker skips the line."""
    states = [LineStatus.EXECUTING, LineStatus.UNKNOWN] if ask_first else [LineStatus.EXECUTING]
    actor = system()
    with transaction.atomic():
        line = (
            ProposalLine.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("proposal__customer", "proposal__complaint", "transaction")
            .filter(pk=line_id, status__in=states)
            .first()
        )
        if line is None:
            return None
        if line.kind == GrantKind.REFUND:
            _pay(line, get_gateway(), ask_first=ask_first or line.attempts > 0, actor=actor)
        else:
            _issue_locally(line, actor)
    return line


@transaction.atomic
def compensation_settle(*, proposal_id: int) -> CompensationProposal:
    """The proposal's outcome from its lines: all paid → succeeded; any unknown →
    unknown (settled later by reconciliation only); otherwise failed."""
    proposal = locked_proposal(proposal_id)
    statuses = set(proposal.lines.values_list("status", flat=True))
    if proposal.state not in (ProposalState.EXECUTING, ProposalState.UNKNOWN):
        return proposal
    if LineStatus.EXECUTING in statuses or LineStatus.PENDING in statuses:
        return proposal
    at, actor = now(), system()
    all_paid = statuses == {LineStatus.SUCCEEDED}
    if LineStatus.UNKNOWN in statuses:
        if proposal.state == ProposalState.UNKNOWN:
            return proposal
        proposal.mark_unknown()
    elif proposal.state == ProposalState.UNKNOWN:
        (proposal.reconcile_succeeded if all_paid else proposal.reconcile_failed)(at=at)
    else:
        (proposal.succeed if all_paid else proposal.fail)(at=at)
    save(proposal, actor=actor, reason=f"outcome: {proposal.state}")
    return proposal


def compensation_execute(*, proposal_id: int) -> CompensationProposal:
    """Run every executing line of a proposal, then settle its outcome. Idempotent."""
    ids = ProposalLine.objects.filter(
        proposal_id=proposal_id, status=LineStatus.EXECUTING
    ).values_list("pk", flat=True)
    for line_id in list(ids):
        compensation_execute_line(line_id=line_id)
    return compensation_settle(proposal_id=proposal_id)


def compensation_reconcile() -> int:
    """Periodic: ask the gateway about every unknown line (and lines executing for too
    long, whose task was lost), pay the ones it never received with the same key and
    parameters, and settle their proposals. Returns the number of lines looked at."""
    stale = now() - timedelta(seconds=setting("COMPENSATION_STALE_EXECUTION_SECONDS"))
    lines = ProposalLine.objects.filter(
        Q(status=LineStatus.UNKNOWN) | Q(status=LineStatus.EXECUTING, updated_at__lt=stale)
    ).values_list("pk", "proposal_id")
    rows = list(lines)
    for line_id, _proposal_id in rows:
        compensation_execute_line(line_id=line_id, ask_first=True)
    for proposal_id in sorted({p for _l, p in rows}):
        compensation_settle(proposal_id=proposal_id)
    return len(rows)
