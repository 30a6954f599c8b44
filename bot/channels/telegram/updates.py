"""Processing updates: different chats at once, one chat strictly in order."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class ChatOrder:
    """One update at a time per chat, in arrival order, while different chats run
    concurrently (the webhook route and the polling loop). Only this process's updates
    are ordered; the engine's optimistic versions keep several processes correct."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: int | None) -> AsyncIterator[None]:
        if chat_id is None:
            yield
            return
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._users[chat_id] = self._users.get(chat_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[chat_id] -= 1
            if not self._users[chat_id]:  # nobody waiting: forget the chat
                del self._users[chat_id], self._locks[chat_id]
