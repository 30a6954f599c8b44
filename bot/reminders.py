"""Rounds' notices and deadline reminders: the use cases.

Plain async functions; what they need (a unit-of-work factory, a clock, the
channels, the templates, the working calendar) comes in a :class:`ReminderDeps`.

How "at most once" holds
    Reminders are *planned* into the ``reminders`` table from the database state
    (round, deadline, policy, submissions) under a unique key (assignment, kind,
    due time). Sending locks the assignment (PostgreSQL ``SKIP LOCKED``), moves the
    row ``planned → sent`` with a conditional UPDATE and queues the messages in the
    outbox — all in one transaction. A second process skips locked assignments and
    finds the rows already sent; a crash before the commit leaves nothing behind,
    so the next run sends the reminder once.

Missed reminders
    After downtime several reminders of an assignment may be due at once: the most
    recent is sent if still useful, the older ones are skipped (``superseded``). A
    reminder more than :data:`MAX_LATENESS` late, or a "before the deadline"
    reminder once the deadline has passed, is skipped with a log line.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.notify import Reach, best_identities, notify_agency
from dialogs import texts
from dialogs.commands import Command, cmd
from dialogs.cursor import Outline
from dialogs.domain import Agency, Assignment, AssignmentStatus, Round
from dialogs.messages import Button, Outbound
from dialogs.pinned import round_template
from dialogs.ports import Channel, Clock
from dialogs.schema import Template
from dialogs.titles import report_phrase, report_title
from dialogs.vn import format_date
from storage import reminders as store
from storage.records import Identity
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

#: Overdue reminders are planned this many days ahead (the rest as time goes on).
HORIZON_DAYS = 3
#: A reminder later than this is not sent any more.
MAX_LATENESS = dt.timedelta(days=3)
WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}


class ReminderError(ValueError):
    """An operator mistake, explained in Vietnamese."""


# --------------------------------------------------------------------------- calendar


def _parse_time(text: str, name: str) -> dt.time:
    try:
        hours, minutes = (int(part) for part in text.strip().split(":"))
        return dt.time(hours, minutes)
    except ValueError:
        raise ValueError(f"{name}: cần giờ dạng HH:MM, không phải {text!r}") from None


@dataclass(frozen=True, slots=True)
class Calendar:
    """Working days and hours in the province's time zone."""

    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    send_time: dt.time = dt.time(8, 30)
    until: dt.time = dt.time(17, 0)
    working_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO weekdays
    holidays: frozenset[dt.date] = frozenset()
    yearly_holidays: frozenset[tuple[int, int]] = frozenset()  # (month, day)

    @classmethod
    def parse(
        cls,
        *,
        timezone: str = "Asia/Ho_Chi_Minh",
        send_time: str = "08:30",
        until: str = "17:00",
        working_days: str = "mon,tue,wed,thu,fri",
        holidays: str = "",
    ) -> Calendar:
        """From setting strings; raises ValueError naming the bad value."""
        days = set()
        for word in working_days.replace(" ", "").lower().split(","):
            if word not in WEEKDAYS:
                raise ValueError(f"working_days: không hiểu {word!r} (mon, tue, …, sun)")
            days.add(WEEKDAYS[word])
        dated, yearly = set(), set()
        for item in holidays.replace(" ", "").split(","):
            if not item:
                continue
            try:
                if item.count("-") == 2:
                    dated.add(dt.date.fromisoformat(item))
                else:
                    month, day = (int(p) for p in item.split("-"))
                    dt.date(2024, month, day)  # validates (2024: 29/2 allowed)
                    yearly.add((month, day))
            except ValueError:
                raise ValueError(
                    f"holidays: {item!r} không phải ngày (YYYY-MM-DD hoặc MM-DD)"
                ) from None
        start, end = _parse_time(send_time, "reminder_time"), _parse_time(until, "reminder_until")
        if end <= start:
            raise ValueError("reminder_until phải sau reminder_time")
        return cls(ZoneInfo(timezone), start, end, frozenset(days), frozenset(dated),
                   frozenset(yearly))

    @classmethod
    def from_settings(cls, settings: Any) -> Calendar:
        return cls.parse(
            timezone=settings.timezone, send_time=settings.reminder_time,
            until=settings.reminder_until, working_days=settings.working_days,
            holidays=settings.holidays,
        )

    def is_working_day(self, day: dt.date) -> bool:
        return (
            day.isoweekday() in self.working_days
            and day not in self.holidays
            and (day.month, day.day) not in self.yearly_holidays
        )

    def previous_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a working day, else the closest one before it."""
        for _ in range(60):
            if self.is_working_day(day):
                return day
            day -= dt.timedelta(days=1)
        raise ValueError("no working day in 60 days: check working_days and holidays")

    def local_date(self, instant: dt.datetime) -> dt.date:
        return instant.astimezone(self.timezone).date()

    def at(self, day: dt.date, time: dt.time | None = None) -> dt.datetime:
        """``day`` at the send time (local), as UTC."""
        local = dt.datetime.combine(day, time or self.send_time, tzinfo=self.timezone)
        return local.astimezone(dt.UTC)

    def sending_allowed(self, instant: dt.datetime) -> bool:
        """A working day, between the send time and the end of working hours."""
        local = instant.astimezone(self.timezone)
        return (
            self.is_working_day(local.date())
            and self.send_time <= local.time().replace(tzinfo=None) < self.until
        )

    def next_window(self, instant: dt.datetime) -> dt.datetime:
        """``instant`` if sending is allowed then, else the next send time."""
        if self.sending_allowed(instant):
            return instant
        day = self.local_date(instant)
        for _ in range(60):
            if self.is_working_day(day) and self.at(day) > instant:
                return self.at(day)
            day += dt.timedelta(days=1)
        raise ValueError("no working day in 60 days: check working_days and holidays")


# --------------------------------------------------------------------------- policy


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """When a round's reminders go out (stored per round, JSON)."""

    days_before: tuple[int, ...] = (7, 3, 1)
    on_deadline: bool = True
    overdue: bool = True  # every working day while overdue
    enabled: bool = True

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["days_before"] = list(self.days_before)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ReminderPolicy:
        data = dict(data or {})
        return cls(
            days_before=tuple(int(d) for d in data.get("days_before", (7, 3, 1))),
            on_deadline=bool(data.get("on_deadline", True)),
            overdue=bool(data.get("overdue", True)),
            enabled=bool(data.get("enabled", True)),
        )

    @classmethod
    def parse_days(cls, text: str, **flags: bool) -> ReminderPolicy:
        """``"7,3,1"`` (days before the deadline; empty: none)."""
        try:
            days = tuple(sorted({int(p) for p in text.split(",") if p.strip()}, reverse=True))
        except ValueError:
            raise ReminderError(
                f"Số ngày nhắc trước hạn không hợp lệ: {text!r} (ví dụ 7,3,1)."
            ) from None
        if any(d <= 0 or d > 60 for d in days):
            raise ReminderError("Số ngày nhắc trước hạn phải từ 1 đến 60.")
        return cls(days_before=days, **flags)


