"""Idempotency-Key for filing a complaint: the key and a hash of the request body are
stored on the complaint itself, under a unique index per customer. A retry with the same
key and body gets that complaint (201, no second one); the same key with another body is
an error. Of concurrent requests with one key, the later insert waits on the unique index
until the first commits, then fails, and answers with the winner's complaint."""

import hashlib
import json
import re
from typing import Any

from .exceptions import IdempotencyKeyInvalid, IdempotencyKeyReused

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


def check_same_request(stored_hash: str, fingerprint: str) -> None:
    """A key comes back with its first body, or it is refused."""
    if stored_hash != fingerprint:
        raise IdempotencyKeyReused()
