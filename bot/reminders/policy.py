"""When a round's reminders go out: its policy (stored per round) and the schedule of
reminder slots it gives on the working calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from bot.reminders.deps import ReminderError
from bot.reminders.workdays import Calendar
from storage import reminders as store
from storage.uow import SqlUnitOfWork


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


def stored_policy(data: Mapping[str, Any] | None) -> tuple[ReminderPolicy, dt.datetime | None]:
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
    return stored_policy(await store.get_policy(uow, round_id))[0]


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
