"""Reference data kept in each process: rows that change a few times a year (warning rules,
regulatory regimes, SLA durations) but are read by every request of a hot path.

Every process keeps the value it built with the token it was built under. A shared cache
key holds the current token; any change to the rows replaces it (at once, and again after
commit, so that a process that rebuilt in between does not keep the uncommitted state),
and the next read in every process sees a different token and rebuilds. Checking costs
one cache read, at most once per `check_seconds` per process; if the cache cannot be
reached the value in memory keeps being used. A value older than `max_age_seconds` is
rebuilt whatever the token says, which bounds how long a change that bypassed the model's
signals (a queryset `update()`, a data migration) can go unseen.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")
logger = logging.getLogger(__name__)
_registry: list["ProcessCache[Any]"] = []


class ProcessCache(Generic[T]):
    def __init__(
        self,
        name: str,
        build: Callable[[], T],
        *,
        check_seconds: float = 1.0,
        max_age_seconds: float = 300.0,
    ):
        self.name, self.token_key, self.build = name, f"refcache:{name}:token", build
        self.check_seconds, self.max_age_seconds = check_seconds, max_age_seconds
        self._lock = threading.Lock()
        self.reset()
        _registry.append(self)

    def reset(self) -> None:
        """Forget the value in this process (tests; a rebuild follows on the next read)."""
        self.token, self.value, self.checked_at, self.built_at = None, None, 0.0, 0.0

    def get(self) -> T:
        """The value; the shared token is read at most once per `check_seconds` and the
        value rebuilt only when the token changed or the value grew too old."""
        value, now = self.value, time.monotonic()
        if value is not None and now - self.checked_at < self.check_seconds:
            return value
        token = self._current_token()
        fresh = now - self.built_at < self.max_age_seconds
        if value is not None and fresh and token in (self.token, None):
            self.checked_at = now
            return value
        with self._lock:
            value = self.build()
            self.token, self.value, self.checked_at, self.built_at = token, value, now, now
        return value

    def invalidate(self) -> None:
        """The rows changed: this process rebuilds at once, every other one within
        `check_seconds`."""
        self.value = None
        try:
            cache.set(self.token_key, uuid.uuid4().hex, None)
        except Exception:  # the other processes catch up when the cache answers again
            logger.warning("%s: could not publish a new token", self.name)

    def invalidate_on_change(self, *models: type[Model]) -> None:
        """Invalidate when a row of any of `models` is saved or deleted through the ORM."""
        for model in models:
            for signal in (post_save, post_delete):
                signal.connect(self._changed, sender=model, weak=False)

    def _changed(self, sender, **kwargs) -> None:
        self.invalidate()
        transaction.on_commit(self.invalidate)

    def _current_token(self) -> str | None:
        """The shared token, or None when the cache cannot be reached (the hot path then
        keeps the value it has rather than failing)."""
        try:
            token = cache.get(self.token_key)
            if token is None:
                cache.add(self.token_key, uuid.uuid4().hex, None)
                token = cache.get(self.token_key) or ""
        except Exception:  # any cache backend error: Redis down, timeout, ...
            logger.warning("%s: token unreadable; keeping the value in memory", self.name)
            return None
        return token


def reset_all() -> None:
    """Forget every process cache's value (tests: rolled-back rows must not linger)."""
    for process_cache in _registry:
        process_cache.reset()
