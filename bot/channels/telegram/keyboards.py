"""Retiring a chat's old keyboards, durably.

Every reply records, in one transaction, the chat's newest keyboard message and the
older ones still to be removed (``channel_state`` ``telegram:keyboard:<chat>``:
``{"message_id": newest, "stale": [...]}``). The removals (``editMessageReplyMarkup``)
then run in the background at low priority, after the reply: the update and
Telegram's offset never wait for them. A removal done (or refused because the
message is gone or not modified) is crossed off the row; one cut short — the process
stopped or was killed, the network failed — stays there and is done again by the
chat's next reply or when a bot starts (:meth:`KeyboardRemovals.resume`). Meanwhile
the engine refuses a tap on any keyboard but the newest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden

from bot.channels.telegram.limiter import bulk_sending
from dialogs.ports import Clock
from storage.repositories.keyboards import PREFIX

log = logging.getLogger(__name__)


class OpenKeyboards:
    """A chat's live keyboard and its keyboards still to remove, in storage (any
    process may send the chat's next reply). Best effort: a failure here never stops
    a reply."""

    def __init__(self, uow_factory: Callable[[], Any], clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    async def replace(self, chat_id: int | str, newest: int | None, *,
                      older: Iterable[int] = (), closed: int | None = None) -> list[int]:
        """Record the chat's new keyboard message (None: the chat has none now) and
        return the keyboards to remove: the previous one, ``older`` ones of this reply
        and any still left from before (``closed``: one removed already)."""
        key = f"{PREFIX}{chat_id}"
        try:
            async with self.uow_factory() as uow:
                state = await uow.channel_state.get(key, lock=True) or {}
                stale = [m for m in dict.fromkeys([*(state.get("stale") or []),
                                                   state.get("message_id"), *older])
                         if isinstance(m, int) and m not in (newest, closed)]
                await uow.channel_state.put(key, {"message_id": newest, "stale": stale},
                                            self.clock.now())
                await uow.commit()
        except Exception:
            log.warning("telegram: open keyboard of %s not recorded", chat_id, exc_info=True)
            return []
        return stale

    async def removed(self, done: dict[str, set[int]]) -> None:
        """Cross removed keyboards off their chats' rows (one transaction)."""
        async with self.uow_factory() as uow:
            await uow.keyboards.cross_off(done, self.clock.now())
            await uow.commit()

    async def left_over(self) -> dict[str, list[int]]:
        """Chats with keyboards still to remove."""
        async with self.uow_factory() as uow:
            return await uow.keyboards.with_removals()


#: Seconds the outcomes of removals gather before they are written (one transaction
#: for all of them: under load the database is what the officers wait for).
WRITE_EVERY = 1.0


class KeyboardRemovals:
    """Removes old keyboards in the background; the outcomes are written in batches."""

    def __init__(self, bot: Bot, keyboards: OpenKeyboards) -> None:
        self.bot = bot
        self.keyboards = keyboards
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_hand: set[tuple[str, int]] = set()  # (chat, message) being removed here
        self._done: dict[str, set[int]] = {}
        self._writer: asyncio.Task[None] | None = None
        self._write_now = asyncio.Event()

    def start(self, chat_id: int | str, message_ids: Iterable[int]) -> None:
        chat = str(chat_id)
        removed = self._done.get(chat, set())  # (not crossed off yet)
        todo = [m for m in message_ids if (chat, m) not in self._in_hand and m not in removed]
        if not todo:
            return
        self._in_hand.update((chat, m) for m in todo)
        task = asyncio.create_task(self._remove(chat_id, todo), name=f"telegram-retire-{chat}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _remove(self, chat_id: int | str, message_ids: list[int]) -> None:
        chat = str(chat_id)
        done: set[int] = set()
        try:
            with bulk_sending():  # after every waiting reply
                for message_id in message_ids:
                    try:
                        await self.bot.edit_message_reply_markup(chat_id, message_id,
                                                                 reply_markup=None)
                    except (BadRequest, Forbidden) as exc:  # gone, too old, not modified …
                        log.debug("telegram: old keyboard %s in %s: %s", message_id, chat, exc)
                    except Exception as exc:  # network, shutting down …: tried again later
                        log.info("telegram: old keyboard %s in %s not removed yet: %s",
                                 message_id, chat, exc)
                        continue
                    done.add(message_id)
        finally:
            self._in_hand.difference_update((chat, m) for m in message_ids)
            if done:
                self._done.setdefault(chat, set()).update(done)
                if self._writer is None or self._writer.done():
                    self._writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._write_now.wait(), WRITE_EVERY)
        while self._done:
            batch, self._done = self._done, {}
            try:
                await self.keyboards.removed(batch)
            except Exception:  # they stay listed: removed again later, harmlessly
                log.warning("telegram: removed keyboards not recorded", exc_info=True)

    async def resume(self) -> int:
        """Start the removals a stopped or killed process left; how many chats."""
        try:
            left = await self.keyboards.left_over()
        except Exception:
            log.warning("telegram: old keyboards left to remove not read", exc_info=True)
            return 0
        for chat, message_ids in left.items():
            self.start(int(chat) if chat.lstrip("-").isdigit() else chat, message_ids)
        if left:
            log.info("telegram: removing old keyboards left in %d chat(s)", len(left))
        return len(left)

    @property
    def under_way(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for the removals under way, then for their outcomes to be written."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        writer = self._writer
        if writer is not None and not writer.done():
            self._write_now.set()
            await asyncio.wait({writer}, timeout=timeout)
            self._write_now.clear()
