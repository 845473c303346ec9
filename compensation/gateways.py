"""Paying refunds out, exactly once.

A `PaymentGateway` takes a `PayoutRequest` whose idempotency key is deterministic and was
committed with the line's `executing` state before the call. Sending the same request
again is harmless (the gateway answers with the first result); the same key with other
parameters is refused (`IdempotencyConflict`). A timeout or a 5xx raises
`GatewayUnavailable`: the outcome is unknown until `status()` tells."""

import logging
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

import httpx
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from backoffice.core.money import to_minor_units
from backoffice.customers.models import Customer

from .conf import setting
from .models import WalletLedgerEntry

logger = logging.getLogger(__name__)

SUCCEEDED, FAILED, NOT_FOUND = "succeeded", "failed", "not_found"


@dataclass(frozen=True)
class PayoutRequest:
    idempotency_key: str
    wallet_account_id: str
    amount: Decimal
    currency: str
    original_transaction_id: str
    memo: str

    def payload(self) -> dict[str, Any]:
        return {
            "wallet_account_id": self.wallet_account_id,
            "amount": str(self.amount),
            "amount_minor": to_minor_units(self.amount, self.currency),
            "currency": self.currency,
            "original_transaction_id": self.original_transaction_id,
            "memo": self.memo,
        }


@dataclass(frozen=True)
class PayoutResult:
    status: str
    reference: str = ""
    account: str = ""
    error: str = ""


class GatewayUnavailable(Exception):
    """Timeout, network error or 5xx: the payout may or may not have happened."""


class IdempotencyConflict(Exception):
    """The key was already used with different parameters: refused."""


class PaymentGateway(Protocol):
    def payout(self, request: PayoutRequest) -> PayoutResult: ...

    def status(self, request: PayoutRequest) -> PayoutResult: ...


def get_gateway() -> PaymentGateway:
    return import_string(setting("COMPENSATION_GATEWAY"))()


class EmbeddedLedgerGateway:
    """Credits the customer's wallet in our own database (WalletLedgerEntry, unique on the
    idempotency key). Used by the demo and the tests, and by deployments whose wallet
    balance lives here."""

    def payout(self, request: PayoutRequest) -> PayoutResult:
        existing = WalletLedgerEntry.objects.filter(idempotency_key=request.idempotency_key)
        if entry := existing.first():
            return self._result(entry, request)
        customer = Customer.objects.filter(wallet_account_id=request.wallet_account_id).first()
        if customer is None:
            return PayoutResult(FAILED, error="wallet account unknown")
        try:
            with transaction.atomic():
                entry = WalletLedgerEntry.objects.create(
                    idempotency_key=request.idempotency_key,
                    reference=f"WL{secrets.token_hex(8).upper()}",
                    customer=customer,
                    account=request.wallet_account_id,
                    amount=request.amount,
                    currency=request.currency,
                    original_transaction_id=request.original_transaction_id,
                    memo=request.memo[:200],
                )
        except IntegrityError:
            entry = WalletLedgerEntry.objects.get(idempotency_key=request.idempotency_key)
        return self._result(entry, request)

    def status(self, request: PayoutRequest) -> PayoutResult:
        entry = WalletLedgerEntry.objects.filter(idempotency_key=request.idempotency_key).first()
        if entry is None:
            return PayoutResult(NOT_FOUND)
        return self._result(entry, request)

    @staticmethod
    def _result(entry: WalletLedgerEntry, request: PayoutRequest) -> PayoutResult:
        if (entry.amount, entry.currency, entry.account) != (
            request.amount,
            request.currency,
            request.wallet_account_id,
        ):
            raise IdempotencyConflict(
                f"{request.idempotency_key} was used for {entry.currency} {entry.amount}"
            )
        return PayoutResult(SUCCEEDED, reference=entry.reference, account=entry.account)


class HttpPaymentCoreGateway:
    """The payment core's refund API over HTTP (httpx).

    POST {PAYMENT_CORE_URL}/refunds with the `Idempotency-Key` header; GET
    {PAYMENT_CORE_URL}/refunds/{key} for the status. Answers are JSON:
    {"status": "succeeded"|"failed", "reference", "account", "error"}. Retries reuse the
    same key and the same body; after the last attempt the outcome is unknown."""

    def __init__(self, *, client: httpx.Client | None = None) -> None:
        self.client = client or httpx.Client(timeout=setting("PAYMENT_CORE_TIMEOUT_SECONDS"))
        self.base_url = str(setting("PAYMENT_CORE_URL")).rstrip("/")
        self.attempts = max(int(setting("PAYMENT_CORE_ATTEMPTS")), 1)
        self.backoff = float(setting("PAYMENT_CORE_BACKOFF_SECONDS"))

    def _headers(self, key: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {setting('PAYMENT_CORE_TOKEN')}",
            "Idempotency-Key": key,
        }

    def _send(self, method: str, url: str, key: str, body: dict | None) -> httpx.Response:
        last_error = ""
        for attempt in range(1, self.attempts + 1):
            try:
                response = self.client.request(method, url, json=body, headers=self._headers(key))
            except httpx.HTTPError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 500 and response.status_code != 429:
                    return response
                last_error = f"payment core answered {response.status_code}"
            logger.warning("payout %s attempt %d failed: %s", key, attempt, last_error)
            if attempt < self.attempts and self.backoff:
                time.sleep(self.backoff * attempt)
        raise GatewayUnavailable(last_error)

    @staticmethod
    def _parse(response: httpx.Response, request: PayoutRequest) -> PayoutResult:
        try:
            data = response.json()
        except ValueError as exc:
            raise GatewayUnavailable("payment core answer is not JSON") from exc
        amount, currency = data.get("amount"), data.get("currency")
        if amount is not None and (Decimal(str(amount)), currency) != (
            request.amount,
            request.currency,
        ):
            raise IdempotencyConflict(f"{request.idempotency_key} was used for {currency} {amount}")
        status = SUCCEEDED if data.get("status") == SUCCEEDED else FAILED
        return PayoutResult(
            status,
            reference=str(data.get("reference", "")),
            account=str(data.get("account", request.wallet_account_id)),
            error=str(data.get("error", "")),
        )

    def payout(self, request: PayoutRequest) -> PayoutResult:
        url = f"{self.base_url}/refunds"
        response = self._send("POST", url, request.idempotency_key, request.payload())
        if response.status_code in (409, 422):
            raise IdempotencyConflict(response.text[:200])
        if response.status_code >= 400:
            return PayoutResult(FAILED, error=f"refused ({response.status_code})")
        return self._parse(response, request)

    def status(self, request: PayoutRequest) -> PayoutResult:
        url = f"{self.base_url}/refunds/{request.idempotency_key}"
        response = self._send("GET", url, request.idempotency_key, None)
        if response.status_code == 404:
            return PayoutResult(NOT_FOUND)
        if response.status_code >= 400:
            raise GatewayUnavailable(f"status query refused ({response.status_code})")
        return self._parse(response, request)
