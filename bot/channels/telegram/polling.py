"""Long polling that keeps fetching while updates are handled, and confirms an update
to Telegram only once it and every update before it has been handled.

Telegram keeps handing out an update (getUpdates) until the bot asks for a higher
``offset``. PTB's Updater asks for it right after *queueing* a batch, so a process
killed before the queue was worked off loses those updates for good. Here each
update is handed to its own task as soon as it is fetched (one chat's updates in
arrival order, other chats alongside), and the loop fetches again at once: one
officer's slow reply (Telegram paces a chat to about one message a second) never
delays another officer's. The offset asked for is the oldest update still being
handled (or one past the newest, when none is), so Telegram hands the unfinished
ones out again meanwhile — they are recognised and not started twice — and after a
crash every unfinished update comes back; those a turn already committed are no-ops
thanks to the de-duplication by update id, the rest are processed.
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
CONCURRENCY = 64  # updates handled at once
FIRST_DELAY = 1.0  # seconds before retrying a failed getUpdates; doubled each time …
MAX_DELAY = 60.0  # … up to this
STOP_GRACE = 10.0  # seconds a stopping loop lets the updates in hand finish
#: While updates are being handled, Telegram answers getUpdates at once (they are not
#: confirmed yet); the loop then asks again after this long, or when one finishes.
BUSY_POLL = 0.25

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
        busy_poll: float = BUSY_POLL,
    ) -> None:
        self.application = application
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates)
        self.limit = limit
        self.busy_poll = busy_poll
        self.offset: int | None = None  # asking for it confirms every update below it
        self._asked: int | None = None  # the offset of the last getUpdates that answered
        self._order = ChatOrder()
        self._slots = asyncio.Semaphore(concurrency)
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None
        self._handling: dict[int, asyncio.Task[None]] = {}  # update id -> its task
        self._abandoned: set[int] = set()  # cancelled at stop: not handled
        self._taken: set[int] = set()  # ids at or above the offset already started
        self._newest: int | None = None  # the highest update id started
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
        """End the loop: updates being handled may finish within ``grace`` seconds
        (then they are confirmed), else they are abandoned and Telegram hands them out
        again."""
        task = self._task
        if task is None:
            return
        self._stopping = True
        task.cancel()  # fetching or waiting: the handling goes on in its own tasks
        await asyncio.wait({task})
        if not task.cancelled() and task.exception() is not None:
            log.error("telegram: polling loop failed", exc_info=task.exception())
        self._task = None
        pending = set(self._handling.values())
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace)
            if late:
                log.warning("Telegram: dừng bot khi còn cập nhật đang xử lý; Telegram sẽ gửi "
                            "lại.")
                for handling in late:
                    handling.cancel()
                await asyncio.wait(late)
        await self._confirm()

    async def run(self) -> None:
        """Fetch, start what is new, fetch again, until cancelled."""
        failures = 0
        while not self._stopping:
            self.offset = self._confirmable()
            self._taken = {i for i in self._taken if self.offset is None or i >= self.offset}
            try:
                updates = await self._fetch()
            except Exception as exc:  # never let a bad answer end the loop
                failures += 1
                await self._sleep(self._retry_delay(exc, failures))
                continue
            failures = 0
            if self._stopping:  # not started, not confirmed: handed out again later
                return
            fresh = sorted((u for u in updates if u.update_id not in self._taken
                            and (self.offset is None or u.update_id >= self.offset)),
                           key=lambda u: u.update_id)
            for update in fresh:
                self._begin(update)
            if self._handling:
                # Telegram answers at once while updates are unconfirmed (handing them
                # back each time): ask again when the oldest is done (the offset moves
                # on) or after busy_poll, not in a tight loop
                oldest = self._handling[min(self._handling)]
                await asyncio.wait({oldest}, timeout=self.busy_poll)

    def _confirmable(self) -> int | None:
        """The offset to ask for: the oldest update not handled yet, else one past the
        newest."""
        unfinished = set(self._handling) | self._abandoned
        if unfinished:
            return min(unfinished)
        if self._newest is not None:
            return self._newest + 1
        return self.offset

    def _begin(self, update: Update) -> None:
        update_id = update.update_id
        self._taken.add(update_id)
        self._newest = update_id if self._newest is None else max(self._newest, update_id)
        task = asyncio.create_task(self._process_one(update), name=f"telegram-{update_id}")
        self._handling[update_id] = task

        def done(finished: asyncio.Task[None], update_id: int = update_id) -> None:
            self._handling.pop(update_id, None)
            if finished.cancelled():
                self._abandoned.add(update_id)

        task.add_done_callback(done)

    async def process(self, updates: Sequence[Update]) -> None:
        """Every update given: chats concurrently, each chat in arrival order."""
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
        """Tell Telegram the updates handled last are done, unless the last
        getUpdates did (a restarted bot would otherwise get them again: harmless,
        they are de-duplicated, but wasted work)."""
        self.offset = self._confirmable()
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
