"""What the outbox holds right now, for the metrics (``bot.metrics``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from storage.models import OutboxRow


async def outbox_depth_and_oldest(uow: Any, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """How many messages wait to go out (neither delivered nor given up), and when the
    oldest of those already due became due (None: nothing is due)."""
    waiting = (OutboxRow.delivered_at.is_(None), OutboxRow.failed_at.is_(None))
    depth = await uow.session.scalar(select(func.count()).select_from(OutboxRow).where(*waiting))
    oldest = await uow.session.scalar(
        select(func.min(OutboxRow.not_before)).where(*waiting, OutboxRow.not_before <= now))
    return int(depth or 0), oldest
