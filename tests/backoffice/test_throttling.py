"""The rate limits' counter in Redis: a sliding log kept by one atomic script."""

import threading
import time
import uuid
from types import SimpleNamespace

import pytest
import time_machine
from django.core.cache import caches
from rest_framework.throttling import ScopedRateThrottle

from backoffice.api.throttling import AvailableScopedRateThrottle, StrictScopedRateThrottle

pytestmark = pytest.mark.redis
VIEW = SimpleNamespace(throttle_scope="intake")


@pytest.fixture
def redis_cache(settings, redis_url, monkeypatch):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"test-throttle-{uuid.uuid4().hex}",  # nothing shared between tests
        }
    }
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"intake": "5/min"})
    yield caches["default"]
    caches["default"].clear()


def _request(user_id: int = 1):
    return SimpleNamespace(user=SimpleNamespace(is_authenticated=True, pk=user_id), META={})


def _allowed(throttle_class=AvailableScopedRateThrottle, user_id: int = 1):
    """(admitted, seconds to wait: None when admitted)."""
    throttle = throttle_class()
    allowed = throttle.allow_request(_request(user_id), VIEW)
    return allowed, None if allowed else throttle.wait()


def test_the_limit_holds_and_says_when_to_come_back(redis_cache):
    start = time.time()
    with time_machine.travel(start, tick=False):
        assert [_allowed()[0] for _ in range(5)] == [True] * 5
    with time_machine.travel(start + 20, tick=False):
        allowed, wait = _allowed()
        assert not allowed and wait == pytest.approx(40, abs=0.01)  # the oldest leaves at 60
        assert _allowed(user_id=2)[0]  # another customer has their own budget
        assert not _allowed(StrictScopedRateThrottle)[0]  # one log per scope and customer


def test_the_window_slides_and_refusals_do_not_count(redis_cache):
    start = time.time()
    with time_machine.travel(start, tick=False):
        assert [_allowed()[0] for _ in range(5)] == [True] * 5
    with time_machine.travel(start + 30, tick=False):
        assert [_allowed()[0] for _ in range(10)] == [False] * 10  # refused, not logged
    with time_machine.travel(start + 60.5, tick=False):
        assert [_allowed()[0] for _ in range(6)] == [True] * 5 + [False]


def test_concurrent_requests_cannot_all_read_the_same_log(redis_cache):
    barrier, results = threading.Barrier(20), []

    def hit():
        barrier.wait()
        results.append(_allowed()[0])

    threads = [threading.Thread(target=hit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 5 and len(results) == 20


def test_a_counter_left_by_drfs_own_throttle_does_not_break_the_limit(redis_cache):
    throttle = ScopedRateThrottle()
    assert throttle.allow_request(_request(), VIEW)  # DRF's pickled list under its key
    assert redis_cache.get("throttle_intake_1")
    assert [_allowed(StrictScopedRateThrottle)[0] for _ in range(6)] == [True] * 5 + [False]
