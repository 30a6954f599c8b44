"""Keeping under Telegram's flood limits, for PTB (``ApplicationBuilder().rate_limiter``).

Telegram allows a bot about 30 messages per second overall, about one message per
second in one private chat and 20 per minute in a group, and answers 429 with
``retry_after`` when a bot goes faster. PTB's own ``AIORateLimiter`` limits groups
and the overall rate with a leaky bucket, but not private chats, and its bucket lets
a burst of 30 through on top of the steady 30/s; so this small limiter does the job.

The limits hold where Telegram measures them, whatever the network delay: a request
reaches the server somewhere between the moment it is started and the moment its
answer is back, so

- a request that names a chat may start only while fewer than 30 requests are in
  flight or were *answered* less than a second (plus a margin) ago;
- a *new* message to a chat (``send…``, ``copyMessage``, ``forwardMessage``) starts
  only after the chat's previous message was answered ``per_chat_interval`` ago
  (3 s for groups); messages to one chat go one after another, in order; edits and
  callback answers are not new messages;
- a 429 pauses every request for ``retry_after`` seconds (plus the margin), then the
  request is retried, up to ``max_retries`` times before ``RetryAfter`` is raised.

A message waiting for its chat does not hold up messages to other chats. Time and
sleeping are injectable (tests run it in virtual time).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

MESSAGE_ENDPOINTS = frozenset({"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"})


def _is_message(endpoint: str) -> bool:
    return endpoint.startswith("send") or endpoint in MESSAGE_ENDPOINTS


class TelegramRateLimiter(BaseRateLimiter[int]):
    """Overall and per-chat pacing plus ``retry_after`` handling (see the module doc)."""

    def __init__(
        self,
        *,
        overall_per_second: int = 30,
        per_chat_interval: float = 1.0,
        group_interval: float = 3.0,
        margin: float = 0.05,
        max_retries: int = 5,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.overall = overall_per_second
        self.period = 1.0 + margin
        self.per_chat_interval = per_chat_interval + margin
        self.group_interval = group_interval + margin
        self.margin = margin
        self.max_retries = max_retries
        self._monotonic = monotonic
        self._sleep = sleep
        self._in_flight = 0
        self._answered: deque[float] = deque()  # answer times of recent requests
        self._chat_locks: dict[int | str, asyncio.Lock] = {}
        self._chat_users: dict[int | str, int] = {}  # tasks holding or awaiting the lock
        self._chat_ready: dict[int | str, float] = {}  # chat -> earliest next message
        self._paused_until = 0.0
        self.retries = 0  # 429s absorbed (for logs and tests)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat = data.get("chat_id")
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        if chat is None:  # getUpdates, answerCallbackQuery …: only a 429 pause applies
            return await self._with_retries(callback, args, kwargs, endpoint, retries, None)
        key = _chat_key(chat)
        if not _is_message(endpoint):
            return await self._with_retries(callback, args, kwargs, endpoint, retries, False)
        lock = self._chat_locks.setdefault(key, asyncio.Lock())
        self._chat_users[key] = self._chat_users.get(key, 0) + 1
        try:
            async with lock:  # one message at a time per chat, in order
                return await self._with_retries(callback, args, kwargs, endpoint, retries, key)
        finally:
            self._chat_users[key] -= 1
            if not self._chat_users[key]:  # nobody else holds or awaits it
                del self._chat_users[key], self._chat_locks[key]

    async def _with_retries(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any,
                            kwargs: dict[str, Any], endpoint: str, retries: int,
                            chat: int | str | bool | None) -> Any:
        for attempt in range(retries + 1):
            try:
                return await self._once(callback, args, kwargs, chat)
            except RetryAfter as exc:
                wait = exc._retry_after.total_seconds()  # PTB keeps it as a timedelta
                self._paused_until = max(self._paused_until,
                                         self._monotonic() + wait + self.margin)
                if attempt == retries:
                    raise
                self.retries += 1
                log.info("telegram: 429 on %s, waiting %.1f s (retry %d)", endpoint, wait,
                         attempt + 1)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any,
                    kwargs: dict[str, Any], chat: int | str | bool | None) -> Any:
        """One attempt: wait for the pause, the chat and a place in the overall window."""
        if chat is None:
            await self._wait_until(lambda: self._paused_until)
            return await callback(*args, **kwargs)
        message_to = chat if chat is not False else None
        while True:
            await self._wait_until(lambda: max(
                self._paused_until,
                self._chat_ready.get(message_to, 0.0) if message_to is not None else 0.0,
            ))
            if self._take_overall_place():
                break
            await self._sleep(self._overall_wait())
        try:
            return await callback(*args, **kwargs)
        finally:
            done = self._monotonic()
            self._in_flight -= 1
            self._answered.append(done)
            if message_to is not None:
                gap = self.group_interval if _is_group(message_to) else self.per_chat_interval
                self._chat_ready[message_to] = done + gap
                if len(self._chat_ready) > 1024:
                    self._chat_ready = {k: v for k, v in self._chat_ready.items() if v > done}

    async def _wait_until(self, moment: Callable[[], float]) -> None:
        while (delay := moment() - self._monotonic()) > 0:
            await self._sleep(delay)

    def _take_overall_place(self) -> bool:
        now = self._monotonic()
        if self._paused_until > now:
            return False
        while self._answered and self._answered[0] <= now - self.period:
            self._answered.popleft()
        if self._in_flight + len(self._answered) >= self.overall:
            return False
        self._in_flight += 1
        return True

    def _overall_wait(self) -> float:
        now = self._monotonic()
        if self._paused_until > now:
            return self._paused_until - now
        if self._answered:  # until the oldest answer leaves the window
            return max(0.001, self._answered[0] + self.period - now)
        return 0.01  # all places are in flight: look again shortly


def _chat_key(chat: int | str) -> int | str:
    try:
        return int(chat)
    except (TypeError, ValueError):
        return str(chat)


def _is_group(key: int | str) -> bool:
    """Negative ids and @usernames are groups or channels."""
    return isinstance(key, str) or key < 0
