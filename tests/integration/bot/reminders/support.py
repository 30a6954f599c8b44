"""Deadline reminders against real SQLite and PostgreSQL, with a fake clock: the world
the tests of :mod:`bot.reminders` share.

The round's deadline is Monday 21/12/2026 and Tuesday 22/12 is configured as a
public holiday, so the default schedule crosses a weekend and a holiday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import FixedClock
from bot.outbox import Dispatcher
from bot.reminders import (
    Calendar,
    ReminderDeps,
    ReminderPolicy,
    plan_round,
    save_policy,
    send_due_reminders,
)
from dialogs.cursor import Outline
from dialogs.loader import load_templates
from dialogs.messages import Outbound
from storage import admin
from storage import reminders as store
from storage.uow import SqlUnitOfWork

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEADLINE = dt.date(2026, 12, 21)  # a Monday
CALENDAR = Calendar.parse(holidays="01-01,2026-12-22")  # Tuesday 22/12: a holiday
TEMPLATE = load_templates()["annual_it"]
TOTAL = Outline.of(TEMPLATE).total
ROOT = Path(__file__).resolve().parents[4]


def local(day: int, hour: int = 8, minute: int = 30, month: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ).astimezone(dt.UTC)


class RecordingChannel:
    name = "telegram"
    window = None

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.sent: list[tuple[dt.datetime, str, Outbound]] = []

    async def deliver(self, user_id: str, messages: list[Outbound]) -> None:
        for message in messages:
            self.sent.append((self.clock.now(), user_id, message))

    def to(self, user_id: str) -> list[tuple[dt.datetime, Outbound]]:
        return [(at, m) for at, u, m in self.sent if u == user_id]


@dataclass
class Round:
    deps: ReminderDeps
    clock: FixedClock
    channel: RecordingChannel
    round_id: int
    agencies: dict[str, int]
    assignments: dict[str, int]
    dispatcher: Dispatcher = field(init=False)

    def __post_init__(self) -> None:
        self.dispatcher = Dispatcher({"telegram": self.channel}, self.deps.uow_factory, self.clock)

    async def tick(self, at: dt.datetime) -> None:
        self.clock.set(at)
        await send_due_reminders(self.deps, at)
        while await self.dispatcher.run_once():
            pass

    async def flush(self, at: dt.datetime) -> None:
        """Deliver what is queued, as the dispatcher would at ``at``."""
        self.clock.set(at)
        while await self.dispatcher.run_once():
            pass

    async def run(self, start: dt.datetime, end: dt.datetime, step: dt.timedelta) -> None:
        at = start
        while at <= end:
            await self.tick(at)
            at += step

    def times(self, user_id: str) -> list[str]:
        return [at.astimezone(TZ).strftime("%a %d/%m %H:%M") for at, _ in self.channel.to(user_id)]

    async def reminders(self, abbreviation: str) -> list[store.ReminderRecord]:
        async with self.deps.uow_factory() as uow:
            return await store.list_reminders(
                uow, assignment_ids=[self.assignments[abbreviation]])


async def open_round(
    uow_factory: Callable[[], SqlUnitOfWork],
    abbreviations: tuple[str, ...] = ("SCT", "STC"),
    *,
    bound: tuple[str, ...] | None = None,
    policy: ReminderPolicy | None = None,
    now: dt.datetime | None = None,
    batch: int = 50,
) -> Round:
    """Agencies (each bound on Telegram as tg-<ABBR> unless left out of ``bound``),
    a DIC officer, and a round opened on ``now`` (default 01/12) with its plan."""
    now = now or local(1, 10)
    clock = FixedClock(now)
    channel = RecordingChannel(clock)
    bound = abbreviations if bound is None else bound
    async with uow_factory() as uow:
        agencies = {}
        for abbr in abbreviations:
            agency = await admin.add_agency(uow, name=f"Sở {abbr}", abbreviation=abbr,
                                            governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai",
                                            signer_name="Nguyễn Văn A")
            agencies[abbr] = agency.id
        dic = await admin.add_agency(uow, name="Sở Khoa học và Công nghệ", abbreviation="SKHCN",
                                     governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai",
                                     signer_name="Trần B", is_collector=True)
        round_ = await admin.open_round(
            uow, template_id=TEMPLATE.id, template_version=TEMPLATE.version,
            period_label="năm 2026", period_start=dt.date(2025, 12, 15),
            period_end=dt.date(2026, 12, 14), deadline=DEADLINE,
            agency_ids=list(agencies.values()), province="Đồng Nai",
            collector="Sở Khoa học và Công nghệ", now=now,
        )
        for abbr in bound:
            code = await admin.create_invite(uow, agencies[abbr], now=now)
            await uow.invites.bind(code, "telegram", f"tg-{abbr}", None, now)
        code = await admin.create_invite(uow, dic.id, role="dic", now=now)
        await uow.invites.bind(code, "telegram", "tg-DIC", None, now)
        await save_policy(uow, round_.id, policy or ReminderPolicy(), now=now)
        await plan_round(uow, round_.id, calendar=CALENDAR, now=now)
        by_agency = {a.agency_id: a.id for a in await uow.assignments.list(round_.id)}
        assignments = {abbr: by_agency[agencies[abbr]] for abbr in abbreviations}
        await uow.commit()
    deps = ReminderDeps(uow_factory=uow_factory, clock=clock, channels={"telegram": channel},
                        templates={TEMPLATE.id: TEMPLATE}, calendar=CALENDAR, batch=batch)
    return Round(deps, clock, channel, round_.id, agencies, assignments)


async def submit(world: Round, abbreviation: str, at: dt.datetime) -> None:
    async with world.deps.uow_factory() as uow:
        await uow.submissions.add(world.assignments[abbreviation], {}, b"docx", "bc.docx", None, at)
        await uow.commit()


HOURLY = dt.timedelta(hours=1)
