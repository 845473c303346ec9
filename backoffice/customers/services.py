"""Writers for customers and payment-transaction records."""

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from backoffice.core.exceptions import ApplicationError, ValidationFailed
from backoffice.core.money import parse_amount

from .models import Customer, PaymentTransaction, TransactionStatus, TransactionType

MAX_BATCH_ROWS = 5000
_UPDATABLE = (
    "counterparty",
    "type",
    "amount",
    "fee",
    "currency",
    "status",
    "channel",
    "error_code",
    "error_message",
    "occurred_at",
    "settled_at",
    "raw_payload",
)
_TEXT_LIMITS = {"counterparty": 200, "channel": 64, "error_code": 64, "error_message": 500}


@dataclass(frozen=True)
class IngestResult:
    created: int
    updated: int
    unchanged: int


class _RowErrors(dict):
    def add(self, field: str, code: str, message: str) -> None:
        self.setdefault(field, []).append({"code": code, "message": message})


def _parse_when(row: dict, field: str, errors: _RowErrors, *, required: bool) -> datetime | None:
    value = row.get(field)
    if value in (None, ""):
        if required:
            errors.add(field, "required", _("This field is required."))
        return None
    parsed = value if isinstance(value, datetime) else None
    if parsed is None and isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        errors.add(field, "invalid_datetime", _("Use ISO 8601, e.g. 2026-11-22T09:30:00+08:00."))
    elif parsed.tzinfo is None:
        errors.add(field, "datetime_without_offset", _("Give the time with its UTC offset."))
        return None
    return parsed


def _parse_money(row: dict, field: str, currency: str, errors: _RowErrors, **kw: Any) -> Any:
    try:
        return parse_amount(row.get(field), currency, **kw)
    except ApplicationError as exc:
        errors.add(field, exc.code, str(exc.message))
        return None


def _clean_transaction_row(row: Any, customers: dict[str, Customer]) -> tuple[dict, _RowErrors]:
    errors = _RowErrors()
    if not isinstance(row, dict):
        errors.add("row", "invalid_row", _("Each row must be an object."))
        return {}, errors
    clean: dict[str, Any] = {}
    txn_id = str(row.get("transaction_id") or "").strip()
    if not txn_id or len(txn_id) > 64:
        errors.add("transaction_id", "invalid", _("Give a transaction id of 1 to 64 characters."))
    clean["transaction_id"] = txn_id
    customer = customers.get(str(row.get("wallet_account_id") or ""))
    if customer is None:
        errors.add("wallet_account_id", "customer_unknown", _("No customer has this account id."))
    clean["customer"] = customer
    for field, choices in (("type", TransactionType), ("status", TransactionStatus)):
        if row.get(field) not in choices.values:
            errors.add(field, "invalid_choice", _("Use one of: %s.") % ", ".join(choices.values))
        clean[field] = row.get(field)
    currency = str(row.get("currency") or "")
    clean["currency"] = currency
    clean["amount"] = _parse_money(row, "amount", currency, errors)
    if row.get("fee") in (None, ""):
        clean["fee"] = Decimal(0)
    else:
        clean["fee"] = _parse_money(row, "fee", currency, errors, allow_zero=True)
    for field, limit in _TEXT_LIMITS.items():
        value = row.get(field) or ""
        if not isinstance(value, str) or len(value) > limit or "\x00" in value:
            errors.add(field, "invalid_text", _("Text of at most %d characters.") % limit)
        clean[field] = value
    clean["occurred_at"] = _parse_when(row, "occurred_at", errors, required=True)
    clean["settled_at"] = _parse_when(row, "settled_at", errors, required=False)
    payload = row.get("raw_payload", row)
    payload = payload if isinstance(payload, dict) else {"value": payload}
    # Kept as sent, with exact decimals as strings (JSON has no decimal type).
    clean["raw_payload"] = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    return clean, errors


