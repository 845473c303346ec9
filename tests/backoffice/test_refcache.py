"""Reference data kept in each process: rebuilt when the shared token changes, when it is
too old, or at once in the process that changed it; kept when the cache is down."""

from unittest import mock

import pytest
from django.core.cache import cache

from backoffice.core.refcache import ProcessCache
from complaints.config_cache import CONFIG, regimes, sla_policies
from complaints.models import RegulatoryRegime, SlaPolicy
from tests.complaints.factories import ensure_reference_data


def _counting(check_seconds=1.0, max_age_seconds=300.0):
    built = []

    def build():
        built.append(len(built) + 1)
        return {"build": len(built)}

    process_cache = ProcessCache(
        f"test:{id(built)}", build, check_seconds=check_seconds, max_age_seconds=max_age_seconds
    )
    return process_cache, built


def test_the_value_is_built_once_and_kept():
    process_cache, built = _counting()
    assert process_cache.get() is process_cache.get()
    assert built == [1]


def test_a_token_published_elsewhere_is_seen_after_the_check_interval():
    process_cache, built = _counting()
    first = process_cache.get()
    assert built == [1]
    cache.set(process_cache.token_key, "another process changed the rows")
    assert process_cache.get() is first  # within the interval: not even a cache read
    process_cache.checked_at = 0.0
    assert process_cache.get() == {"build": 2}


def test_invalidate_rebuilds_here_at_once():
    process_cache, built = _counting()
    process_cache.get()
    process_cache.invalidate()
    assert process_cache.get() == {"build": 2}
    assert built == [1, 2]


def test_a_value_past_its_age_is_rebuilt_whatever_the_token():
    process_cache, built = _counting(check_seconds=0.0, max_age_seconds=0.0)
    process_cache.get()
    process_cache.get()
    assert built == [1, 2]


def test_an_unreachable_cache_keeps_the_value_in_memory(caplog):
    process_cache, built = _counting(check_seconds=0.0)
    first = process_cache.get()
    with mock.patch("backoffice.core.refcache.cache") as down:
        down.get.side_effect = ConnectionError("cache down")
        down.set.side_effect = ConnectionError("cache down")
        assert process_cache.get() is first
        process_cache.invalidate()  # logged, the value dropped here only
    assert "token unreadable" in caplog.text and "could not publish" in caplog.text
    assert built == [1]


@pytest.mark.django_db
def test_complaint_config_follows_saves_and_gives_new_instances():
    ensure_reference_data()
    before = {r.code: r.statutory_days for r in regimes()}
    assert regimes()[0] is not regimes()[0]  # never one instance shared between threads
    regimes()[0].customer_time_zones.append("Mars/Olympus")  # a caller's own copy
    assert all("Mars/Olympus" not in r.customer_time_zones for r in regimes())
    uk = RegulatoryRegime.objects.get(code="UK")
    uk.statutory_days = before["UK"] + 1
    uk.save()
    assert {r.code: r.statutory_days for r in regimes()}["UK"] == before["UK"] + 1
    policy = SlaPolicy.objects.create(category="wrong_amount", acknowledge_minutes=7)
    assert any(p.acknowledge_minutes == 7 for p in sla_policies())
    policy.delete()
    assert not any(p.acknowledge_minutes == 7 for p in sla_policies())


@pytest.mark.django_db
def test_complaint_config_reads_no_rows_when_warm(django_assert_num_queries):
    ensure_reference_data()
    CONFIG.get()
    with django_assert_num_queries(0):
        regimes()
        sla_policies()
