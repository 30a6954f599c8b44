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
  flight or were *answered* less than a second (plus a small margin) ago;
- and, once ``burst`` requests are in that window, only ``0.8/30`` s after the
  previous start: requests go out evenly instead of 30 at once, so each is answered
  quickly and frees its place sooner (a place is held until a second after the
  *answer*, so a slow answer costs throughput); a window that is almost empty (at
  start-up, after a pause) may still take a few at once;
- a *new* message to a chat (``send…``, ``copyMessage``, ``forwardMessage``) starts
  only after the chat's previous message was answered ``per_chat_interval`` ago
  (3 s for groups); messages to one chat go one after another, in order; edits and
  callback answers are not new messages;
- a 429 pauses every request for ``retry_after`` seconds (plus the margin), then the
  request is retried, up to ``max_retries`` times before ``RetryAfter`` is raised.

Requests waiting for a place queue first come, first served, and only the first
watches the clock; requests made inside :func:`bulk_sending` (the outbox's
notices) let the others (replies to officers) go first. A message waiting for its
chat does not hold up messages to other chats. Time and sleeping are injectable
(tests run it in virtual time).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.metrics import RATE_LIMITED

log = logging.getLogger(__name__)

EPSILON = 1e-6  # seconds: a sleep may end a rounding error short of its goal
MESSAGE_ENDPOINTS = frozenset({"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"})


_bulk: ContextVar[bool] = ContextVar("telegram_bulk", default=False)


@contextmanager
def bulk_sending() -> Iterator[None]:
    """Requests made inside (the outbox's notices) give way to the others (replies)."""
    token = _bulk.set(True)
    try:
        yield
    finally:
        _bulk.reset(token)


def _is_message(endpoint: str) -> bool:
    return endpoint.startswith("send") or endpoint in MESSAGE_ENDPOINTS


class _Turns:
    """Whose turn it is to take the next place: replies first, then bulk sends, each
    first come first served. Only the request whose turn it is watches the clock."""

    def __init__(self) -> None:
        self._busy = False
        self._waiting: tuple[deque[asyncio.Future[None]], ...] = (deque(), deque())

    @asynccontextmanager
    async def turn(self, bulk: bool) -> AsyncIterator[None]:
        if self._busy:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            queue = self._waiting[bulk]
            queue.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():  # the turn came as we left
                    self._pass()
                elif waiter in queue:
                    queue.remove(waiter)
                raise
        else:
            self._busy = True
        try:
            yield
        finally:
            self._pass()

    def _pass(self) -> None:
        for queue in self._waiting:
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._busy = False


class TelegramRateLimiter(BaseRateLimiter[int]):
    """Overall and per-chat pacing plus ``retry_after`` handling (see the module doc)."""

    def __init__(
        self,
        *,
        overall_per_second: int = 30,
        per_chat_interval: float = 1.0,
        group_interval: float = 3.0,
        margin: float = 0.01,
        burst: int = 10,
        max_retries: int = 5,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.overall = overall_per_second
        self.period = 1.0 + margin
        # a little under 1/30 s: after a late start the next ones can catch up
        self.spacing = 0.8 / overall_per_second
        self.burst = burst
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
        self._turns = _Turns()  # requests waiting for a place
        self._answer = asyncio.Event()  # set whenever a request is answered
        self._last_start = float("-inf")
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
                    raise  # the outbox counts this one as a rate-limited send
                self.retries += 1
                RATE_LIMITED.labels("telegram").inc()
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
        if message_to is not None:
            await self._wait_until(lambda: max(self._paused_until,
                                               self._chat_ready.get(message_to, 0.0)))
        await self._take_place()
        try:
            return await callback(*args, **kwargs)
        finally:
            done = self._monotonic()
            self._in_flight -= 1
            self._answered.append(done)
            self._answer.set()
            if message_to is not None:
                gap = self.group_interval if _is_group(message_to) else self.per_chat_interval
                self._chat_ready[message_to] = done + gap
                if len(self._chat_ready) > 1024:
                    self._chat_ready = {k: v for k, v in self._chat_ready.items() if v > done}

    async def _wait_until(self, moment: Callable[[], float]) -> None:
        while (delay := moment() - self._monotonic()) >= EPSILON:
            await self._sleep(delay)

    async def _take_place(self) -> None:
        """A place in the overall window (see the module doc), in turn."""
        async with self._turns.turn(_bulk.get()):
            while True:
                now = self._monotonic()
                if self._paused_until - now >= EPSILON:
                    await self._sleep(self._paused_until - now)
                    continue
                while self._answered and self._answered[0] + self.period - now < EPSILON:
                    self._answered.popleft()
                taken = self._in_flight + len(self._answered)
                if taken < self.overall:
                    wait = 0.0 if taken < self.burst else self._last_start + self.spacing - now
                    if wait < EPSILON:
                        self._in_flight += 1
                        self._last_start = now
                        return
                    await self._sleep(wait)
                elif self._answered:  # until the oldest answer leaves the window
                    await self._sleep(self._answered[0] + self.period - now)
                else:  # every place is in flight: the next answer starts the clock
                    self._answer.clear()
                    await self._answer.wait()


def _chat_key(chat: int | str) -> int | str:
    try:
        return int(chat)
    except (TypeError, ValueError):
        return str(chat)


def _is_group(key: int | str) -> bool:
    """Negative ids and @usernames are groups or channels."""
    return isinstance(key, str) or key < 0
