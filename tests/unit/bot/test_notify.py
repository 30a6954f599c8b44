"""Choosing how to reach an officer: the freshest identity the platform still allows."""

from __future__ import annotations

import datetime as dt

from bot.notify import best_identities
from storage.records import Identity

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


class FakeChannel:
    def __init__(self, name: str, window: dt.timedelta | None = None) -> None:
        self.name, self.window = name, window

    async def deliver(self, user_id, messages):  # pragma: no cover - not called here
        raise AssertionError


CHANNELS = {
    "telegram": FakeChannel("telegram"),
    "zalo_oa": FakeChannel("zalo_oa", dt.timedelta(days=7)),
}


def ident(officer: int, channel: str, days_ago: float | None) -> Identity:
    seen = None if days_ago is None else NOW - dt.timedelta(days=days_ago)
    return Identity(channel=channel, user_id=f"{channel}-{officer}", officer_id=officer,
                    last_seen_at=seen)


def test_zalo_inside_its_window_is_used_when_it_is_the_freshest():
    best, unreachable = best_identities(
        [ident(1, "telegram", 3), ident(1, "zalo_oa", 1)], CHANNELS, NOW)
    assert best[1].channel == "zalo_oa" and unreachable == []


def test_closed_zalo_window_falls_back_to_telegram_then_web():
    best, _ = best_identities([ident(1, "zalo_oa", 8), ident(1, "telegram", 30)], CHANNELS, NOW)
    assert best[1].channel == "telegram"
    best, _ = best_identities([ident(2, "zalo_oa", 8), ident(2, "web", 1)], CHANNELS, NOW)
    assert best[2].channel == "web"


def test_an_officer_with_only_a_closed_zalo_window_is_unreachable():
    best, unreachable = best_identities([ident(3, "zalo_oa", 7.5)], CHANNELS, NOW)
    assert best == {} and unreachable == [3]


def test_an_unconfigured_channel_does_not_count():
    _, unreachable = best_identities([ident(4, "zalo_bot", 0)], CHANNELS, NOW)
    assert unreachable == [4]


def test_a_pushing_channel_is_preferred_over_the_web_chat():
    best, _ = best_identities([ident(5, "web", 0), ident(5, "telegram", 10)], CHANNELS, NOW)
    assert best[5].channel == "telegram"
