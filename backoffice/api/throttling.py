"""Rate limits whose counters live in the cache (Redis in production)."""

import logging

from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError
from rest_framework.throttling import ScopedRateThrottle

from backoffice.core.exceptions import ApplicationError

logger = logging.getLogger(__name__)


class RateLimitUnavailable(ApplicationError):
    code = "service_unavailable"
    message = _("The service is briefly unavailable.")
    hint = _("Try again in a few seconds.")
    status = 503


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


class StrictScopedRateThrottle(ScopedRateThrottle):
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
