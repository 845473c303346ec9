import pytest
from django.core.cache import cache

from education import rules_cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Time-zone lists and the warning-rules token live in the cache, the compiled rules
    in the process: each test starts without either (rolled-back rules must not linger)."""
    cache.clear()
    rules_cache._state.update(token=None, bundle=None, checked_at=0.0)
    yield
    cache.clear()
    rules_cache._state.update(token=None, bundle=None, checked_at=0.0)
