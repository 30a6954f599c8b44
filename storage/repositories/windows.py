"""Zalo OA messaging windows (``messaging_windows``) and the OA's paid-quota counter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from storage.models import MessagingWindowRow


@dataclass(frozen=True, slots=True)
class WindowState:
    last_interaction_at: dt.datetime | None
    sent_since: int  # messages the OA sent since the user's last interaction
    paid_sent: int


async def get(uow: Any, channel: str, user_id: str) -> WindowState:
    row = await uow.session.scalar(select(MessagingWindowRow).where(
        MessagingWindowRow.channel == channel, MessagingWindowRow.user_id == user_id))
    if row is None:
        return WindowState(None, 0, 0)
    return WindowState(row.last_interaction_at, row.sent_since, row.paid_sent)


async def _row(uow: Any, channel: str, user_id: str, now: dt.datetime) -> MessagingWindowRow:
    row = await uow.session.get(MessagingWindowRow, (channel, user_id))
    if row is None:
        row = MessagingWindowRow(channel=channel, user_id=user_id, last_interaction_at=None,
                                 sent_since=0, paid_sent=0, updated_at=now)
        uow.session.add(row)
    return row


async def interacted(uow: Any, channel: str, user_id: str, at: dt.datetime) -> None:
    """The user wrote (or tapped, or followed) at ``at``: a new window opens."""
    row = await _row(uow, channel, user_id, at)
    if row.last_interaction_at is None or at >= row.last_interaction_at:
        row.last_interaction_at, row.sent_since = at, 0
    row.updated_at = at
    await uow.session.flush()


async def sent(uow: Any, channel: str, user_id: str, count: int, now: dt.datetime, *,
               paid: bool = False) -> None:
    """The OA sent ``count`` messages to the user (``paid``: on the paid quota)."""
    row = await _row(uow, channel, user_id, now)
    row.sent_since += count
    if paid:
        row.paid_sent += count
    row.updated_at = now
    await uow.session.flush()
