"""Telegram chats' keyboard state (``channel_state`` rows ``telegram:keyboard:<chat>``):
which message shows the chat's live keyboard, and which older ones are still to be
removed (see :mod:`bot.channels.telegram.keyboards`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import ChannelStateRow

PREFIX = "telegram:keyboard:"


async def with_removals(uow: Any) -> dict[str, list[int]]:
    """chat id -> keyboard message ids still to remove (left by a stopped or killed
    process, or by a removal that failed for a while). Read at start-up: one small row
    per Telegram chat."""
    rows = await uow.session.execute(
        select(ChannelStateRow.key, ChannelStateRow.value)
        .where(ChannelStateRow.key.startswith(PREFIX, autoescape=True))
        .order_by(ChannelStateRow.key))
    found: dict[str, list[int]] = {}
    for key, value in rows.all():
        stale = [m for m in (value or {}).get("stale") or [] if isinstance(m, int)]
        if stale:
            found[key.removeprefix(PREFIX)] = stale
    return found
