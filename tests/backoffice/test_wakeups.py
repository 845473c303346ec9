"""Coalesced wake-ups: one queued task for a burst of commits, a new one once it started."""

from unittest import mock

from django.core.cache import cache

from backoffice.core.wakeups import PREFIX, wake, woken


def _task(side_effect=None):
    return mock.Mock(**{"delay.side_effect": side_effect})


def test_a_waiting_wake_up_is_not_queued_twice():
    task = _task()
    assert wake(task, key="k") is True
    assert wake(task, key="k") is False
    assert task.delay.call_count == 1


def test_once_the_task_started_the_next_commit_queues_it_again():
    task = _task()
    wake(task, key="k")
    woken("k")
    assert wake(task, key="k") is True
    assert task.delay.call_count == 2


def test_keys_are_independent():
    task = _task()
    wake(task, key="a")
    assert wake(task, key="b") is True


def test_a_wake_up_expires_so_a_lost_message_does_not_silence_it():
    task = _task()
    wake(task, key="k", ttl_seconds=30)
    cache.delete(PREFIX + "k")  # what the expiry does
    assert wake(task, key="k") is True


def test_cache_down_queues_every_time(caplog):
    task = _task()
    with mock.patch("backoffice.core.wakeups.cache") as broken:
        broken.add.side_effect = ConnectionError("cache down")
        broken.delete.side_effect = ConnectionError("cache down")
        assert wake(task, key="k") is True
        assert wake(task, key="k") is True
        woken("k")  # logs, does not raise
    assert task.delay.call_count == 2
    assert "cache unavailable" in caplog.text


def test_broker_down_is_logged_and_the_key_kept_for_the_sweep(caplog):
    task = _task(side_effect=OSError("broker down"))
    assert wake(task, key="k") is False
    assert "broker unavailable" in caplog.text
    assert wake(task, key="k") is False  # no second wait on a broker that is down
    assert task.delay.call_count == 1
