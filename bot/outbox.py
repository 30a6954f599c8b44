"""Delivering queued messages (reminders, notices) through their channels.

Whoever decides to message an officer outside a reply writes the messages to
the outbox in the same transaction (``uow.enqueue``). The dispatcher leases due
rows, delivers them through the channel, and records the outcome; a temporary
failure is retried with back-off, a permanent one is recorded and not retried.
Leases make it safe to run several dispatchers against one database.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping

from dialogs.ports import Channel, Clock, DeliveryError
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, … capped at 1 h."""
    return dt.timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


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
        """Deliver what is due now; return how many messages were delivered."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            items = await uow.claim_outbox(now, limit=self.batch, channels=list(self.channels))
            await uow.commit()
        delivered = 0
        for item in items:
            error: str | None = None
            retry_at: dt.datetime | None = None
            try:
                await self.channels[item.channel].deliver(item.user_id, item.messages)
                delivered += 1
            except DeliveryError as exc:
                error = exc.reason
                if not exc.permanent and item.attempts < MAX_ATTEMPTS:
                    retry_at = self.clock.now() + backoff(item.attempts)
                log.warning("outbox %s to %s:%s failed (%s)%s", item.id, item.channel,
                            item.user_id, exc.reason, "" if retry_at else "; giving up")
            except Exception as exc:  # a bug or an outage in one channel must not stop the rest
                log.exception("outbox %s: unexpected error", item.id)
                error = f"{type(exc).__name__}: {exc}"[:500]
                retry_at = self.clock.now() + backoff(item.attempts)
            async with self.uow_factory() as uow:
                await uow.finish_outbox(item.id, self.clock.now(), error=error, retry_at=retry_at)
                await uow.commit()
        return delivered
