"""Channel state (``uow.channel_state``): small JSON values by key that a channel keeps
across processes (tokens, webhook set-up, polling offsets)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, text, update

from storage.models import ChannelStateRow
from storage.transaction import Repository

__all__ = ["ChannelStateRepository"]

#: The first key of the two-key advisory lock on a channel-state key (the scheduler's
#: job locks use bot.job_lock.NAMESPACE).
_LOCK_SPACE = 0x62616F64  # "baod"


class ChannelStateRepository(Repository):
    __slots__ = ()

    async def get(self, key: str, *, lock: bool = False) -> dict[str, Any] | None:
        """A channel's stored state; ``lock`` holds a row lock (PostgreSQL; the write
        lock on SQLite) until commit, so one process at a time can e.g. refresh a
        single-use token. With ``lock``, call this first in its unit of work."""
        session = self._tx.session
        query = select(ChannelStateRow).where(ChannelStateRow.key == key)
        if lock and self._tx.dialect == "postgresql":
            # a row lock cannot hold a key that has no row yet (two processes would both
            # insert it): a transaction-scoped advisory lock on the key holds it either way
            await session.execute(text("SELECT pg_advisory_xact_lock(:space, hashtext(:key))"),
                                  {"space": _LOCK_SPACE, "key": key})
            query = query.with_for_update()
        elif lock:  # SQLite has no row locks: a no-op write takes the database's write lock
            await session.execute(
                update(ChannelStateRow)
                .where(ChannelStateRow.key == key)
                .values(version=ChannelStateRow.version)
                .execution_options(synchronize_session=False)
            )
        row = await session.scalar(query)
        return None if row is None else dict(row.value)

    async def put(self, key: str, value: dict[str, Any], now: dt.datetime) -> None:
        session = self._tx.session
        row = await session.get(ChannelStateRow, key)
        if row is None:
            session.add(ChannelStateRow(key=key, value=value, version=1, updated_at=now))
        else:
            row.value, row.version, row.updated_at = value, row.version + 1, now
        await session.flush()
