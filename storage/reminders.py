"""Reminder storage: recorded reminders, round policies, delivery outcomes.

Plain async functions taking a :class:`storage.uow.SqlUnitOfWork` (they use its
session, inside the caller's transaction); the caller commits. Every reminder
row is keyed by (assignment, kind, due time): planning twice, or in two
processes, inserts it once; sending changes its status with a conditional
UPDATE, so only one process can move it from ``planned`` to ``sent``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult

from dialogs.domain import Round
from storage.models import (
    AnswerRow,
    AssignmentRow,
    IdentityRow,
    OfficerRow,
    OutboxRow,
    ReminderRow,
    RoundRow,
)
from storage.records import Deliveries
from storage.uow import SqlUnitOfWork

PLANNED, SENT, SKIPPED, CANCELLED = "planned", "sent", "skipped", "cancelled"
STATUSES = frozenset({PLANNED, SENT, SKIPPED, CANCELLED})


@dataclass(frozen=True, slots=True)
class ReminderRecord:
    id: int
    assignment_id: int
    kind: str
    due_at: dt.datetime
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    reason: str | None

    @property
    def key(self) -> tuple[int, str, dt.datetime]:
        return (self.assignment_id, self.kind, self.due_at)


def _record(row: ReminderRow) -> ReminderRecord:
    return ReminderRecord(row.id, row.assignment_id, row.kind, row.due_at, row.status,
                          row.created_at, row.sent_at, row.reason)


def _postgres(uow: SqlUnitOfWork) -> bool:
    return uow.session.bind.dialect.name == "postgresql"


async def _sqlite_write_lock(uow: SqlUnitOfWork) -> None:
    """SQLite has no row locks: a write that changes nothing takes the database's
    write lock now, so this transaction reads what the previous writer committed."""
    await uow.session.execute(
        update(ReminderRow).where(ReminderRow.id == -1).values(status=ReminderRow.status)
        .execution_options(synchronize_session=False)
    )


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return result.rowcount


# --- policy ----------------------------------------------------------------------


async def get_policy(uow: SqlUnitOfWork, round_id: int) -> dict[str, Any] | None:
    """The round's stored policy (JSON), None for the default."""
    value = await uow.session.scalar(
        select(RoundRow.reminder_policy).where(RoundRow.id == round_id)
    )
    return None if value is None else dict(value)


async def set_policy(uow: SqlUnitOfWork, round_id: int, policy: dict[str, Any] | None) -> None:
    await uow.session.execute(
        update(RoundRow).where(RoundRow.id == round_id).values(reminder_policy=policy)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True, slots=True)
class LockedRound:
    round: Round
    created_at: dt.datetime
    policy: dict[str, Any] | None


async def lock_round(uow: SqlUnitOfWork, round_id: int) -> LockedRound | None:
    """Read a round holding its row lock (PostgreSQL; SQLite's write lock) until the
    transaction ends, so planners and deadline changes of one round take turns."""
    query = select(RoundRow.created_at, RoundRow.reminder_policy).where(RoundRow.id == round_id)
    if _postgres(uow):
        query = query.with_for_update()
    else:
        await _sqlite_write_lock(uow)
    row = (await uow.session.execute(query)).one_or_none()
    round_ = await uow.rounds.get(round_id)
    if row is None or round_ is None:
        return None
    return LockedRound(round_, row[0], None if row[1] is None else dict(row[1]))


# --- reminders ---------------------------------------------------------------------


