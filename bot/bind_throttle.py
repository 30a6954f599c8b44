"""Throttling of invite-code guesses by client address and overall.

A web-chat session id is chosen by the client, so counting wrong invite codes per
session stops nobody: a new id per guess is free. This counts wrong codes per
network address and over all addresses, in sliding windows, and says how long
to wait. It lives in memory on purpose: it must cost no database write per guess
(an unbound session stores nothing), and a restart only gives an attacker one
fresh window. Memory is bounded: at most ``max_addresses`` addresses are
tracked (the least recently seen are dropped first).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict, deque
from dataclasses import dataclass

__all__ = ["BindThrottle", "ThrottleLimits"]


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    per_address: int = 20  # wrong codes from one address …
    address_window: dt.timedelta = dt.timedelta(minutes=15)  # … within this window
    overall: int = 100  # wrong codes from everyone …
    overall_window: dt.timedelta = dt.timedelta(minutes=1)  # … within this window
    max_addresses: int = 50_000


class BindThrottle:
    """``wait(origin, now)`` before a guess; ``failed(origin, now)`` after a wrong one."""

    def __init__(self, limits: ThrottleLimits | None = None) -> None:
        self.limits = limits or ThrottleLimits()
        self._by_address: OrderedDict[str, deque[dt.datetime]] = OrderedDict()
        self._overall: deque[dt.datetime] = deque()

    def wait(self, origin: str | None, now: dt.datetime) -> dt.timedelta | None:
        """How long this address must wait before its next guess; None: go ahead."""
        limits = self.limits
        waits = [_wait(self._overall, limits.overall, limits.overall_window, now)]
        if origin is not None and origin in self._by_address:
            waits.append(_wait(self._by_address[origin], limits.per_address,
                               limits.address_window, now))
        longest = max((w for w in waits if w is not None), default=None)
        return longest

    def failed(self, origin: str | None, now: dt.datetime) -> None:
        """Count one wrong code from ``origin``."""
        self._overall.append(now)
        _trim(self._overall, self.limits.overall, now - self.limits.overall_window)
        if origin is None:
            return
        seen = self._by_address.pop(origin, None) or deque()
        seen.append(now)
        _trim(seen, self.limits.per_address, now - self.limits.address_window)
        self._by_address[origin] = seen  # most recent last
        while len(self._by_address) > self.limits.max_addresses:
            self._by_address.popitem(last=False)


def _trim(times: deque[dt.datetime], keep: int, since: dt.datetime) -> None:
    while times and (times[0] <= since or len(times) > keep):
        times.popleft()


def _wait(times: deque[dt.datetime], limit: int, window: dt.timedelta,
          now: dt.datetime) -> dt.timedelta | None:
    _trim(times, limit, now - window)
    if len(times) < limit:
        return None
    return times[0] + window - now  # the oldest counted guess leaves the window then
