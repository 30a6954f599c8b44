"""Queuing one notice to many officers at once: a round for 4,080 agencies tells 12,000
officers. One query reads every agency's identities and the outbox rows go in batches
of multi-row INSERTs (duplicates skipped by their dedupe keys, as ``uow.enqueue`` does),
instead of a query per agency and a statement per officer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select

from dialogs.messages import Outbound, to_payload
from storage.models import IdentityRow, OfficerRow, OutboxRow
from storage.records import Identity
from storage.uow import _identity

BATCH = 1000


async def identities_by_agency(
    uow: Any, agency_ids: Iterable[int]
) -> dict[int, list[Identity]]:
    """agency id -> the chat identities bound to its officers (every role)."""
    wanted = set(agency_ids)
    out: dict[int, list[Identity]] = {a: [] for a in wanted}
    if not wanted:
        return out
    rows = await uow.session.execute(
        select(IdentityRow, OfficerRow.agency_id)
        .join(OfficerRow, IdentityRow.officer_id == OfficerRow.id)
        .order_by(IdentityRow.id))
    for identity, agency_id in rows.all():
        if agency_id in wanted:
            out[agency_id].append(_identity(identity))
    return out


async def enqueue_many(
    uow: Any, items: Sequence[tuple[str, str, list[Outbound], str]], *, now: dt.datetime
) -> set[str]:
    """Queue ``(channel, user_id, messages, dedupe_key)`` items, due now; return the
    dedupe keys that were new (the others had been queued before)."""
    queued: set[str] = set()
    for start in range(0, len(items), BATCH):
        batch = items[start:start + BATCH]
        stmt = (
            uow._insert(OutboxRow)
            .values([{"channel": channel, "user_id": user_id, "payload": to_payload(messages),
                      "dedupe_key": key, "created_at": now, "not_before": now, "attempts": 0}
                     for channel, user_id, messages, key in batch])
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboxRow.dedupe_key)
        )
        queued.update((await uow.session.execute(stmt)).scalars().all())
    return queued