async def list_reminders(
    uow: SqlUnitOfWork,
    *,
    round_id: int | None = None,
    assignment_ids: Iterable[int] | None = None,
    statuses: Iterable[str] | None = None,
    since: dt.datetime | None = None,
) -> list[ReminderRecord]:
    """Reminders ordered by due time; ``since`` keeps those due from then on plus
    every still-planned one."""
    # plain rows, not ORM objects: a national round has tens of thousands of reminders
    query = select(ReminderRow.id, ReminderRow.assignment_id, ReminderRow.kind,
                   ReminderRow.due_at, ReminderRow.status, ReminderRow.created_at,
                   ReminderRow.sent_at, ReminderRow.reason,
                   ).order_by(ReminderRow.due_at, ReminderRow.id)
    if round_id is not None:
        query = query.join(AssignmentRow, ReminderRow.assignment_id == AssignmentRow.id).where(
            AssignmentRow.round_id == round_id
        )
    if assignment_ids is not None:
        query = query.where(ReminderRow.assignment_id.in_(list(assignment_ids)))
    if statuses is not None:
        query = query.where(ReminderRow.status.in_(list(statuses)))
    if since is not None:
        query = query.where(or_(ReminderRow.due_at >= since, ReminderRow.status == PLANNED))
    return [ReminderRecord(*row) for row in (await uow.session.execute(query)).all()]


async def plan(
    uow: SqlUnitOfWork, assignment_id: int, kind: str, due_at: dt.datetime, now: dt.datetime
) -> bool:
    """Record a planned reminder; False when the same key exists already."""
    module = postgresql if _postgres(uow) else sqlite
    stmt = (
        module.insert(ReminderRow)
        .values(assignment_id=assignment_id, kind=kind, due_at=due_at, status=PLANNED,
                created_at=now)
        .on_conflict_do_nothing(index_elements=["assignment_id", "kind", "due_at"])
    )
    return _rowcount(await uow.session.execute(stmt)) == 1


async def plan_many(
    uow: SqlUnitOfWork, keys: Iterable[tuple[int, str, dt.datetime]], now: dt.datetime
) -> int:
    """Record many planned reminders at once (existing keys are left alone)."""
    values = [
        {"assignment_id": a, "kind": k, "due_at": d, "status": PLANNED, "created_at": now}
        for a, k, d in keys
    ]
    if not values:
        return 0
    module = postgresql if _postgres(uow) else sqlite
    created = 0
    for start in range(0, len(values), 500):
        stmt = module.insert(ReminderRow).values(values[start:start + 500]).on_conflict_do_nothing(
            index_elements=["assignment_id", "kind", "due_at"]
        )
        created += _rowcount(await uow.session.execute(stmt))
    return created


