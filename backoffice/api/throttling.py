"""Rate limits whose counters live in the cache (Redis in production)."""

import logging
import secrets

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from backoffice.core.exceptions import ApplicationError

logger = logging.getLogger(__name__)


class RateLimitUnavailable(ApplicationError):
    code = "service_unavailable"
    message = _("The service is briefly unavailable.")
    hint = _("Try again in a few seconds.")
    status = 503


# A sliding log in a sorted set, in one round trip and atomic: requests older than the
# window leave, a request is admitted (and logged) only while fewer than the limit remain.
# Refused requests are not logged, as in DRF's own throttle. Returns nil when admitted,
# else the time of the oldest logged request (when the next one becomes possible).
_SLIDING_LOG = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  return redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(window))
return false
"""


class RedisSlidingLogThrottle(SimpleRateThrottle):
    """DRF's rate throttle with its counter kept by one Redis script when the cache is
    Redis: one round trip instead of a read and a write, and two concurrent requests can
    no longer both read the same log and both get in. With another cache (the embedded
    mode, the tests) DRF's own get-and-set does it."""

    _retry_after: float | None = None

    def allow_request(self, request, view) -> bool:
        cache = caches[DEFAULT_CACHE_ALIAS]
        if self.rate is None or not isinstance(cache, RedisCache):
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        # Its own key: DRF's pickled list under the plain key (left by a process of the
        # previous release, for up to one window) is not a sorted set.
        key = cache.make_and_validate_key(f"{self.key}:log")
        self.now = self.timer()
        client = cache._cache.get_client(key, write=True)
        oldest = client.eval(
            _SLIDING_LOG,
            1,
            key,
            repr(self.now),
            self.duration,
            self.num_requests,
            f"{self.now!r}:{secrets.token_hex(4)}",
        )
        if oldest is None:
            return True
        self._retry_after = max(0.0, self.duration - (self.now - float(oldest)))
        return self.throttle_failure()

    def wait(self) -> float | None:
        if self._retry_after is not None:
            return self._retry_after
        return super().wait() if hasattr(self, "history") else None


class _ScopedSlidingLogThrottle(ScopedRateThrottle, RedisSlidingLogThrottle):
    """The view's `throttle_scope` picks the rate (ScopedRateThrottle), the sliding log
    counts (RedisSlidingLogThrottle)."""


class AvailableScopedRateThrottle(_ScopedSlidingLogThrottle):
    """A scoped rate limit that lets the request through when the cache cannot be reached:
    complaint intake must stay open while Redis is down (its messages wait in the outbox),
    so the limit is suspended, with a warning, until the cache answers again."""

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            logger.warning("rate limit %s not applied: cache unavailable (%s)", self.scope, exc)
            return True


class StrictScopedRateThrottle(_ScopedSlidingLogThrottle):
    """A scoped rate limit that must hold: logging in is how passwords are guessed, so
    while the cache that counts the attempts cannot be reached the endpoint answers 503
    `service_unavailable` with Retry-After (the apps retry) instead of letting unlimited
    attempts through, or failing with a 500."""

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            logger.warning("rate limit %s unavailable, request refused: %s", self.scope, exc)
            raise RateLimitUnavailable() from exc
