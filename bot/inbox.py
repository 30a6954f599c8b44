"""The durable webhook inbox: no webhook event is ever lost.

Every webhook (Zalo OA, Zalo Bot Platform, Telegram) hands its verified event to
:meth:`Inbox.accept` before it answers. The raw body is committed to
``webhook_inbox``; only then does the platform get its 2xx. If the event cannot be
stored within :attr:`Inbox.store_deadline` (the database locked, unreachable…) the
route answers 503 and the platform delivers it again (Zalo expects an answer within
about 2 s; a re-delivery of an event that was stored meanwhile is recognised by its
delivery id and answered 200).

Stored events are handled by one worker per user: that user's events in the order
they were received, one at a time, while other users' workers run side by side (a
user whose handling is slow or failing delays nobody else). A handler that raises
is retried with back-off (the event stays first in its user's queue, so the order
holds); after :attr:`Inbox.max_attempts` it is recorded as failed and the user's
next event goes ahead. The database is the truth: workers are started when an
event is stored and by :meth:`Inbox.sweep` (at start-up and every
:attr:`Inbox.sweep_seconds`), so events stored by a process that died are handled
too; a lease keeps two processes from handling one event at the same time, and the
engine's de-duplication by message id makes a repeat after a crash a no-op.

While a route waits it may also wait for its event to be handled (up to
``wait``), so the reply usually goes out before the acknowledgement; when the
handling takes longer the route answers anyway: the event is safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.metrics import add_gauge_source
from dialogs.ports import Clock
from storage.repositories.inbox import InboxEvent

log = logging.getLogger(__name__)

#: ``handler(raw body)``: handle one stored event; raise to have it retried.
Handler = Callable[[str], Awaitable[None]]

#: Set while an inbox worker runs a handler: channel code that catches an engine
#: failure itself (PTB's handlers) records it here instead, so the inbox retries.
_failures: contextvars.ContextVar[list[BaseException] | None] = contextvars.ContextVar(
    "inbox_failures", default=None)


def report_failure(exc: BaseException) -> bool:
    """Called by a handler that must not raise (PTB swallows exceptions): True when an
    inbox worker is running it and will retry the event."""
    failures = _failures.get()
    if failures is None:
        return False
    failures.append(exc)
    return True


def retry_pending() -> bool:
    """Whether the handler running now recorded a failure the inbox will retry (then
    the channel answers nothing yet: the retry answers)."""
    return bool(_failures.get())


def retrying(handle: Callable[[Any], Awaitable[list[Any]]]
             ) -> Callable[[Any], Awaitable[list[Any]]]:
    """``handle`` for channel code that answers an engine failure itself: inside an
    inbox worker, a failure is recorded for a retry and nothing is answered."""

    async def guarded(inbound: Any) -> list[Any]:
        try:
            return await handle(inbound)
        except Exception as exc:
            if report_failure(exc):
                return []
            raise

    return guarded


class Inbox:
    def __init__(self, uow_factory: Callable[[], Any], clock: Clock, *,
                 store_deadline: float = 1.5, retry_first: float = 0.5,
                 retry_cap: float = 30.0, max_attempts: int = 50,
                 sweep_seconds: float = 30.0, reply_wait: float = 1.0,
                 lease: dt.timedelta = dt.timedelta(minutes=5)) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.store_deadline = store_deadline
        self.retry_first = retry_first
        self.retry_cap = retry_cap
        self.max_attempts = max_attempts
        self.sweep_seconds = sweep_seconds
        self.lease = lease
        #: seconds a Zalo webhook waits for its event's handling before answering
        #: (Zalo wants an answer within about 2 s; the event is safe either way)
        self.reply_wait = reply_wait
        self.handlers: dict[str, Handler] = {}
        self._workers: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._again: set[tuple[str, str]] = set()
        self._settled: dict[tuple[str, str], asyncio.Event] = {}
        self._waiters: dict[tuple[str, str], int] = {}
        self._late: set[asyncio.Task[bool]] = set()

    def register(self, channel: str, handler: Handler) -> None:
        self.handlers[channel] = handler

    # ----------------------------------------------------------------- receiving

    async def accept(self, channel: str, event_key: str, user_key: str, body: bytes, *,
                     wait: float = 0.0, deadline: float | None = None) -> bool:
        """Store the event (True: it is safe, answer 2xx); False: it could not be stored
        within ``deadline`` seconds (default :attr:`store_deadline`; answer 5xx). Then
        wait up to ``wait`` seconds for it to be handled."""
        key = (channel, event_key)
        settled = None
        if wait > 0:
            settled = self._settled.setdefault(key, asyncio.Event())
            self._waiters[key] = self._waiters.get(key, 0) + 1
        task = asyncio.ensure_future(self._store(channel, event_key, user_key, body))
        try:
            limit = self.store_deadline if deadline is None else max(deadline,
                                                                     self.store_deadline)
            done, _ = await asyncio.wait({task}, timeout=limit)
            if not done:  # let it finish on its own; the platform will deliver again
                self._late.add(task)
                task.add_done_callback(self._late_stored)
                log.warning("inbox: %s event %s not stored within %.1f s; answering 503",
                            channel, event_key, limit)
                return False
            try:
                new = task.result()
            except Exception as exc:
                log.warning("inbox: %s event %s not stored (%s); answering 503", channel,
                            event_key, _short(exc))
                return False
            if settled is not None and new:  # (a re-delivery does not wait)
                # stored: it will be handled however long that takes; answer by then
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(settled.wait(), wait)
            return True
        finally:
            if settled is not None:
                self._waiters[key] -= 1
                if not self._waiters[key]:  # the last one waiting for this event
                    del self._waiters[key], self._settled[key]

    async def _store(self, channel: str, event_key: str, user_key: str, body: bytes) -> bool:
        async with self.uow_factory() as uow:
            new = await uow.inbox.store(channel, event_key, user_key,
                                   body.decode("utf-8", "replace"), self.clock.now())
            await uow.commit()
        self.wake(channel, user_key)  # a re-delivery: the user's worker may be idle
        return new

    def _late_stored(self, task: asyncio.Task[bool]) -> None:
        self._late.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.warning("inbox: a late store failed too (%s); the platform delivers again",
                        _short(exc))

    # ----------------------------------------------------------------- handling

    def wake(self, channel: str, user_key: str) -> None:
        """Make sure a worker handles this user's stored events."""
        key = (channel, user_key)
        worker = self._workers.get(key)
        if worker is not None and not worker.done():
            self._again.add(key)  # it may have looked already: look once more
            return
        self._workers[key] = asyncio.create_task(self._drain(channel, user_key),
                                                 name=f"inbox-{channel}-{user_key}")

    async def _drain(self, channel: str, user_key: str) -> None:
        key = (channel, user_key)
        delay = self.retry_first
        try:
            while True:
                self._again.discard(key)
                try:
                    event = await self._claim(channel, user_key)
                except Exception as exc:  # the database is locked or away: wait, look again
                    log.warning("inbox: cannot read %s events of %s (%s); retrying in %.1f s",
                                channel, user_key, _short(exc), delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.retry_cap)
                    continue
                if event is None:
                    if key in self._again:
                        continue
                    return
                if await self._handle(event, delay):
                    delay = self.retry_first
                else:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.retry_cap)
        finally:
            if self._workers.get(key) is asyncio.current_task():
                del self._workers[key]

    async def _claim(self, channel: str, user_key: str) -> InboxEvent | None:
        async with self.uow_factory() as uow:
            event = await uow.inbox.claim_next(channel, user_key, self.clock.now(), self.lease)
            await uow.commit()
        return event

    async def _handle(self, event: InboxEvent, delay: float) -> bool:
        """Run the handler; record the outcome. False: retry after ``delay``."""
        handler = self.handlers.get(event.channel)
        error: str | None = None
        if handler is None:
            error = f"no handler for channel {event.channel}"
        else:
            failures: list[BaseException] = []
            token = _failures.set(failures)
            try:
                await handler(event.body)
                if failures:
                    raise failures[0]
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = _short(exc)
            finally:
                _failures.reset(token)
        give_up = error is not None and event.attempts >= self.max_attempts
        if error is not None:
            if give_up:
                log.error("inbox: %s event %s of %s failed %d times; giving up: %s",
                          event.channel, event.event_key, event.user_key, event.attempts, error)
            else:
                log.warning("inbox: %s event %s of %s failed (attempt %d, retry in %.1f s): %s",
                            event.channel, event.event_key, event.user_key, event.attempts,
                            delay, error)
        await self._finish(event, error, give_up)
        if error is None or give_up:
            settled = self._settled.get((event.channel, event.event_key))
            if settled is not None:
                settled.set()
        return error is None or give_up

    async def _finish(self, event: InboxEvent, error: str | None, give_up: bool) -> None:
        """Record the outcome, however long the database takes to accept it (the
        user's next events wait: their order matters more than their speed)."""
        delay = self.retry_first
        while True:
            try:
                async with self.uow_factory() as uow:
                    await uow.inbox.finish(event.id, self.clock.now(), error=error,
                                      give_up=give_up)
                    await uow.commit()
                return
            except Exception as exc:
                log.warning("inbox: outcome of %s event %s not recorded yet (%s)",
                            event.channel, event.event_key, _short(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_cap)

    # ----------------------------------------------------------------- services

    async def sweep(self) -> int:
        """Start a worker for every user with stored events still to handle."""
        async with self.uow_factory() as uow:
            users = await uow.inbox.pending_users()
        for channel, user_key in users:
            if channel in self.handlers:
                self.wake(channel, user_key)
        return len(users)

    async def run(self) -> None:
        """The service ``baocao run`` starts: sweep now and every ``sweep_seconds``."""
        try:
            while True:
                try:
                    await self.sweep()
                except Exception as exc:
                    log.warning("inbox: sweep failed (%s)", _short(exc))
                await asyncio.sleep(self.sweep_seconds)
        finally:
            await self.aclose()

    async def idle(self) -> None:
        """Wait until every worker (and late store) has finished (tests, shutdown)."""
        while True:
            tasks = [t for t in (*self._workers.values(), *self._late) if not t.done()]
            if not tasks:
                return
            await asyncio.gather(*tasks, return_exceptions=True)

    async def aclose(self) -> None:
        tasks = [t for t in (*self._workers.values(), *self._late) if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 300 else text[:297] + "…"


async def inbox_depth(uow_factory: Callable[[], Any]) -> int:
    """``/metrics``: webhook events stored and not yet handled, every channel."""
    async with uow_factory() as uow:
        return await uow.inbox.depth()


add_gauge_source("baocao_webhook_inbox_depth",
                 "Webhook events stored and not yet handled", inbox_depth)
