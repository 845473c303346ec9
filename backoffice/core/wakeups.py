"""Coalesced wake-ups for batch tasks.

Some work is left by many commits for one idempotent task that does all of it at once:
sealing the audit chain, the intake follow-ups of a burst of complaints. Queueing a task
per commit costs a broker publish each (about a millisecond of the request's CPU), and
the tasks mostly find nothing left to do. Instead a commit queues the task only when no
wake-up for it is waiting: a cache key set with SET NX marks "queued, not started", and
the task clears it before it looks for work. A commit that comes after the clearing sets
the key again and queues another run; one that comes before is seen by the run, because
its rows were committed before the run's first query. The key expires after `ttl_seconds`
so that a lost message does not silence the wake-ups for good, and the task's periodic
sweep still catches anything missed.
"""

import logging
from typing import Any

from django.core.cache import cache

logger = logging.getLogger(__name__)
PREFIX = "wakeup:"
DEFAULT_TTL_SECONDS = 30


def wake(task: Any, *, key: str, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> bool:
    """Queue `task` (no arguments) unless a wake-up for `key` is already waiting. True
    when a message was published. A cache that cannot be reached wakes every time. A
    broker that cannot be reached is logged and the key is kept: the commits that follow
    do not each wait for the broker's time-out, and the task's periodic sweep (or the
    next wake-up once the key expires) does the work."""
    try:
        if not cache.add(PREFIX + key, "1", ttl_seconds):
            return False
    except Exception:  # cache down: fall back to one message per commit
        logger.warning("wake-up %s: cache unavailable, queueing without coalescing", key)
    try:
        task.delay()
    except Exception:  # broker down: the periodic sweep runs the task
        logger.warning("wake-up %s not queued: broker unavailable", key)
        return False
    return True


def woken(key: str) -> None:
    """Called by the task before it looks for work: commits from now on queue a new run."""
    _clear(key)


def _clear(key: str) -> None:
    try:
        cache.delete(PREFIX + key)
    except Exception:  # cache down: the key expires by itself
        logger.warning("wake-up %s: cache unavailable, key left to expire", key)
