"""Long polling that confirms an update to Telegram only once it has been handled.

Telegram keeps handing out an update (getUpdates) until the bot asks for a higher
``offset``. PTB's Updater asks for it right after *queueing* a batch, so a process
killed before the queue was worked off loses those updates for good. Here a batch is
fetched, every update of it is processed (the engine's turn committed, the replies
sent), and only then is the next batch asked for with ``offset = last id + 1``. A
crash therefore makes Telegram hand the unconfirmed updates out again; those already
committed are no-ops thanks to the de-duplication by update id, the rest are
processed. Updates of different chats run concurrently, one chat's in arrival order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from bot.channels.telegram.updates import ChatOrder

log = logging.getLogger(__name__)

BATCH = 100  # updates per getUpdates (Telegram's maximum)
CONCURRENCY = 64  # updates of a batch processed at once
FIRST_DELAY = 1.0  # seconds before retrying a failed getUpdates; doubled each time …
MAX_DELAY = 60.0  # … up to this
STOP_GRACE = 10.0  # seconds a stopping loop lets the batch in hand finish

Sleep = Callable[[float], Awaitable[Any]]


class UpdatePoller:
    """``start()`` the loop beside a started PTB application; ``await stop()``."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        *,
        timeout: int,
        allowed_updates: Sequence[str],
        limit: int = BATCH,
        concurrency: int = CONCURRENCY,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.application = application
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates)
        self.limit = limit
        self.offset: int | None = None  # asking for it confirms every update below it
        self._asked: int | None = None  # the offset of the last getUpdates that answered
        self._order = ChatOrder()
        self._slots = asyncio.Semaphore(concurrency)
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None
        self._handling = False  # a batch is being processed
        self._stopping = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self.running:
            raise RuntimeError("the polling loop is running already")
        self._stopping = False
        self._task = asyncio.create_task(self.run(), name="telegram-polling")

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """End the loop: a batch being processed may finish within ``grace`` seconds
        (then it is confirmed), else it is abandoned and Telegram hands it out again."""
        task = self._task
        if task is None:
            return
        self._stopping = True
        if not self._handling:  # waiting on getUpdates or a retry: nothing to finish
            task.cancel()
        done, _ = await asyncio.wait({task}, timeout=grace)
        if not done:
            log.warning("Telegram: dừng bot khi còn cập nhật đang xử lý; Telegram sẽ gửi lại.")
            task.cancel()
            await asyncio.wait({task})
        if not task.cancelled() and task.exception() is not None:
            log.error("telegram: polling loop failed", exc_info=task.exception())
        self._task = None
        await self._confirm()

    async def run(self) -> None:
        """Fetch, process, confirm (by fetching the next batch), until cancelled."""
        failures = 0
        while not self._stopping:
            try:
                updates = await self._fetch()
            except Exception as exc:  # never let a bad answer end the loop
                failures += 1
                await self._sleep(self._retry_delay(exc, failures))
                continue
            failures = 0
            if not updates:
                continue
            if self._stopping:  # not processed, not confirmed: handed out again later
                return
            self._handling = True
            try:
                await self.process(updates)
            finally:
                self._handling = False
            self.offset = max(u.update_id for u in updates) + 1

    async def process(self, updates: Sequence[Update]) -> None:
        """Every update of a batch: chats concurrently, each chat in arrival order."""
        await asyncio.gather(*(self._process_one(u) for u in updates))

    async def _process_one(self, update: Update) -> None:
        chat = update.effective_chat
        async with self._order.turn(chat.id if chat else None), self._slots:
            try:
                await self.application.process_update(update)
            except Exception:  # PTB passes handler errors to the error handler already
                log.exception("telegram: update %s not processed", update.update_id)

    async def _fetch(self) -> Sequence[Update]:
        updates = await self.application.bot.get_updates(
            offset=self.offset, limit=self.limit, timeout=self.timeout,
            allowed_updates=self.allowed_updates)
        self._asked = self.offset
        return updates

    async def _confirm(self) -> None:
        """Tell Telegram the updates processed last are done, unless the last
        getUpdates did (a restarted bot would otherwise get them again: harmless,
        they are de-duplicated, but wasted work)."""
        if self.offset is None or self.offset == self._asked:
            return
        try:
            await self.application.bot.get_updates(offset=self.offset, limit=1, timeout=0,
                                                   allowed_updates=self.allowed_updates)
            self._asked = self.offset
        except TelegramError as exc:
            log.info("telegram: processed updates not confirmed at stop (%s)", exc)

    def _retry_delay(self, exc: Exception, failures: int) -> float:
        delay = min(FIRST_DELAY * 2 ** (failures - 1), MAX_DELAY)
        if isinstance(exc, RetryAfter):
            delay = max(exc._retry_after.total_seconds(), 0.0)  # PTB keeps a timedelta
            log.warning("Telegram: getUpdates bị giới hạn tần suất (429); thử lại sau %.0f s.",
                        delay)
        elif isinstance(exc, InvalidToken):
            delay = MAX_DELAY
            log.error("Telegram: TELEGRAM_BOT_TOKEN bị từ chối khi nhận tin; thử lại sau %.0f s.",
                      delay)
        elif isinstance(exc, TelegramError):  # network errors, 5xx, 409 conflict …
            log.warning("Telegram: getUpdates lỗi (%s); thử lại sau %.0f s.", exc, delay)
        else:
            log.exception("Telegram: getUpdates trả về dữ liệu không đọc được; thử lại sau "
                          "%.0f s.", delay, exc_info=exc)
        return delay
