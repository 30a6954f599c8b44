"""Delivering: sending the reminders that are due (at most once, see :mod:`bot.reminders`),
queueing the "new round" notice, and manual nudges."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from bot.notify import Reach
from bot.notify_many import notify_agencies
from bot.reminders.deps import ReminderDeps, ReminderError
from bot.reminders.planning import MAX_LATENESS, PlanResult, plan_open_rounds, pre_deadline
from bot.reminders.wording import answered_count, reminder_message, round_opened_text
from dialogs import texts
from dialogs.commands import Command, cmd
from dialogs.domain import Agency, AssignmentStatus, Round
from dialogs.messages import Button, Outbound
from dialogs.pinned import round_template
from storage import reminders as store
from storage.uow import SqlUnitOfWork

log = logging.getLogger("bot.reminders")


@dataclass(slots=True)
class SendResult:
    sent: int = 0
    skipped: int = 0
    cancelled: int = 0
    unreachable: list[int] = field(default_factory=list)  # assignment ids
    planned: PlanResult = field(default_factory=PlanResult)


@dataclass(slots=True)
class _Context:
    """Rows loaded once per transaction."""

    uow: SqlUnitOfWork
    rounds: dict[int, Round | None] = field(default_factory=dict)
    agencies: dict[int, Agency | None] = field(default_factory=dict)
    #: (reminder, assignment, agency, message) to send, queued together at the end
    pending: list[tuple[int, int, Agency, Outbound]] = field(default_factory=list)

    async def round(self, round_id: int) -> Round | None:
        if round_id not in self.rounds:
            self.rounds[round_id] = await self.uow.rounds.get(round_id)
        return self.rounds[round_id]

    async def agency(self, agency_id: int) -> Agency | None:
        if agency_id not in self.agencies:
            self.agencies[agency_id] = await self.uow.agencies.get(agency_id)
        return self.agencies[agency_id]


async def send_due_reminders(deps: ReminderDeps, now: dt.datetime | None = None) -> SendResult:
    """Plan open rounds, then send every reminder due by ``now`` (at most once)."""
    now = now or deps.clock.now()
    result = SendResult(planned=await plan_open_rounds(deps, now))
    if not deps.calendar.sending_allowed(now):
        return result
    while True:
        async with deps.uow_factory() as uow:
            ids = await store.claim_due_assignments(uow, now, limit=deps.batch)
            if not ids:
                return result
            due = await store.due_reminders(uow, ids, now)
            if not due:
                return result
            answered = await store.answered_questions(uow, ids)
            context = _Context(uow)
            by_assignment: dict[int, list[store.ReminderRecord]] = {}
            for record in due:
                by_assignment.setdefault(record.assignment_id, []).append(record)
            for assignment_id, records in by_assignment.items():
                await _settle(deps, context, assignment_id, records,
                              answered.get(assignment_id, set()), now, result)
            await _send_pending(deps, context, now, result)
            await uow.commit()


async def _settle(
    deps: ReminderDeps,
    context: _Context,
    assignment_id: int,
    records: list[store.ReminderRecord],
    answered: set[str],
    now: dt.datetime,
    result: SendResult,
) -> None:
    """Send the most recent due reminder of one assignment; settle the others."""
    uow = context.uow
    *older, latest = records
    for record in older:
        if await store.transition(uow, record.id, store.SKIPPED,
                                  reason=f"superseded by {latest.kind}"):
            result.skipped += 1
            log.info("reminder %s (%s, due %s) of assignment %s skipped: superseded by %s",
                     record.id, record.kind, record.due_at.isoformat(), assignment_id, latest.kind)

    async def finish(status: str, reason: str) -> None:
        if await store.transition(uow, latest.id, status, reason=reason):
            if status == store.CANCELLED:
                result.cancelled += 1
            else:
                result.skipped += 1

    assignment = await uow.assignments.get(assignment_id)
    round_ = await context.round(assignment.round_id) if assignment else None
    if assignment is None or round_ is None or round_.status != "open":
        await finish(store.CANCELLED, "round closed")
        return
    if assignment.status == AssignmentStatus.SUBMITTED:
        await finish(store.CANCELLED, "submitted")
        return
    today = deps.calendar.local_date(now)
    if latest.kind != "nudge" and (
        now - latest.due_at > MAX_LATENESS
        or (pre_deadline(latest.kind) and today > round_.deadline)
    ):
        log.warning("reminder %s (%s, due %s) of assignment %s missed while the bot was down "
                    "and no longer useful: skipped", latest.id, latest.kind,
                    latest.due_at.isoformat(), assignment_id)
        await finish(store.SKIPPED, "missed: no longer useful")
        return
    template = await round_template(deps.templates, round_, uow)
    agency = await context.agency(assignment.agency_id)
    if template is None or agency is None:
        log.error("reminder %s: template %s or agency %s missing", latest.id,
                  round_.template_id, assignment.agency_id)
        await finish(store.SKIPPED, "template or agency missing")
        return
    done, total = answered_count(template, answered)
    message = reminder_message(
        kind=latest.kind, template=template, round_=round_, agency=agency,
        assignment_id=assignment_id, answered=done, total=total, today=today,
        collector=deps.collector,
    )
    context.pending.append((latest.id, assignment_id, agency, message))


async def _send_pending(
    deps: ReminderDeps, context: _Context, now: dt.datetime, result: SendResult
) -> None:
    """Mark the batch's reminders sent and queue them (a few statements for the whole
    batch, ``bot/notify_many.py``); a reminder another process settled first is left."""
    uow, pending = context.uow, context.pending
    context.pending = []
    sent = await store.transition_many(uow, [p[0] for p in pending], store.SENT, now=now)
    pending = [p for p in pending if p[0] in sent]
    reaches = await notify_agencies(
        uow, [(agency.id, [message], f"rem:a{assignment_id}:{reminder_id}")
              for reminder_id, assignment_id, agency, message in pending],
        channels=deps.channels, now=now)
    unreachable = []
    for (reminder_id, assignment_id, agency, _), reach in zip(pending, reaches, strict=True):
        if reach.reachable:
            result.sent += 1
            continue
        unreachable.append(reminder_id)
        result.unreachable.append(assignment_id)
        log.warning("reminder %s: nobody of %s can be reached", reminder_id,
                    agency.abbreviation)
    result.skipped += len(await store.transition_many(
        uow, unreachable, store.SKIPPED, expect=store.SENT, reason="unreachable"))


async def announce_round(
    uow: SqlUnitOfWork, deps: ReminderDeps, round_id: int, *, now: dt.datetime
) -> dict[int, Reach]:
    """Queue the "new round" notice for every officer of every assigned agency
    (in the caller's transaction). Returns each agency's reach."""
    round_ = await uow.rounds.get(round_id)
    if round_ is None:
        raise ReminderError(f"Không có đợt báo cáo số {round_id}.")
    template = await round_template(deps.templates, round_, uow)
    if template is None:
        raise ReminderError(f"Không có mẫu {round_.template_id!r}.")
    text = round_opened_text(template, round_)
    assignments = [a for a in await uow.assignments.list(round_id)
                   if a.status != AssignmentStatus.SUBMITTED]
    notices = [
        (a.agency_id,
         [Outbound(text, [[Button(texts.START_BUTTON, cmd(Command.CONTINUE, str(a.id)))]])],
         f"open:a{a.id}:")  # keys "open:a<assignment>::o<officer>", as notify_agency names them
        for a in assignments
    ]
    reaches = await notify_agencies(uow, notices, channels=deps.channels, now=now)
    return {agency_id: reach for (agency_id, _, _), reach in zip(notices, reaches, strict=True)}


@dataclass(slots=True)
class NudgeResult:
    agencies: list[int] = field(default_factory=list)
    due_at: dt.datetime | None = None  # when they go out (now, or the next send time)
    sent: SendResult | None = None


async def nudge(
    deps: ReminderDeps,
    round_id: int,
    *,
    agency_id: int | None = None,
    now: dt.datetime | None = None,
) -> NudgeResult:
    """A manual reminder to one agency, or to every overdue one. Outside working
    hours it waits for the next send time."""
    now = now or deps.clock.now()
    today = deps.calendar.local_date(now)
    result = NudgeResult(due_at=deps.calendar.next_window(now))
    async with deps.uow_factory() as uow:
        round_ = await uow.rounds.get(round_id)
        if round_ is None:
            raise ReminderError(f"Không có đợt báo cáo số {round_id}.")
        if round_.status != "open":
            raise ReminderError(f"Đợt báo cáo số {round_id} đã đóng.")
        assignments = await uow.assignments.list(round_id)
        if agency_id is not None:
            targets = [a for a in assignments if a.agency_id == agency_id]
            if not targets:
                raise ReminderError("Cơ quan này không thuộc đợt báo cáo.")
            if targets[0].status == AssignmentStatus.SUBMITTED:
                raise ReminderError("Cơ quan này đã nộp báo cáo.")
        else:
            targets = [a for a in assignments
                       if a.status != AssignmentStatus.SUBMITTED and today > round_.deadline]
        for assignment in targets:
            await store.plan(uow, assignment.id, "nudge", result.due_at, now)
            result.agencies.append(assignment.agency_id)
        await uow.commit()
    if targets and result.due_at <= now:
        result.sent = await send_due_reminders(deps, now)
    return result