def _stored(data: Mapping[str, Any] | None) -> tuple[ReminderPolicy, dt.datetime | None]:
    """The JSON column holds the policy plus ``planned_from``: reminders due before
    it (the round's opening, the last deadline or policy change) are never planned."""
    data = dict(data or {})
    since = data.pop("planned_from", None)
    return ReminderPolicy.from_json(data), (dt.datetime.fromisoformat(since) if since else None)


async def save_policy(
    uow: SqlUnitOfWork, round_id: int, policy: ReminderPolicy, *, now: dt.datetime
) -> None:
    """Store the round's policy; reminders are planned from ``now`` on."""
    await store.set_policy(uow, round_id, {**policy.to_json(), "planned_from": now.isoformat()})


async def load_policy(uow: SqlUnitOfWork, round_id: int) -> ReminderPolicy:
    return _stored(await store.get_policy(uow, round_id))[0]


# --------------------------------------------------------------------------- schedule


@dataclass(frozen=True, slots=True)
class Slot:
    kind: str  # "before_7", "due_day", "overdue"
    due_at: dt.datetime


def schedule(
    deadline: dt.date, policy: ReminderPolicy, calendar: Calendar, *, overdue_until: dt.date
) -> list[Slot]:
    """Every reminder of the policy, at the send time of working days.

    A reminder falling on a day off moves to the working day before it; when two
    land on the same day the one closer to the deadline stays. Overdue reminders
    run from the first working day after the deadline to ``overdue_until``.
    """
    if not policy.enabled:
        return []
    by_day: dict[dt.date, str] = {}
    for days in sorted(set(policy.days_before), reverse=True):
        if days > 0:
            by_day[calendar.previous_working_day(deadline - dt.timedelta(days=days))] = (
                f"before_{days}"
            )
    if policy.on_deadline:
        by_day[calendar.previous_working_day(deadline)] = "due_day"
    slots = [Slot(kind, calendar.at(day)) for day, kind in sorted(by_day.items())]
    if policy.overdue:
        day = deadline + dt.timedelta(days=1)
        while day <= overdue_until:
            if calendar.is_working_day(day):
                slots.append(Slot("overdue", calendar.at(day)))
            day += dt.timedelta(days=1)
    return slots