async def transition(
    uow: SqlUnitOfWork,
    reminder_id: int,
    status: str,
    *,
    expect: str = PLANNED,
    now: dt.datetime | None = None,
    reason: str | None = None,
) -> bool:
    """Move a reminder from ``expect`` to ``status``; False when another process
    (or an earlier run) moved it first."""
    if status not in STATUSES:
        raise ValueError(f"unknown reminder status {status!r}")
    values: dict[str, Any] = {"status": status, "reason": reason}
    if status == SENT:
        values["sent_at"] = now
    result = await uow.session.execute(
        update(ReminderRow)
        .where(ReminderRow.id == reminder_id, ReminderRow.status == expect)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def transition_many(
    uow: SqlUnitOfWork,
    reminder_ids: Iterable[int],
    status: str,
    *,
    expect: str = PLANNED,
    now: dt.datetime | None = None,
    reason: str | None = None,
) -> set[int]:
    """:func:`transition` for many reminders in a few statements (500 ids each):
    the ids this call moved (the others had been moved by another process)."""
    if status not in STATUSES:
        raise ValueError(f"unknown reminder status {status!r}")
    values: dict[str, Any] = {"status": status, "reason": reason}
    if status == SENT:
        values["sent_at"] = now
    ids = list(reminder_ids)
    moved: set[int] = set()
    for start in range(0, len(ids), 500):
        result = await uow.session.execute(
            update(ReminderRow)
            .where(ReminderRow.id.in_(ids[start:start + 500]), ReminderRow.status == expect)
            .values(**values)
            .returning(ReminderRow.id)
            .execution_options(synchronize_session=False)
        )
        moved.update(result.scalars().all())
    return moved


async def claim_due_assignments(
    uow: SqlUnitOfWork, now: dt.datetime, *, limit: int
) -> list[int]:
    """Lock up to ``limit`` assignments that have planned reminders due by ``now``.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` — two processes never get the same
    assignment in the same moment; the lock lasts until commit.
    """
    due = exists().where(
        ReminderRow.assignment_id == AssignmentRow.id,
        ReminderRow.status == PLANNED,
        ReminderRow.due_at <= now,
    )
    query = select(AssignmentRow.id).where(due).order_by(AssignmentRow.id).limit(limit)
    if _postgres(uow):
        query = query.with_for_update(skip_locked=True)
    else:
        await _sqlite_write_lock(uow)
    return list((await uow.session.scalars(query)).all())


async def due_reminders(
    uow: SqlUnitOfWork, assignment_ids: Iterable[int], now: dt.datetime
) -> list[ReminderRecord]:
    """The planned reminders of these assignments due by ``now``, oldest first."""
    query = (
        select(ReminderRow)
        .where(ReminderRow.assignment_id.in_(list(assignment_ids)),
               ReminderRow.status == PLANNED, ReminderRow.due_at <= now)
        .order_by(ReminderRow.assignment_id, ReminderRow.due_at, ReminderRow.id)
    )
    return [_record(r) for r in (await uow.session.scalars(query)).all()]


async def rounds_with_assignments(
    uow: SqlUnitOfWork, assignment_ids: Iterable[int]
) -> dict[int, int]:
    """assignment id -> round id."""
    rows = await uow.session.execute(
        select(AssignmentRow.id, AssignmentRow.round_id).where(
            AssignmentRow.id.in_(list(assignment_ids))
        )
    )
    return {a: r for a, r in rows.all()}


# --- progress and reach ----------------------------------------------------------------


async def answered_questions(
    uow: SqlUnitOfWork, assignment_ids: Iterable[int]
) -> dict[int, set[str]]:
    """assignment id -> ids of the questions that have a stored answer."""
    ids = list(assignment_ids)
    out: dict[int, set[str]] = {i: set() for i in ids}
    if not ids:
        return out
    rows = await uow.session.execute(
        select(AnswerRow.assignment_id, AnswerRow.question_id).where(
            AnswerRow.assignment_id.in_(ids)
        )
    )
    for assignment_id, question_id in rows.all():
        out[assignment_id].add(question_id)
    return out


async def bound_agencies(uow: SqlUnitOfWork) -> set[int]:
    """Agencies with at least one chat identity bound to one of their officers."""
    rows = await uow.session.scalars(
        select(OfficerRow.agency_id)
        .join(IdentityRow, IdentityRow.officer_id == OfficerRow.id)
        .distinct()
    )
    return set(rows.all())


async def deliveries(uow: SqlUnitOfWork, prefixes: Iterable[str]) -> Deliveries:
    """Outcome counts of the outbox rows whose dedupe key starts with a prefix."""
    patterns = [OutboxRow.dedupe_key.like(p.replace("%", r"\%") + "%") for p in prefixes]
    if not patterns:
        return Deliveries()
    row = (
        await uow.session.execute(
            select(
                func.count().filter(
                    and_(OutboxRow.delivered_at.is_(None), OutboxRow.failed_at.is_(None))
                ),
                func.count().filter(OutboxRow.delivered_at.is_not(None)),
                func.count().filter(OutboxRow.failed_at.is_not(None)),
            ).where(or_(*patterns))
        )
    ).one()
    return Deliveries(int(row[0]), int(row[1]), int(row[2]))


__all__ = [
    "CANCELLED",
    "PLANNED",
    "SENT",
    "SKIPPED",
    "Deliveries",
    "LockedRound",
    "ReminderRecord",
    "answered_questions",
    "bound_agencies",
    "claim_due_assignments",
    "deliveries",
    "due_reminders",
    "get_policy",
    "list_reminders",
    "lock_round",
    "plan",
    "plan_many",
    "rounds_with_assignments",
    "set_policy",
    "transition",
    "transition_many",
]
