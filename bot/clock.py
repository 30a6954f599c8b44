"""Clocks implementing :class:`dialogs.ports.Clock`."""

from __future__ import annotations

import datetime as dt


class SystemClock:
    """The real time, timezone-aware in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock for tests: returns a set instant until told otherwise."""

    def __init__(self, at: dt.datetime | None = None) -> None:
        self._now = at if at is not None else dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
        if self._now.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")

    def now(self) -> dt.datetime:
        return self._now

    def set(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = at

    def advance(self, delta: dt.timedelta) -> None:
        self._now = self._now + delta
