"""Where every agency of a round stands: its state, answers, overdue, reachability
and reminders (the CLI's ``round status``, the dashboard, the digest, the roll-up)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from bot.reminders.deps import ReminderError
from bot.reminders.wording import answered_count
from bot.reminders.workdays import Calendar
from dialogs.cursor import Outline
from dialogs.domain import Agency, Assignment, AssignmentStatus, Round
from dialogs.pinned import round_template
from dialogs.schema import Template
from storage import reminders as store
from storage.uow import SqlUnitOfWork

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


#: Each state as stored: the assignment's status and whether it was submitted late
#: (the dashboard's round page counts and filters by these in SQL).
STATES: dict[str, tuple[AssignmentStatus, bool]] = {
    NOT_STARTED: (AssignmentStatus.NOT_STARTED, False),
    IN_PROGRESS: (AssignmentStatus.IN_PROGRESS, False),
    SUBMITTED_ON_TIME: (AssignmentStatus.SUBMITTED, False),
    SUBMITTED_LATE: (AssignmentStatus.SUBMITTED, True),
    RETURNED: (AssignmentStatus.RETURNED, False),
}
STATE_OF = {stored: state for state, stored in STATES.items()}


def late_from(deadline: dt.date, calendar: Calendar) -> dt.datetime:
    """The instant (UTC) from which a submission is late: the start of the local day
    after the deadline. ``calendar.local_date(t) > deadline`` exactly when
    ``t >= late_from(deadline, calendar)``."""
    return calendar.at(deadline + dt.timedelta(days=1), dt.time(0))


def agency_state(assignment: Assignment, deadline: dt.date, calendar: Calendar) -> str:
    status = AssignmentStatus(assignment.status)
    submitted = assignment.submitted_at
    late = (status is AssignmentStatus.SUBMITTED and submitted is not None
            and calendar.local_date(submitted) > deadline)
    return STATE_OF[status, late]


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
        state = agency_state(assignment, round_.deadline, calendar)
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
