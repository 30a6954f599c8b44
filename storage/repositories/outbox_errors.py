"""The reason the latest failed outbox delivery gave (for the round status)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select

from storage.models import OutboxRow


async def last_error(uow: Any, prefixes: Iterable[str]) -> str | None:
    patterns = [OutboxRow.dedupe_key.like(p.replace("%", r"\%") + "%") for p in prefixes]
    if not patterns:
        return None
    return await uow.session.scalar(
        select(OutboxRow.last_error)
        .where(or_(*patterns), OutboxRow.failed_at.is_not(None))
        .order_by(OutboxRow.failed_at.desc(), OutboxRow.id.desc())
        .limit(1))
