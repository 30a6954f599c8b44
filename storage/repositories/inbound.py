"""Processed delivery ids (``uow.inbound``, table ``inbound_messages``): a platform
delivers again when unsure, so each delivery id is claimed once; the replies kept
with a web-chat id; the purge of ids older than any platform's redelivery window."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update

from storage.hot_path import rowcount
from storage.models import InboundMessageRow
from storage.transaction import Repository

__all__ = ["InboundRepository"]


class InboundRepository(Repository):
    __slots__ = ()

    async def claim(self, channel: str, message_id: str, now: dt.datetime) -> bool:
        """Record a delivery id; False when it was already processed."""
        tx = self._tx
        result = await tx.execute(
            tx.hot.claim, {"channel": channel, "message_id": message_id, "received_at": now})
        return rowcount(result) == 1

    async def keep_replies(self, channel: str, message_id: str, payload: dict) -> None:
        """Store the replies (:func:`dialogs.messages.to_payload`) of a claimed delivery."""
        await self._tx.session.execute(
            update(InboundMessageRow)
            .where(InboundMessageRow.channel == channel,
                   InboundMessageRow.message_id == message_id)
            .values(replies=payload)
            .execution_options(synchronize_session=False)
        )

    async def kept_replies(self, channel: str, message_id: str) -> dict | None:
        """The replies stored with a processed delivery id, if any."""
        return await self._tx.session.scalar(
            select(InboundMessageRow.replies).where(
                InboundMessageRow.channel == channel, InboundMessageRow.message_id == message_id)
        )

    async def purge(self, *, before: dt.datetime, batch: int = 5000) -> int:
        """Delete up to ``batch`` ids received before ``before``; how many went."""
        ids = select(InboundMessageRow.id).where(
            InboundMessageRow.received_at < before).limit(batch).scalar_subquery()
        result = await self._tx.session.execute(
            delete(InboundMessageRow).where(InboundMessageRow.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)
