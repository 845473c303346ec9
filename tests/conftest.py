import os

import pytest
from django.conf import settings
from django.db import connection

from backoffice.notifications.backends import InMemoryBackend

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") in ("1", "true", "yes")


def _redis_answers() -> bool:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _missing(marker: str, reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _real_services(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("postgres", "needs PostgreSQL: set DATABASE_URL=postgres://...")
    if request.node.get_closest_marker("redis") and not _redis_answers():
        _missing("redis", "needs Redis: set REDIS_URL=redis://...")


@pytest.fixture(autouse=True)
def _clean_outbox():
    InMemoryBackend.outbox.clear()
    yield
    InMemoryBackend.outbox.clear()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters, wake-up keys and reference data kept in the process (built
    from rows a test rolled back) of one test never reach the next."""
    from django.core.cache import cache

    from backoffice.core import refcache

    cache.clear()
    refcache.reset_all()


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def redis_url() -> str:
    return os.environ.get("REDIS_URL", settings.REDIS_URL)
