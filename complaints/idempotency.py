"""Idempotency-Key for customer POSTs: the first answer is stored with a hash of the
request and replayed for the same key and body; the same key with another body is an
error. The record is written in the same transaction as the work, so concurrent requests
with one key wait on the unique index and then replay the winner's answer."""

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import transaction
from rest_framework.renderers import JSONRenderer

from backoffice.customers.models import Customer

from .exceptions import IdempotencyKeyInvalid, IdempotencyKeyReused
from .models import IdempotencyRecord

MAX_KEY_LENGTH = 200
_VALID_KEY = re.compile(rf"[\x20-\x7e]{{1,{MAX_KEY_LENGTH}}}")


def idempotency_key_of(request: Any) -> str:
    """The request's Idempotency-Key, "" without one. A key longer than MAX_KEY_LENGTH or
    with characters other than printable ASCII is refused, never cut or cleaned: two
    different keys must never become the same one."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if key and not _VALID_KEY.fullmatch(key):
        raise IdempotencyKeyInvalid()
    return key


def request_fingerprint(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@transaction.atomic
def idempotent_response(
    *,
    customer: Customer,
    key: str,
    payload: Any,
    produce: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """(status, body) of the first request with this key, producing it if there is none."""
    fingerprint = request_fingerprint(payload)
    record, created = IdempotencyRecord.objects.get_or_create(
        customer=customer, key=key, defaults={"request_hash": fingerprint}
    )
    if not created:
        if record.request_hash != fingerprint:
            raise IdempotencyKeyReused()
        return record.response_status, record.response_body
    status, body = produce()
    record.response_status = status
    record.response_body = json.loads(JSONRenderer().render(body))
    record.save(update_fields=["response_status", "response_body", "updated_at"])
    return status, record.response_body
