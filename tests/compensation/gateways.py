"""Gateways for tests, selected with settings.COMPENSATION_GATEWAY (dotted path)."""

import threading
from collections import Counter

from compensation.gateways import (
    FAILED,
    EmbeddedLedgerGateway,
    GatewayUnavailable,
    PayoutRequest,
    PayoutResult,
)


class CountingGateway(EmbeddedLedgerGateway):
    """The embedded ledger, counting payout calls per idempotency key."""

    calls: Counter = Counter()
    lock = threading.Lock()

    def payout(self, request: PayoutRequest) -> PayoutResult:
        with self.lock:
            self.calls[request.idempotency_key] += 1
        return super().payout(request)


class TimeoutAfterWriteGateway(EmbeddedLedgerGateway):
    """The payment core credits the wallet, but its answer never arrives."""

    def payout(self, request: PayoutRequest) -> PayoutResult:
        super().payout(request)
        raise GatewayUnavailable("read timeout")


class TimeoutBeforeWriteGateway(EmbeddedLedgerGateway):
    """The request never reaches the payment core."""

    def payout(self, request: PayoutRequest) -> PayoutResult:
        raise GatewayUnavailable("connect timeout")


class DecliningGateway(EmbeddedLedgerGateway):
    """The payment core refuses the payout (e.g. the account is closed)."""

    def payout(self, request: PayoutRequest) -> PayoutResult:
        return PayoutResult(FAILED, error="account closed")

    def status(self, request: PayoutRequest) -> PayoutResult:
        return PayoutResult(FAILED, error="account closed")
