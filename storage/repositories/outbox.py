"""The outbox (``uow.outbox``): messages pushed outside a reply (notices, reminders,
documents), queued in the transaction that decides them and delivered by
:mod:`bot.outbox`; and what it tells the round status, channel health and metrics."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, or_, select, update

from dialogs.messages import Outbound, from_payload, to_payload
from dialogs.ports import OutboxItem
from storage.hot_path import rowcount
from storage.models import OutboxRow
from storage.records import Deliveries
from storage.transaction import Repository

__all__ = ["OutboxRepository"]

BATCH = 1000  # rows per multi-row INSERT (enqueue_many)
_KEY = re.compile(r"^(?:open|rem):a(\d+):")
FEW = 500  # up to this many assignments, the outbox is filtered by SQL


class OutboxRepository(Repository):
    __slots__ = ()

    async def enqueue(
        self,
        channel: str,
        user_id: str,
        messages: list[Outbound],
        *,
        now: dt.datetime,
        dedupe_key: str | None = None,
        not_before: dt.datetime | None = None,
    ) -> bool:
        """Queue messages for an identity; False when ``dedupe_key`` was queued before."""
        stmt = (
            self._tx.insert(OutboxRow)
            .values(
                channel=channel, user_id=user_id, payload=to_payload(messages),
                dedupe_key=dedupe_key, created_at=now, not_before=not_before or now,
                attempts=0,
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
        return rowcount(await self._tx.session.execute(stmt)) == 1

    async def claim(
        self, now: dt.datetime, *, limit: int = 100, lease: dt.timedelta = dt.timedelta(minutes=2),
        channels: Iterable[str] | None = None,
    ) -> list[OutboxItem]:
        """Lease up to ``limit`` due messages to this process (other processes skip
        them until the lease ends). Commit to make the lease visible."""
        query = (
            select(OutboxRow)
            .where(
                OutboxRow.delivered_at.is_(None), OutboxRow.failed_at.is_(None),
                OutboxRow.not_before <= now,
                or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
            )
            .order_by(OutboxRow.not_before, OutboxRow.id)
            .limit(limit)
        )
        if channels is not None:
            query = query.where(OutboxRow.channel.in_(list(channels)))
        session = self._tx.session
        if self._tx.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        else:  # SQLite: take the write lock before reading, or two dispatchers claim one row
            await session.execute(
                update(OutboxRow).where(OutboxRow.id == -1).values(attempts=OutboxRow.attempts)
                .execution_options(synchronize_session=False)
            )
        rows = list(await session.scalars(query))
        items = []
        for row in rows:
            row.claimed_until = now + lease
            row.attempts += 1
            items.append(OutboxItem(row.id, row.channel, row.user_id, from_payload(row.payload),
                                    row.attempts, row.dedupe_key))
        await session.flush()
        return items

    async def finish(
        self, item_id: int, now: dt.datetime, *, error: str | None = None,
        retry_at: dt.datetime | None = None,
    ) -> None:
        """Mark delivered (no error), retry later (``retry_at``) or failed for good."""
        values: dict[str, Any] = {"claimed_until": None, "last_error": error}
        if error is None:
            values["delivered_at"] = now
        elif retry_at is not None:
            values["not_before"] = retry_at
        else:
            values["failed_at"] = now
        await self._tx.session.execute(
            update(OutboxRow).where(OutboxRow.id == item_id).values(**values)
        )

    async def take(
        self, channel: str, user_id: str, now: dt.datetime, *, limit: int = 20
    ) -> list[OutboxItem]:
        """Hand a pull channel (the web chat) its due messages, marking them delivered."""
        query = (
            select(OutboxRow)
            .where(
                OutboxRow.channel == channel, OutboxRow.user_id == user_id,
                OutboxRow.delivered_at.is_(None), OutboxRow.failed_at.is_(None),
                OutboxRow.not_before <= now,
            )
            .order_by(OutboxRow.not_before, OutboxRow.id)
            .limit(limit)
        )
        session = self._tx.session
        if self._tx.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        items = []
        for row in await session.scalars(query):
            row.delivered_at = now
            row.attempts += 1
            items.append(OutboxItem(row.id, row.channel, row.user_id, from_payload(row.payload),
                                    row.attempts, row.dedupe_key))
        await session.flush()
        return items

    async def status(self, dedupe_key: str) -> str | None:
        """"queued" | "delivered" | "failed" | None (never queued)."""
        row = await self._tx.session.scalar(
            select(OutboxRow).where(OutboxRow.dedupe_key == dedupe_key))
        if row is None:
            return None
        if row.delivered_at is not None:
            return "delivered"
        return "failed" if row.failed_at is not None else "queued"

    async def enqueue_many(
        self, items: Sequence[tuple[str, str, list[Outbound], str]], *, now: dt.datetime
    ) -> set[str]:
        """Queue ``(channel, user_id, messages, dedupe_key)`` items, due now, in batches of
        multi-row INSERTs (duplicates skipped by their dedupe keys, as :meth:`enqueue`
        does): a round for 4,080 agencies tells 12,000 officers. Returns the dedupe
        keys that were new (the others had been queued before)."""
        queued: set[str] = set()
        for start in range(0, len(items), BATCH):
            batch = items[start:start + BATCH]
            stmt = (
                self._tx.insert(OutboxRow)
                .values([{"channel": channel, "user_id": user_id, "payload": to_payload(messages),
                          "dedupe_key": key, "created_at": now, "not_before": now, "attempts": 0}
                         for channel, user_id, messages, key in batch])
                .on_conflict_do_nothing(index_elements=["dedupe_key"])
                .returning(OutboxRow.dedupe_key)
            )
            queued.update((await self._tx.session.execute(stmt)).scalars().all())
        return queued

    # --- what the outbox tells (round status, channel health, metrics) ------------

    async def last_error(self, prefixes: Iterable[str]) -> str | None:
        """The reason the latest failed delivery under these dedupe-key prefixes gave."""
        patterns = [OutboxRow.dedupe_key.like(p.replace("%", r"\%") + "%") for p in prefixes]
        if not patterns:
            return None
        return await self._tx.session.scalar(
            select(OutboxRow.last_error)
            .where(or_(*patterns), OutboxRow.failed_at.is_not(None))
            .order_by(OutboxRow.failed_at.desc(), OutboxRow.id.desc())
            .limit(1))

    async def deliveries_by_assignment(
        self, assignment_ids: Iterable[int]
    ) -> dict[int, Deliveries]:
        """assignment id -> outcome counts of its notices and reminders (queued,
        delivered, failed): what :func:`storage.reminders.deliveries` gives for the
        prefixes ``open:aN:`` and ``rem:aN:``, for every assignment in one query (the
        notice and reminders of assignment N are queued under those dedupe keys;
        asking once per assignment cost a scan each: 4,080 for a national round)."""
        wanted = set(assignment_ids)
        counts: dict[int, list[int]] = {}
        if not wanted:
            return {}
        query = (
            select(OutboxRow.dedupe_key, OutboxRow.delivered_at.is_not(None),
                   OutboxRow.failed_at.is_not(None))
            .where(or_(OutboxRow.dedupe_key.like("open:a%"),
                       OutboxRow.dedupe_key.like("rem:a%"))))
        if len(wanted) <= FEW and self._tx.dialect == "postgresql":
            # a page of the dashboard: PostgreSQL keeps only those assignments' rows
            # ("open:aN:…" → "aN"; split_part is ~8x cheaper than a regular expression)
            query = query.where(func.split_part(OutboxRow.dedupe_key, ":", 2)
                                .in_([f"a{a}" for a in wanted]))
        rows = await self._tx.session.execute(query)
        for key, delivered, failed in rows.all():
            match = _KEY.match(key or "")
            if match is None or (assignment := int(match.group(1))) not in wanted:
                continue
            slot = counts.setdefault(assignment, [0, 0, 0])
            slot[1 if delivered else 2 if failed else 0] += 1
        return {a: Deliveries(*c) for a, c in counts.items()}

    async def depth_and_oldest(self, now: dt.datetime) -> tuple[int, dt.datetime | None]:
        """How many messages wait to go out (neither delivered nor given up), and when
        the oldest of those already due became due (None: nothing is due)."""
        session = self._tx.session
        waiting = (OutboxRow.delivered_at.is_(None), OutboxRow.failed_at.is_(None))
        depth = await session.scalar(select(func.count()).select_from(OutboxRow).where(*waiting))
        oldest = await session.scalar(
            select(func.min(OutboxRow.not_before)).where(*waiting, OutboxRow.not_before <= now))
        return int(depth or 0), oldest

    async def sent_since(self, channel: str, since: dt.datetime) -> int:
        """Queued messages (reminders, notices) delivered on ``channel`` since ``since``."""
        count = await self._tx.session.scalar(
            select(func.count()).select_from(OutboxRow)
            .where(OutboxRow.channel == channel, OutboxRow.delivered_at >= since))
        return int(count or 0)

    async def last_send_error(self, channel: str) -> tuple[dt.datetime | None, str | None]:
        """When and why the channel's latest failed attempt failed (retried or given up)."""
        row = (await self._tx.session.execute(
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