# --------------------------------------------------------------------------- deps and results


@dataclass(slots=True)
class ReminderDeps:
    uow_factory: Callable[[], SqlUnitOfWork]
    clock: Clock
    channels: Mapping[str, Channel]
    templates: Mapping[str, Template]
    calendar: Calendar = field(default_factory=Calendar)
    collector: str = "Sở Khoa học và Công nghệ"
    batch: int = 50  # assignments per transaction when sending


@dataclass(slots=True)
class PlanResult:
    created: int = 0
    cancelled: int = 0
    reactivated: int = 0


@dataclass(slots=True)
class SendResult:
    sent: int = 0
    skipped: int = 0
    cancelled: int = 0
    unreachable: list[int] = field(default_factory=list)  # assignment ids
    planned: PlanResult = field(default_factory=PlanResult)


# --------------------------------------------------------------------------- planning


def _pre_deadline(kind: str) -> bool:
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
    policy, planned_from = _stored(locked.policy)
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


# --------------------------------------------------------------------------- messages


def left_text(deadline: dt.date, today: dt.date) -> str:
    days = (deadline - today).days
    when = format_date(deadline)
    if days > 0:
        return texts.LEFT_DAYS.format(deadline=when, days=days)
    if days == 0:
        return texts.LEFT_TODAY.format(deadline=when)
    return texts.LEFT_OVERDUE.format(deadline=when, days=-days)


def answered_count(template: Template, answered: Iterable[str],
                   outline: Outline | None = None) -> tuple[int, int]:
    """(asked questions with a stored answer, asked questions); pass the template's
    ``outline`` when counting for many assignments (it is built once then)."""
    outline = outline or Outline.of(template)
    ids = set(answered)
    return sum(1 for qid in outline.numbers if qid in ids), outline.total


def reminder_message(
    *,
    kind: str,
    template: Template,
    round_: Round,
    agency: Agency,
    assignment_id: int,
    answered: int,
    total: int,
    today: dt.date,
    collector: str,
) -> Outbound:
    text = texts.NUDGE if kind == "nudge" else texts.REMINDER
    label = texts.BUTTONS["continue"] if answered else texts.START_BUTTON
    return Outbound(
        text.format(report=report_phrase(template.name, round_.period_label),
                    agency=agency.name,
                    answered=answered, total=total, left=left_text(round_.deadline, today),
                    collector=collector),
        [[Button(label, cmd(Command.CONTINUE, str(assignment_id)))]],
    )


# --------------------------------------------------------------------------- sending


@dataclass(slots=True)
class _Context:
    """Rows loaded once per transaction."""

    uow: SqlUnitOfWork
    rounds: dict[int, Round | None] = field(default_factory=dict)
    agencies: dict[int, Agency | None] = field(default_factory=dict)

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
        or (_pre_deadline(latest.kind) and today > round_.deadline)
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
    if not await store.transition(uow, latest.id, store.SENT, now=now):
        return  # another process settled it
    done, total = answered_count(template, answered)
    message = reminder_message(
        kind=latest.kind, template=template, round_=round_, agency=agency,
        assignment_id=assignment_id, answered=done, total=total, today=today,
        collector=deps.collector,
    )
    reach = await notify_agency(uow, agency.id, [message], channels=deps.channels, now=now,
                                dedupe_key=f"rem:a{assignment_id}:{latest.id}")
    if reach.reachable:
        result.sent += 1
        return
    await store.transition(uow, latest.id, store.SKIPPED, expect=store.SENT,
                           reason="unreachable")
    result.skipped += 1
    result.unreachable.append(assignment_id)
    log.warning("reminder %s: nobody of %s can be reached", latest.id, agency.abbreviation)


# --------------------------------------------------------------------------- round notices


