"""Acceptance 2 (sequential part), 7 and 8: exactly-once execution, unknown outcomes
settled by reconciliation, and budget reservations released when a payout fails."""

from decimal import Decimal

import httpx
import pytest

from compensation import exceptions, services
from compensation.gateways import (
    SUCCEEDED,
    EmbeddedLedgerGateway,
    GatewayUnavailable,
    HttpPaymentCoreGateway,
    IdempotencyConflict,
    PayoutRequest,
)
from compensation.models import (
    BudgetReservation,
    LineStatus,
    ProposalLine,
    ProposalState,
    ReservationStatus,
    WalletLedgerEntry,
)
from compensation.selectors import budget_usage
from tests.backoffice.factories import staff_user
from tests.compensation.factories import (
    activate_policy,
    duplicate_charge_complaint,
    fresh,
    refund_rule,
    submitted,
)

pytestmark = pytest.mark.django_db
D = Decimal


def _approved(run_on_commit, amount="250.00"):
    activate_policy([refund_rule()])
    complaint, agent, _txn = duplicate_charge_complaint(amount=amount)
    proposal = submitted(complaint, agent)
    run_on_commit(services.compensation_approve, proposal=proposal, actor=staff_user("supervisor"))
    return fresh(proposal), ProposalLine.objects.get(proposal=proposal)


def test_2_a_double_click_executes_once(run_on_commit, counting_gateway):
    activate_policy([refund_rule()])
    complaint, agent, _txn = duplicate_charge_complaint(amount="250.00")
    proposal = submitted(complaint, agent)
    supervisor = staff_user("supervisor")
    run_on_commit(services.compensation_approve, proposal=proposal, actor=supervisor)
    with pytest.raises(exceptions.InvalidProposalState):
        run_on_commit(services.compensation_approve, proposal=proposal, actor=supervisor)
    run_on_commit(services.compensation_execute, proposal_id=proposal.pk)
    assert WalletLedgerEntry.objects.count() == 1
    assert list(counting_gateway.values()) == [1]
    line = ProposalLine.objects.get(proposal=proposal)
    assert line.idempotency_key == f"cmp-{proposal.pk}-{line.pk}"


def test_7_timeout_unknown_then_reconciliation_pays_exactly_once(settings, run_on_commit):
    settings.COMPENSATION_GATEWAY = "tests.compensation.gateways.TimeoutAfterWriteGateway"
    proposal, line = _approved(run_on_commit)
    assert (proposal.state, line.status) == (ProposalState.UNKNOWN, LineStatus.UNKNOWN)
    assert "read timeout" in line.last_error
    assert WalletLedgerEntry.objects.count() == 1  # the core did credit the wallet

    assert services.compensation_reconcile() == 1
    assert services.compensation_reconcile() == 0
    line = ProposalLine.objects.get(pk=line.pk)
    entry = WalletLedgerEntry.objects.get()
    assert (line.status, line.gateway_reference) == (LineStatus.SUCCEEDED, entry.reference)
    assert line.account_credited == proposal.customer.wallet_account_id
    assert fresh(proposal).state == ProposalState.SUCCEEDED
    assert BudgetReservation.objects.get(line=line).status == ReservationStatus.CONSUMED


def test_7_a_payout_that_never_arrived_is_sent_by_reconciliation(settings, run_on_commit):
    settings.COMPENSATION_GATEWAY = "tests.compensation.gateways.TimeoutBeforeWriteGateway"
    proposal, line = _approved(run_on_commit)
    assert line.status == LineStatus.UNKNOWN
    assert not WalletLedgerEntry.objects.exists()
    settings.COMPENSATION_GATEWAY = "tests.compensation.gateways.CountingGateway"
    services.compensation_reconcile()
    entry = WalletLedgerEntry.objects.get()
    assert entry.idempotency_key == line.idempotency_key
    assert fresh(proposal).state == ProposalState.SUCCEEDED


def test_7_a_retry_with_a_changed_amount_under_the_same_key_is_refused(run_on_commit):
    _proposal, line = _approved(run_on_commit)
    gateway = EmbeddedLedgerGateway()
    request = PayoutRequest(
        idempotency_key=line.idempotency_key,
        wallet_account_id=line.proposal.customer.wallet_account_id,
        amount=line.amount,
        currency=line.currency,
        original_transaction_id=line.transaction.transaction_id,
        memo="retry",
    )
    assert gateway.payout(request).status == SUCCEEDED  # the same request: same answer
    changed = PayoutRequest(**{**request.__dict__, "amount": line.amount + D("1.00")})
    with pytest.raises(IdempotencyConflict):
        gateway.payout(changed)
    assert WalletLedgerEntry.objects.count() == 1


