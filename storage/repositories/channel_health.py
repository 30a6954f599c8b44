"""What the channel-health report reads from the outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from storage.models import OutboxRow


async def sent_since(uow: Any, channel: str, since: dt.datetime) -> int:
    """Queued messages (reminders, notices) delivered on ``channel`` since ``since``."""
    count = await uow.session.scalar(
        select(func.count()).select_from(OutboxRow)
        .where(OutboxRow.channel == channel, OutboxRow.delivered_at >= since))
    return int(count or 0)


async def last_send_error(uow: Any, channel: str) -> tuple[dt.datetime | None, str | None]:
    """When and why the channel's latest failed attempt failed (retried or given up)."""
    row = (await uow.session.execute(
        select(func.coalesce(OutboxRow.failed_at, OutboxRow.not_before), OutboxRow.last_error)
        .where(OutboxRow.channel == channel, OutboxRow.last_error.is_not(None))
        .order_by(OutboxRow.id.desc()).limit(1))).first()
    if row is None:
        return None, None
    at = row[0]
    if isinstance(at, str):  # SQLite's coalesce loses the column type
        at = dt.datetime.fromisoformat(at)
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at, row[1]
