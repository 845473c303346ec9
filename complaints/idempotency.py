"""Idempotency-Key for customer POSTs: the first answer is stored with a hash of the
request and replayed for the same key and body; the same key with another body is an
error. The record is inserted, complete, at the end of the transaction that did the work:
of concurrent requests with one key, the later insert waits on the unique index until the
first commits, then fails; its work is rolled back and it replays the winner's answer."""

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
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


def _replay(customer: Customer, key: str, fingerprint: str) -> tuple[int, Any] | None:
    record = IdempotencyRecord.objects.filter(customer=customer, key=key).first()
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    return record.response_status, record.response_body


def idempotent_response(
    *,
    customer: Customer,
    key: str,
    payload: Any,
    produce: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """(status, body) of the first request with this key, producing it if there is none.

    Two statements besides the work: a read for the replay, and the record's insert."""
    fingerprint = request_fingerprint(payload)
    replay = _replay(customer, key, fingerprint)
    if replay is not None:
        return replay
    try:
        with transaction.atomic():
            status, body = produce()
            record = IdempotencyRecord.objects.create(
                customer=customer,
                key=key,
                request_hash=fingerprint,
                response_status=status,
                response_body=json.loads(JSONRenderer().render(body)),
            )
    except IntegrityError:
        # A concurrent request with this key committed first (or the work itself broke a
        # constraint: then there is no record and the error stands).
        replay = _replay(customer, key, fingerprint)
        if replay is None:
            raise
        return replay
    return status, record.response_body
