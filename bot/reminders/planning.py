"""Planning: which reminders are due, kept in the ``reminders`` table in line with the
round, its deadline and policy, and the submissions (under a unique key, so planning
twice plans once)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.reminders.deps import ReminderDeps
from bot.reminders.policy import schedule, stored_policy
from bot.reminders.workdays import Calendar
from dialogs.domain import AssignmentStatus
from storage import reminders as store
from storage.uow import SqlUnitOfWork

#: Overdue reminders are planned this many days ahead (the rest as time goes on).
HORIZON_DAYS = 3
#: A reminder later than this is not sent any more.
MAX_LATENESS = dt.timedelta(days=3)


@dataclass(slots=True)
class PlanResult:
    created: int = 0
    cancelled: int = 0
    reactivated: int = 0


def pre_deadline(kind: str) -> bool:
    return kind.startswith("before_") or kind == "due_day"


async def plan_round(
    uow: SqlUnitOfWork, round_id: int, *, calendar: Calendar, now: dt.datetime
) -> PlanResult:
    """Bring the round's planned reminders in line with the database state.

    In the caller's transaction (the round row stays locked until it ends).
    """
    result = PlanResult()
    locked = await store.lock_round(uow, round_id)
    if locked is None:
        return result
    round_ = locked.round
    policy, planned_from = stored_policy(locked.policy)
    floor = max(planned_from or locked.created_at, now - MAX_LATENESS)
    active = round_.status == "open"
    existing = await store.list_reminders(
        uow, round_id=round_id, statuses=(store.PLANNED, store.CANCELLED), since=now
    )
    today = calendar.local_date(now)
    furthest = max([calendar.local_date(r.due_at) for r in existing], default=today)
    until = max(today + dt.timedelta(days=HORIZON_DAYS), furthest)
    slots = schedule(round_.deadline, policy, calendar, overdue_until=until) if active else []
    wanted = {(s.kind, s.due_at) for s in slots}
    by_assignment: dict[int, list[store.ReminderRecord]] = {}
    for record in existing:
        by_assignment.setdefault(record.assignment_id, []).append(record)
    to_plan: list[tuple[int, str, dt.datetime]] = []
    for assignment in await uow.assignments.list(round_id):
        rows = by_assignment.get(assignment.id, [])
        if not active or assignment.status == AssignmentStatus.SUBMITTED:
            reason = "submitted" if active else "round closed"
            for row in rows:
                if row.status == store.PLANNED and await store.transition(
                    uow, row.id, store.CANCELLED, reason=reason
                ):
                    result.cancelled += 1
            continue
        have = {(r.kind, r.due_at) for r in rows}
        for row in rows:
            key = (row.kind, row.due_at)
            if row.kind == "nudge":
                continue
            if row.status == store.PLANNED and key not in wanted:
                if await store.transition(uow, row.id, store.CANCELLED,
                                          reason="schedule changed"):
                    result.cancelled += 1
            elif (
                row.status == store.CANCELLED and key in wanted and row.due_at >= floor
                and await store.transition(uow, row.id, store.PLANNED, expect=store.CANCELLED)
            ):
                result.reactivated += 1
        to_plan.extend(
            (assignment.id, s.kind, s.due_at)
            for s in slots
            if s.due_at >= floor and (s.kind, s.due_at) not in have
        )
    result.created = await store.plan_many(uow, to_plan, now)
    return result


async def plan_open_rounds(deps: ReminderDeps, now: dt.datetime | None = None) -> PlanResult:
    """Re-plan every open round, one transaction each."""
    now = now or deps.clock.now()
    total = PlanResult()
    async with deps.uow_factory() as uow:
        round_ids = [r.id for r in await uow.rounds.list(status="open")]
    for round_id in round_ids:
        async with deps.uow_factory() as uow:
            result = await plan_round(uow, round_id, calendar=deps.calendar, now=now)
            await uow.commit()
        total.created += result.created
        total.cancelled += result.cancelled
        total.reactivated += result.reactivated
    return total