def _validate_batch(rows: list) -> list[dict]:
    if not isinstance(rows, list) or not rows:
        raise ValidationFailed(
            _("Send a non-empty list of transactions."), code="batch_empty", hint=""
        )
    if len(rows) > MAX_BATCH_ROWS:
        raise ValidationFailed(
            _("A batch holds at most %d transactions.") % MAX_BATCH_ROWS,
            code="batch_too_large",
            hint=_("Split the batch into smaller ones."),
        )
    account_ids = {str(r.get("wallet_account_id")) for r in rows if isinstance(r, dict)}
    customers = {
        c.wallet_account_id: c for c in Customer.objects.filter(wallet_account_id__in=account_ids)
    }
    cleaned, problems, seen = [], [], {}
    for index, row in enumerate(rows):
        clean, errors = _clean_transaction_row(row, customers)
        txn_id = clean.get("transaction_id")
        if txn_id and txn_id in seen:
            errors.add(
                "transaction_id",
                "duplicate_in_batch",
                _("Also at row %d of this batch.") % seen[txn_id],
            )
        seen.setdefault(txn_id, index)
        if errors:
            problems.append({"row": index, "transaction_id": txn_id or None, "fields": errors})
        cleaned.append(clean)
    if problems:
        raise ValidationFailed(
            _("%d row(s) are not valid; nothing was saved.") % len(problems),
            code="batch_rejected",
            hint=_("Correct the rows listed and send the whole batch again."),
            fields={"rows": problems},
        )
    return cleaned


def _upsert(cleaned: list[dict], actor: Any) -> IngestResult:
    ids = [row["transaction_id"] for row in cleaned]
    existing = {
        t.transaction_id: t
        for t in PaymentTransaction.objects.select_for_update().filter(transaction_id__in=ids)
    }
    new, updated, unchanged, conflicts = [], 0, 0, []
    for index, row in enumerate(cleaned):
        current = existing.get(row["transaction_id"])
        if current is None:
            new.append(PaymentTransaction(**row))
            continue
        if current.customer_id != row["customer"].id:
            conflicts.append(
                {
                    "row": index,
                    "transaction_id": row["transaction_id"],
                    "fields": {
                        "wallet_account_id": [
                            {
                                "code": "transaction_customer_mismatch",
                                "message": _("This transaction belongs to another customer."),
                            }
                        ]
                    },
                }
            )
            continue
        changed = [f for f in _UPDATABLE if getattr(current, f) != row[f]]
        if not changed:
            unchanged += 1
            continue
        for field in changed:
            setattr(current, field, row[field])
        current._change_reason = "payment core update: " + ", ".join(changed)
        current._history_user = actor
        current.save()
        updated += 1
    if conflicts:
        raise ValidationFailed(
            _("%d row(s) are not valid; nothing was saved.") % len(conflicts),
            code="batch_rejected",
            hint=_("Correct the rows listed and send the whole batch again."),
            fields={"rows": conflicts},
        )
    if new:
        bulk_create_with_history(
            new, PaymentTransaction, default_user=actor, default_change_reason="ingested"
        )
    return IngestResult(created=len(new), updated=updated, unchanged=unchanged)


def transaction_ingest_batch(*, rows: list, actor: Any) -> IngestResult:
    """Upsert the payment core's records by transaction id, all or nothing.

    Every row is validated first; one bad row rejects the batch with row-level errors and
    saves nothing. Re-sending a batch is harmless (idempotent). `actor` is the user the
    history records name (the service credential's system user, or the importing staff).
    """
    cleaned = _validate_batch(rows)
    try:
        with transaction.atomic():
            return _upsert(cleaned, actor)
    except IntegrityError:
        # A concurrent batch inserted one of our new ids first; it now exists, so the
        # second pass updates it instead of inserting.
        with transaction.atomic():
            return _upsert(cleaned, actor)


_PREFERENCE_FIELDS = ("preferred_channel", "language", "time_zone")


@transaction.atomic
def customer_update_preferences(*, customer: Customer, actor: Any, **changes: Any) -> Customer:
    """The customer's own settings: notification channel, language and time zone."""
    unknown = set(changes) - set(_PREFERENCE_FIELDS)
    if unknown:
        raise ValidationFailed(
            code="field_not_editable",
            fields={
                f: [{"code": "not_editable", "message": _("This field cannot be changed here.")}]
                for f in sorted(unknown)
            },
        )
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    for field, value in changes.items():
        setattr(customer, field, value)
    try:
        customer.full_clean(validate_unique=False)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            fields={
                f: [
                    {"code": e.code or "invalid", "message": str(e.message % (e.params or {}))}
                    for e in errors
                ]
                for f, errors in exc.error_dict.items()
            }
        ) from exc
    customer._change_reason = "preferences changed by the customer"
    customer._history_user = actor
    customer.save()
    return customer