def test_7_an_executing_line_cannot_be_adjusted(run_on_commit):
    _proposal, line = _approved(run_on_commit)
    with pytest.raises(exceptions.InvalidProposalState):
        services.compensation_adjust_line(
            line=line, actor=staff_user("manager"), amount="1.00", reason="less"
        )


def test_8_a_failed_payout_releases_its_budget_reservation(settings, run_on_commit):
    settings.COMPENSATION_GATEWAY = "tests.compensation.gateways.DecliningGateway"
    proposal, line = _approved(run_on_commit)
    assert (proposal.state, line.status) == (ProposalState.FAILED, LineStatus.FAILED)
    assert BudgetReservation.objects.get(line=line).status == ReservationStatus.RELEASED
    usage = budget_usage()[0]
    assert (usage["held"], usage["consumed"]) == (0, 0)
    assert usage["left"] == usage["budget"].monthly_limit


def test_8_unknown_then_failed_on_reconciliation_releases_the_reservation(settings, run_on_commit):
    settings.COMPENSATION_GATEWAY = "tests.compensation.gateways.TimeoutBeforeWriteGateway"
    proposal, line = _approved(run_on_commit)
    assert BudgetReservation.objects.get(line=line).status == ReservationStatus.HELD
    assert budget_usage()[0]["held"] == D("250.00")
    settings.COMPENSATION_GATEWAY = "tests.compensation.gateways.DecliningGateway"
    services.compensation_reconcile()
    assert fresh(proposal).state == ProposalState.FAILED
    assert BudgetReservation.objects.get(line=line).status == ReservationStatus.RELEASED


def test_budget_exhausted_refuses_the_final_approval(run_on_commit):
    activate_policy([refund_rule()], budget="200.00")
    complaint, agent, _txn = duplicate_charge_complaint(amount="250.00")
    proposal = submitted(complaint, agent)
    with pytest.raises(exceptions.BudgetExhausted):
        services.compensation_approve(proposal=proposal, actor=staff_user("supervisor"))
    assert fresh(proposal).state == ProposalState.PENDING_APPROVAL


def _http_gateway(settings, handler) -> HttpPaymentCoreGateway:
    settings.PAYMENT_CORE_URL = "https://core.example/api"
    settings.PAYMENT_CORE_TOKEN = "secret-token"
    settings.PAYMENT_CORE_BACKOFF_SECONDS = 0
    return HttpPaymentCoreGateway(client=httpx.Client(transport=httpx.MockTransport(handler)))


REQUEST = PayoutRequest(
    idempotency_key="cmp-7-9",
    wallet_account_id="W10000001",
    amount=D("1000"),
    currency="JPY",
    original_transaction_id="TXN1",
    memo="compensation",
)


def test_7_http_retries_reuse_the_same_key_and_parameters(settings):
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.headers["Idempotency-Key"], request.content))
        if len(seen) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        if len(seen) == 2:
            return httpx.Response(503)
        return httpx.Response(
            201, json={"status": "succeeded", "reference": "PC-1", "account": "W10000001"}
        )

    result = _http_gateway(settings, handler).payout(REQUEST)
    assert (result.status, result.reference) == (SUCCEEDED, "PC-1")
    assert len(seen) == 3 and len(set(seen)) == 1
    assert b'"amount_minor":1000' in seen[0][1].replace(b" ", b"")


def test_7_http_gateway_unavailable_after_the_last_attempt(settings):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502)

    with pytest.raises(GatewayUnavailable):
        _http_gateway(settings, handler).payout(REQUEST)


def test_7_http_status_query_and_changed_amount(settings):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/refunds/cmp-7-9"):
            return httpx.Response(
                200,
                json={
                    "status": "succeeded",
                    "amount": "1000",
                    "currency": "JPY",
                    "reference": "PC-1",
                },
            )
        return httpx.Response(404)

    gateway = _http_gateway(settings, handler)
    assert gateway.status(REQUEST).reference == "PC-1"
    changed = PayoutRequest(**{**REQUEST.__dict__, "amount": D("1001")})
    with pytest.raises(IdempotencyConflict):
        gateway.status(changed)
    other = PayoutRequest(**{**REQUEST.__dict__, "idempotency_key": "cmp-7-10"})
    assert gateway.status(other).status == "not_found"
