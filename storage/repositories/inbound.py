"""Processed delivery ids (``inbound_messages``): the replies kept with a web-chat
id, and the purge of ids older than any platform's redelivery window."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select, update

from storage.models import InboundMessageRow

__all__ = ["keep_replies", "kept_replies", "purge_processed"]


async def keep_replies(uow: Any, channel: str, message_id: str, payload: dict) -> None:
    await uow.session.execute(
        update(InboundMessageRow)
        .where(InboundMessageRow.channel == channel, InboundMessageRow.message_id == message_id)
        .values(replies=payload)
        .execution_options(synchronize_session=False)
    )


async def kept_replies(uow: Any, channel: str, message_id: str) -> dict | None:
    return await uow.session.scalar(
        select(InboundMessageRow.replies).where(
            InboundMessageRow.channel == channel, InboundMessageRow.message_id == message_id)
    )


async def purge_processed(uow: Any, *, before: dt.datetime, batch: int = 5000) -> int:
    """Delete up to ``batch`` ids received before ``before``; how many went."""
    ids = select(InboundMessageRow.id).where(
        InboundMessageRow.received_at < before).limit(batch).scalar_subquery()
    result = await uow.session.execute(
        delete(InboundMessageRow).where(InboundMessageRow.id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
