"""Zalo OA messaging windows (``uow.windows``, table ``messaging_windows``) and the
OA's paid-quota counter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from storage.models import MessagingWindowRow
from storage.transaction import Repository


@dataclass(frozen=True, slots=True)
class WindowState:
    last_interaction_at: dt.datetime | None
    sent_since: int  # messages the OA sent since the user's last interaction
    paid_sent: int


class WindowRepository(Repository):
    __slots__ = ()

    async def get(self, channel: str, user_id: str) -> WindowState:
        row = await self._tx.session.scalar(select(MessagingWindowRow).where(
            MessagingWindowRow.channel == channel, MessagingWindowRow.user_id == user_id))
        if row is None:
            return WindowState(None, 0, 0)
        return WindowState(row.last_interaction_at, row.sent_since, row.paid_sent)

    async def interacted(self, channel: str, user_id: str, at: dt.datetime) -> None:
        """The user wrote (or tapped, or followed) at ``at``: a new window opens."""
        row = await self._row(channel, user_id, at)
        if row.last_interaction_at is None or at >= row.last_interaction_at:
            row.last_interaction_at, row.sent_since = at, 0
        row.updated_at = at
        await self._tx.session.flush()

    async def sent(self, channel: str, user_id: str, count: int, now: dt.datetime, *,
                   paid: bool = False) -> None:
        """The OA sent ``count`` messages to the user (``paid``: on the paid quota)."""
        row = await self._row(channel, user_id, now)
        row.sent_since += count
        if paid:
            row.paid_sent += count
        row.updated_at = now
        await self._tx.session.flush()

    async def _row(self, channel: str, user_id: str, now: dt.datetime) -> MessagingWindowRow:
        row = await self._tx.session.get(MessagingWindowRow, (channel, user_id))
        if row is None:
            row = MessagingWindowRow(channel=channel, user_id=user_id, last_interaction_at=None,
                                     sent_since=0, paid_sent=0, updated_at=now)
            self._tx.session.add(row)
        return row
