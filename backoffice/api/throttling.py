"""Rate limits whose counters live in the cache (Redis in production)."""

import logging

from redis.exceptions import RedisError
from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)


class AvailableScopedRateThrottle(ScopedRateThrottle):
    """A scoped rate limit that lets the request through when the cache cannot be reached:
    complaint intake must stay open while Redis is down (its messages wait in the outbox),
    so the limit is suspended, with a warning, until the cache answers again."""

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            logger.warning("rate limit %s not applied: cache unavailable (%s)", self.scope, exc)
            return True