def round_opened_text(template: Template, round_: Round) -> str:
    """The "new round" notice: the report's title composed without doubled words."""
    return texts.ROUND_OPENED.format(
        title=report_title(template.name, round_.period_label),
        start=format_date(round_.period_start), end=format_date(round_.period_end),
        deadline=format_date(round_.deadline), total=Outline.of(template).total,
    )


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
    # every agency's identities in one query, the notices in multi-row inserts
    # (storage/repositories/notices.py): what notify_agency does, for thousands at once
    identities = await uow.identities.by_agency({a.agency_id for a in assignments})
    out: dict[int, Reach] = {}
    items: list[tuple[str, str, list[Outbound], str]] = []
    whom: list[tuple[Reach, Identity, str]] = []
    for assignment in assignments:
        message = Outbound(
            text, [[Button(texts.START_BUTTON, cmd(Command.CONTINUE, str(assignment.id)))]]
        )
        best, unreachable = best_identities(identities[assignment.agency_id], deps.channels,
                                            now)
        reach = out[assignment.agency_id] = Reach(unreachable_officers=unreachable)
        for officer_id, identity in best.items():
            key = f"open:a{assignment.id}::o{officer_id}"  # as notify_agency names it
            items.append((identity.channel, identity.user_id, [message], key))
            whom.append((reach, identity, key))
    queued = await uow.outbox.enqueue_many(items, now=now)
    for reach, identity, key in whom:
        if key in queued:
            reach.queued.append(identity)
        else:
            reach.duplicates += 1
    return out


# --------------------------------------------------------------------------- nudges


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


# --------------------------------------------------------------------------- status


NOT_STARTED, IN_PROGRESS = "not_started", "in_progress"
SUBMITTED_ON_TIME, SUBMITTED_LATE, RETURNED = "submitted_on_time", "submitted_late", "returned"


@dataclass(frozen=True, slots=True)
class AgencyProgress:
    agency_id: int
    abbreviation: str
    name: str
    assignment_id: int
    state: str  # not_started | in_progress | submitted_on_time | submitted_late | returned
    answered: int
    total: int
    overdue: bool
    unreachable: bool
    submitted_at: dt.datetime | None
    last_reminder_at: dt.datetime | None
    next_reminder_at: dt.datetime | None
    unreachable_reason: str | None = None  # why, when unreachable (Vietnamese)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("submitted_at", "last_reminder_at", "next_reminder_at"):
            value = data[key]
            data[key] = None if value is None else value.isoformat()
        return data


def _state(assignment: Assignment, deadline: dt.date, calendar: Calendar) -> str:
    status = AssignmentStatus(assignment.status)
    if status == AssignmentStatus.SUBMITTED:
        submitted = assignment.submitted_at
        late = submitted is not None and calendar.local_date(submitted) > deadline
        return SUBMITTED_LATE if late else SUBMITTED_ON_TIME
    return {AssignmentStatus.NOT_STARTED: NOT_STARTED, AssignmentStatus.RETURNED: RETURNED}.get(
        status, IN_PROGRESS
    )


async def round_status(
    uow: SqlUnitOfWork,
    round_id: int,
    *,
    templates: Mapping[str, Template],
    calendar: Calendar,
    now: dt.datetime,
    assignment_ids: Collection[int] | None = None,
) -> tuple[Round, list[AgencyProgress]]:
    """Where every agency of the round stands (overdue and unreachable derived).

    ``assignment_ids`` limits the answer to those assignments of the round (the
    dashboard's page of 100 agencies): the same rows, computed for them only."""
    round_ = await uow.rounds.get(round_id)
    if round_ is None:
        raise ReminderError(f"Không có đợt báo cáo số {round_id}.")
    template = await round_template(templates, round_, uow)
    agencies: dict[int, Agency] = {}
    if assignment_ids is None:
        assignments = await uow.assignments.list(round_id)
        bound = await store.bound_agencies(uow)
        agencies = {a.id: a for a in await uow.agencies.list()}  # one query, not one per row
    else:
        pairs = await uow.assignments.with_agencies(round_id, assignment_ids)
        assignments = [a for a, _ in pairs]
        agencies = {g.id: g for _, g in pairs}
        bound = await uow.agencies.bound_among(agencies)
    answered = await store.answered_questions(uow, [a.id for a in assignments])
    reminders: dict[int, list[store.ReminderRecord]] = {}
    records = (await store.list_reminders(uow, round_id=round_id) if assignment_ids is None
               else await store.list_reminders(uow, assignment_ids=[a.id for a in assignments]))
    for record in records:
        reminders.setdefault(record.assignment_id, []).append(record)
    # one outbox query for the whole round, not one per assignment
    outcomes = await uow.outbox.deliveries_by_assignment([a.id for a in assignments])
    outline = Outline.of(template) if template else None  # built once for the round
    today = calendar.local_date(now)
    out = []
    for assignment in assignments:
        agency = agencies.get(assignment.agency_id) or await uow.agencies.get(assignment.agency_id)
        assert agency is not None
        done, total = (answered_count(template, answered[assignment.id], outline)
                       if template else (0, 0))
        state = _state(assignment, round_.deadline, calendar)
        mine = reminders.get(assignment.id, [])
        settled = [r for r in mine if r.status in (store.SENT, store.SKIPPED)]
        sent = [r.sent_at for r in mine if r.status == store.SENT and r.sent_at]
        upcoming = [r.due_at for r in mine if r.status == store.PLANNED]
        unreachable = agency.id not in bound
        if not unreachable:
            outcome = outcomes.get(assignment.id, store.Deliveries())
            unreachable = outcome.failed > 0 and outcome.delivered == 0 and outcome.queued == 0
        if not unreachable and settled:
            last = max(settled, key=lambda r: (r.due_at, r.id))
            unreachable = last.status == store.SKIPPED and last.reason == "unreachable"
        reason = await unreachable_reason(uow, assignment.id, bound=agency.id in bound) \
            if unreachable else None
        out.append(AgencyProgress(
            agency_id=agency.id, abbreviation=agency.abbreviation, name=agency.name,
            assignment_id=assignment.id, state=state, answered=done, total=total,
            overdue=state not in (SUBMITTED_ON_TIME, SUBMITTED_LATE) and today > round_.deadline,
            unreachable=unreachable, submitted_at=assignment.submitted_at,
            last_reminder_at=max(sent, default=None), next_reminder_at=min(upcoming, default=None),
            unreachable_reason=reason,
        ))
    return round_, out


