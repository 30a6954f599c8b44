"""The webhook inbox (``uow.inbox``, table ``webhook_inbox``): raw events stored before they are
acknowledged, then claimed one at a time per user, oldest first (see :mod:`bot.inbox`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update

from storage.models import WebhookInboxRow
from storage.transaction import Repository

#: PostgreSQL: how long storing an event may wait for a lock before it gives up (the
#: platform then gets a 5xx and delivers again). SQLite waits its busy timeout.
STORE_LOCK_TIMEOUT = "1500ms"


@dataclass(frozen=True, slots=True)
class InboxEvent:
    id: int
    channel: str
    event_key: str
    user_key: str
    body: str
    attempts: int


def _insert(dialect: str) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(WebhookInboxRow)


def _pending() -> Any:
    return (WebhookInboxRow.handled_at.is_(None), WebhookInboxRow.failed_at.is_(None))


@dataclass(frozen=True, slots=True)
class InboxSummary:
    channel: str
    last_received_at: dt.datetime | None
    pending: int
    failed: int


class InboxRepository(Repository):
    __slots__ = ()

    async def store(self, channel: str, event_key: str, user_key: str, body: str,
                    now: dt.datetime) -> bool:
        """Record an event; False when this delivery id was stored before. Commit after."""
        dialect = self._tx.dialect
        if dialect == "postgresql":
            await self._tx.session.execute(text(f"SET LOCAL lock_timeout = '{STORE_LOCK_TIMEOUT}'"))
        statement = (
            _insert(dialect)
            .values(channel=channel, event_key=event_key, user_key=user_key, body=body,
                    received_at=now, attempts=0)
            .on_conflict_do_nothing(index_elements=["channel", "event_key"])
        )
        result = await self._tx.session.execute(statement)
        return bool(result.rowcount == 1)

    async def claim_next(self, channel: str, user_key: str, now: dt.datetime,
                         lease: dt.timedelta) -> InboxEvent | None:
        """Lease the user's oldest pending event; None when there is none, or when it is
        leased already (by another worker: the user's later events wait behind it)."""
        query = (
            select(WebhookInboxRow)
            .where(WebhookInboxRow.channel == channel, WebhookInboxRow.user_key == user_key,
                   *_pending())
            .order_by(WebhookInboxRow.id)
            .limit(1)
        )
        if self._tx.dialect == "postgresql":
            query = query.with_for_update()
        row = await self._tx.session.scalar(query)
        if row is None or (row.claimed_until is not None and row.claimed_until > now):
            return None
        row.claimed_until = now + lease
        row.attempts += 1
        await self._tx.session.flush()
        return InboxEvent(row.id, row.channel, row.event_key, row.user_key, row.body, row.attempts)

    async def finish(self, event_id: int, now: dt.datetime, *, error: str | None = None,
                     give_up: bool = False) -> None:
        """Handled (no error); or failed this time (``error``), for good with ``give_up``."""
        values: dict[str, Any] = {"claimed_until": None, "last_error": error}
        if error is None:
            values["handled_at"] = now
        elif give_up:
            values["failed_at"] = now
        await self._tx.session.execute(
            update(WebhookInboxRow).where(WebhookInboxRow.id == event_id).values(**values)
            .execution_options(synchronize_session=False))

    async def pending_users(self, *, limit: int = 10_000) -> list[tuple[str, str]]:
        """(channel, user) of every user with an event still to handle."""
        query = (
            select(WebhookInboxRow.channel, WebhookInboxRow.user_key)
            .where(*_pending())
            .group_by(WebhookInboxRow.channel, WebhookInboxRow.user_key)
            .order_by(func.min(WebhookInboxRow.id))
            .limit(limit)
        )
        return [(row[0], row[1]) for row in (await self._tx.session.execute(query)).all()]

    async def summary(self, channel: str) -> InboxSummary:
        """What the channel-health report shows about a channel's inbox."""
        last = await self._tx.session.scalar(
            select(func.max(WebhookInboxRow.received_at)).where(WebhookInboxRow.channel == channel))
        pending = await self._tx.session.scalar(
            select(func.count()).select_from(WebhookInboxRow)
            .where(WebhookInboxRow.channel == channel, *_pending()))
        failed = await self._tx.session.scalar(
            select(func.count()).select_from(WebhookInboxRow)
            .where(WebhookInboxRow.channel == channel, WebhookInboxRow.failed_at.is_not(None)))
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=dt.UTC)
        return InboxSummary(channel, last, int(pending or 0), int(failed or 0))

    async def depth(self) -> int:
        """Events of every channel still to handle (the ``/metrics`` inbox depth)."""
        count = await self._tx.session.scalar(
            select(func.count()).select_from(WebhookInboxRow).where(*_pending()))
        return int(count or 0)
