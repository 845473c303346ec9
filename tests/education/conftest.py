import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Time-zone lists and the warning-rules token live in the cache."""
    cache.clear()
    yield
    cache.clear()
