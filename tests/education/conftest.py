import pytest
from django.core.cache import cache

from backoffice.core import refcache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Time-zone lists and the warning-rules token live in the cache, the compiled rules
    in the process: each test starts without either (rolled-back rules must not linger)."""
    cache.clear()
    refcache.reset_all()
    yield
    cache.clear()
    refcache.reset_all()
