"""Delivering queued messages (reminders, notices) through their channels.

Whoever decides to message an officer outside a reply writes the messages to
the outbox in the same transaction (``uow.outbox.enqueue``). The dispatcher leases due
rows, delivers them through the channel, and records the outcome; a temporary
failure is retried with back-off, a permanent one is recorded and not retried.
Leases make it safe to run several dispatchers against one database.

Within a batch, messages to different users go out side by side: a channel that
paces its own sends (Telegram, whose rate limiter keeps to the platform's limits)
says how many it takes at once in its ``concurrency`` attribute; any other channel
gets one at a time. One user's messages always go one after another, in order.
Outcomes are written in as few transactions as possible: each write takes every
outcome that arrived while the previous one was being written. A crash after a
send and before its outcome is written sends that message again once the lease
ends (no channel lets us send and record in one step).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.metrics import count_send
from dialogs.ports import Channel, Clock, DeliveryError, OutboxItem
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, … capped at 1 h."""
    return dt.timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True, slots=True)
class Outcome:
    item_id: int
    at: dt.datetime
    error: str | None = None  # None: delivered
    retry_at: dt.datetime | None = None  # with an error: try again then; None: give up


class Outcomes:
    """Records outcomes in the background, many per transaction."""

    def __init__(self, uow_factory: Callable[[], SqlUnitOfWork]) -> None:
        self.uow_factory = uow_factory
        self._pending: list[Outcome] = []
        self._writer: asyncio.Task[None] | None = None
        self.failure: BaseException | None = None  # a write failed: stop sending

    def add(self, outcome: Outcome) -> None:
        self._pending.append(outcome)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        while self._pending and self.failure is None:
            batch, self._pending = self._pending, []
            try:
                async with self.uow_factory() as uow:
                    for o in batch:
                        await uow.outbox.finish(o.item_id, o.at, error=o.error,
                                                retry_at=o.retry_at)
                    await uow.commit()
            except Exception as exc:
                log.exception("outbox: %d outcome(s) not recorded", len(batch))
                self.failure = exc

    async def close(self) -> None:
        """Wait until everything added is written; raise if a write failed."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)
        if self.failure is not None:
            raise self.failure


class Dispatcher:
    def __init__(
        self,
        channels: Mapping[str, Channel],
        uow_factory: Callable[[], SqlUnitOfWork],
        clock: Clock,
        batch: int = 100,
    ) -> None:
        self.channels = channels
        self.uow_factory = uow_factory
        self.clock = clock
        self.batch = batch

    async def run_once(self) -> int:
        """Deliver one batch of what is due now; return how many messages were delivered."""
        return await self._deliver(await self._claim())

    async def drain(self) -> int:
        """Deliver until nothing is due; return how many messages were delivered. The
        next batch is leased when half of the current one is under way, so the
        channels do not wait for the database between batches."""
        delivered = 0
        items = await self._claim()
        while items:
            half_started = asyncio.Event()
            sending = asyncio.create_task(self._deliver(items, half_started))
            upcoming: list[OutboxItem] = []
            try:
                if len(items) == self.batch:  # a full batch: more may be due
                    await half_started.wait()
                    upcoming = await self._claim()
            except asyncio.CancelledError:
                sending.cancel()
                await asyncio.gather(sending, return_exceptions=True)
                raise
            except Exception:
                await sending  # the batch under way still finishes
                raise
            delivered += await sending
            items = upcoming
        return delivered

    async def _claim(self) -> list[OutboxItem]:
        async with self.uow_factory() as uow:
            items = await uow.outbox.claim(self.clock.now(), limit=self.batch,
                                           channels=list(self.channels))
            await uow.commit()
        return items

    async def _deliver(self, items: list[OutboxItem],
                       half_started: asyncio.Event | None = None) -> int:
        by_user: dict[tuple[str, str], list[OutboxItem]] = {}
        for item in items:
            by_user.setdefault((item.channel, item.user_id), []).append(item)
        slots = {name: asyncio.Semaphore(max(1, getattr(channel, "concurrency", 1)))
                 for name, channel in self.channels.items()}
        outcomes = Outcomes(self.uow_factory)
        delivered = started = 0

        async def one_user(queue: list[OutboxItem]) -> None:
            nonlocal delivered, started
            for item in queue:
                if outcomes.failure is not None:
                    return  # outcomes cannot be recorded: leave the rest to the lease
                async with slots[item.channel]:
                    started += 1
                    if half_started is not None and 2 * started >= len(items):
                        half_started.set()
                    outcome = await self._attempt(item)
                outcomes.add(outcome)
                delivered += outcome.error is None

        try:
            await asyncio.gather(*(one_user(queue) for queue in by_user.values()))
        finally:
            if half_started is not None:
                half_started.set()
            await outcomes.close()  # what went out is recorded, even when cancelled
        return delivered

    async def _attempt(self, item: OutboxItem) -> Outcome:
        channel = self.channels[item.channel]
        try:
            deliver_item = getattr(channel, "deliver_item", None)  # needs the whole item
            if deliver_item is not None:
                await deliver_item(item)
            else:
                await channel.deliver(item.user_id, item.messages)
        except DeliveryError as exc:
            retry_at = None
            if not exc.permanent and item.attempts < MAX_ATTEMPTS:
                retry_at = self.clock.now() + backoff(item.attempts)
            log.warning("outbox %s to %s:%s failed (%s)%s", item.id, item.channel,
                        item.user_id, exc.reason, "" if retry_at else "; giving up")
            count_send(item.channel, exc.reason, retrying=retry_at is not None)
            return Outcome(item.id, self.clock.now(), exc.reason, retry_at)
        except Exception as exc:  # a bug or an outage in one channel must not stop the rest
            log.exception("outbox %s: unexpected error", item.id)
            count_send(item.channel, type(exc).__name__, retrying=True)
            return Outcome(item.id, self.clock.now(), f"{type(exc).__name__}: {exc}"[:500],
                           self.clock.now() + backoff(item.attempts))
        count_send(item.channel, None, retrying=False)
        return Outcome(item.id, self.clock.now())
