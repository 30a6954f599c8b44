"""Telegram chats' keyboard state (``uow.keyboards``; ``channel_state`` rows
``telegram:keyboard:<chat>``): which message shows the chat's live keyboard, and which
older ones are still to be removed (see :mod:`bot.channels.telegram.keyboards`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from storage.models import ChannelStateRow
from storage.transaction import Repository

__all__ = ["PREFIX", "KeyboardRepository"]

PREFIX = "telegram:keyboard:"


class KeyboardRepository(Repository):
    __slots__ = ()

    async def with_removals(self) -> dict[str, list[int]]:
        """chat id -> keyboard message ids still to remove (left by a stopped or killed
        process, or by a removal that failed for a while). Read at start-up: one small row
        per Telegram chat."""
        rows = await self._tx.session.execute(
            select(ChannelStateRow.key, ChannelStateRow.value)
            .where(ChannelStateRow.key.startswith(PREFIX, autoescape=True))
            .order_by(ChannelStateRow.key))
        found: dict[str, list[int]] = {}
        for key, value in rows.all():
            stale = [m for m in (value or {}).get("stale") or [] if isinstance(m, int)]
            if stale:
                found[key.removeprefix(PREFIX)] = stale
        return found


    async def cross_off(self, done: dict[str, set[int]], now: dt.datetime) -> None:
        """Remove ``done`` (chat id -> keyboard message ids removed) from the chats' lists of
        keyboards to remove: one read and one bulk write for every chat. Commit after."""
        keys = {f"{PREFIX}{chat}": ids for chat, ids in done.items()}
        where = ChannelStateRow.key.in_(sorted(keys))
        query = select(ChannelStateRow.key, ChannelStateRow.value).where(where)
        if self._tx.dialect == "postgresql":
            query = query.order_by(ChannelStateRow.key).with_for_update()
        else:  # SQLite: take the write lock first, so nothing changes between read and write
            await self._tx.session.execute(update(ChannelStateRow).where(where)
                                      .values(version=ChannelStateRow.version)
                                      .execution_options(synchronize_session=False))
        changes = []
        for key, value in (await self._tx.session.execute(query)).all():
            stale = list((value or {}).get("stale") or [])
            kept = [m for m in stale if m not in keys[key]]
            if kept != stale:
                changes.append({"key": key, "value": {**value, "stale": kept}, "updated_at": now})
        if changes:
            await self._tx.session.execute(update(ChannelStateRow), changes)  # by primary key