async def unreachable_reason(uow: SqlUnitOfWork, assignment_id: int, *, bound: bool) -> str:
    """Why an agency cannot be reached: nobody bound, or the last delivery's error."""
    if not bound:
        return "chưa có cán bộ nào liên kết"

    error = await uow.outbox.last_error([f"open:a{assignment_id}:", f"rem:a{assignment_id}:"])
    return error or "không kênh nào của cán bộ nhận được tin lúc này"


# --------------------------------------------------------------------------- digest


async def send_daily_digest(deps: ReminderDeps, now: dt.datetime | None = None) -> int:
    """Queue today's digest of late and not-started agencies for every DIC officer.

    Working days only; at most once a day per officer. Returns how many were queued.
    """
    now = now or deps.clock.now()
    today = deps.calendar.local_date(now)
    if not deps.calendar.is_working_day(today):
        return 0
    async with deps.uow_factory() as uow:
        rounds = await uow.rounds.list(status="open")
        if not rounds:
            return 0
        lines = [texts.DIGEST_TITLE.format(date=format_date(today))]
        for round_ in sorted(rounds, key=lambda r: (r.deadline, r.id)):
            _, progress = await round_status(uow, round_.id, templates=deps.templates,
                                             calendar=deps.calendar, now=now)
            template = await round_template(deps.templates, round_, uow)
            submitted = [p for p in progress if p.state in (SUBMITTED_ON_TIME, SUBMITTED_LATE)]
            late = [p for p in progress if p.overdue]
            not_started = [p for p in progress if p.state == NOT_STARTED and not p.overdue]
            lines.append("")
            lines.append(texts.DIGEST_ROUND.format(
                title=report_title(template.name if template else round_.template_id,
                                   round_.period_label), deadline=format_date(round_.deadline),
                submitted=len(submitted), count=len(progress),
            ))
            if late:
                lines.append(texts.DIGEST_LATE.format(count=len(late), agencies=", ".join(
                    f"{p.abbreviation} ({p.answered}/{p.total})" for p in late)))
            if not_started:
                lines.append(texts.DIGEST_NOT_STARTED.format(
                    count=len(not_started),
                    agencies=", ".join(p.abbreviation for p in not_started)))
            if not late and not not_started:
                lines.append(texts.DIGEST_ALL_GOOD)
        message = Outbound("\n".join(lines))
        best, _ = best_identities(await uow.identities.list(role="dic"), deps.channels, now)
        queued = 0
        for officer_id, identity in best.items():
            if await uow.outbox.enqueue(identity.channel, identity.user_id, [message], now=now,
                                 dedupe_key=f"digest:{today.isoformat()}:o{officer_id}"):
                queued += 1
        await uow.commit()
    return queued


__all__ = [
    "HORIZON_DAYS",
    "MAX_LATENESS",
    "AgencyProgress",
    "Calendar",
    "NudgeResult",
    "PlanResult",
    "ReminderDeps",
    "ReminderError",
    "ReminderPolicy",
    "SendResult",
    "Slot",
    "announce_round",
    "answered_count",
    "left_text",
    "load_policy",
    "nudge",
    "plan_open_rounds",
    "plan_round",
    "reminder_message",
    "round_opened_text",
    "round_status",
    "save_policy",
    "schedule",
    "send_daily_digest",
    "send_due_reminders",
]
