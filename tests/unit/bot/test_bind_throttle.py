"""The invite-guess throttle: per address, overall, sliding windows, bounded memory."""

from __future__ import annotations

import datetime as dt

from bot.bind_throttle import BindThrottle, ThrottleLimits

T0 = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)


def test_an_address_waits_until_its_oldest_wrong_code_leaves_the_window() -> None:
    throttle = BindThrottle(ThrottleLimits(per_address=3, overall=100))
    for minute in range(3):
        assert throttle.wait("1.2.3.4", T0 + dt.timedelta(minutes=minute)) is None
        throttle.failed("1.2.3.4", T0 + dt.timedelta(minutes=minute))
    now = T0 + dt.timedelta(minutes=5)
    assert throttle.wait("1.2.3.4", now) == dt.timedelta(minutes=10)
    assert throttle.wait("5.6.7.8", now) is None
    assert throttle.wait("1.2.3.4", T0 + dt.timedelta(minutes=15, seconds=1)) is None


def test_everyone_waits_when_the_overall_limit_is_reached() -> None:
    throttle = BindThrottle(ThrottleLimits(per_address=100, overall=5))
    for n in range(5):
        throttle.failed(f"10.0.0.{n}", T0)
    assert throttle.wait("10.0.0.99", T0 + dt.timedelta(seconds=45)) == dt.timedelta(seconds=15)
    assert throttle.wait(None, T0 + dt.timedelta(seconds=61)) is None


def test_memory_is_bounded_by_the_number_of_addresses_kept() -> None:
    throttle = BindThrottle(ThrottleLimits(per_address=3, overall=10**9, max_addresses=1000))
    for n in range(50_000):
        throttle.failed(f"addr-{n}", T0)
    assert len(throttle._by_address) == 1000
    assert all(len(times) <= 3 for times in throttle._by_address.values())
    assert len(throttle._overall) <= 50_000
