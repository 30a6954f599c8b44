"""Deadline reminders against real SQLite and PostgreSQL, with a fake clock.

The round's deadline is Monday 21/12/2026 and Tuesday 22/12 is configured as a
public holiday, so the default schedule crosses a weekend and a holiday.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock
from bot.outbox import Dispatcher
from bot.reminders import (
    Calendar,
    ReminderDeps,
    ReminderPolicy,
    nudge,
    plan_round,
    save_policy,
    send_daily_digest,
    send_due_reminders,
)
from dialogs.cursor import Outline
from dialogs.loader import load_templates
from dialogs.messages import Outbound
from storage import admin
from storage import reminders as store
from storage.db import create_engine
from storage.uow import SqlUnitOfWork
from storage.uow import uow_factory as make_uow_factory

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEADLINE = dt.date(2026, 12, 21)  # a Monday
CALENDAR = Calendar.parse(holidays="01-01,2026-12-22")  # Tuesday 22/12: a holiday
TEMPLATE = load_templates()["annual_it"]
TOTAL = Outline.of(TEMPLATE).total
ROOT = Path(__file__).resolve().parents[3]


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


# ------------------------------------------------------------------- the schedule


async def test_default_schedule_skips_nights_the_weekend_and_the_holiday(uow_factory):
    world = await open_round(uow_factory)
    async with uow_factory() as uow:  # the officer has answered two questions
        first, second = list(Outline.of(TEMPLATE).numbers)[:2]
        await uow.answers.set(world.assignments["SCT"], first, "x", None, local(1, 11))
        await uow.answers.set(world.assignments["SCT"], second, "y", None, local(1, 11))
        await uow.commit()
    # every hour at :30, from Sunday 13/12 to Friday 25/12, day and night
    await world.run(local(13, 0), local(25, 23), HOURLY)

    assert world.times("tg-SCT") == [
        "Mon 14/12 08:30",  # 7 days before
        "Fri 18/12 08:30",  # 3 days before (Fri) and 1 day before (Sun -> Fri): once
        "Mon 21/12 08:30",  # the deadline
        # Tue 22/12 is a holiday
        "Wed 23/12 08:30",  # overdue, every working day
        "Thu 24/12 08:30",
        "Fri 25/12 08:30",
    ]
    texts = [m.text for _, m in world.channel.to("tg-SCT")]
    assert f"Đã trả lời 2/{TOTAL} câu" in texts[0]
    assert "còn 7 ngày" in texts[0] and "còn 3 ngày" in texts[1]
    assert "hôm nay" in texts[2] and "đã quá hạn 2 ngày" in texts[3]
    button = world.channel.to("tg-SCT")[0][1].buttons[0][0]
    assert button.data == f"cmd:continue:{world.assignments['SCT']}"
    assert f"Đã trả lời 0/{TOTAL} câu" in world.channel.to("tg-STC")[0][1].text
    # the DIC officer got no reminder: only agencies' officers are reminded
    assert world.channel.to("tg-DIC") == []
    kinds = [(r.kind, r.status) for r in await world.reminders("SCT") if r.status != "planned"]
    assert kinds == [("before_7", "sent"), ("before_1", "sent"), ("due_day", "sent"),
                     ("overdue", "sent"), ("overdue", "sent"), ("overdue", "sent")]


async def test_submission_cancels_the_rest(uow_factory):
    world = await open_round(uow_factory)
    await world.run(local(14, 8), local(14, 9), HOURLY)
    await submit(world, "STC", local(15, 10))
    await world.run(local(15, 11), local(24, 11), HOURLY)

    assert world.times("tg-STC") == ["Mon 14/12 08:30"]
    assert len(world.times("tg-SCT")) == 5
    statuses = {r.status for r in await world.reminders("STC") if r.kind != "before_7"}
    assert statuses == {"cancelled"}
    assert {r.reason for r in await world.reminders("STC") if r.status == "cancelled"} == {
        "submitted"}


async def test_deadline_change_replans(uow_factory):
    world = await open_round(uow_factory, ("SCT",))
    await world.run(local(14, 8), local(14, 9), HOURLY)
    async with uow_factory() as uow:  # what `baocao round deadline 1 2026-12-31` does
        await admin.set_deadline(uow, world.round_id, dt.date(2026, 12, 31), now=local(15, 9))
        await save_policy(uow, world.round_id, ReminderPolicy(), now=local(15, 9))
        result = await plan_round(uow, world.round_id, calendar=CALENDAR, now=local(15, 9))
        await uow.commit()
    assert result.cancelled == 2 and result.created >= 3
    await world.run(local(15, 20), local(31, 23), dt.timedelta(hours=12))  # 20:30, 08:30

    assert world.times("tg-SCT") == [
        "Mon 14/12 08:30",  # sent before the change
        "Thu 24/12 08:30",  # 7 days before 31/12
        "Mon 28/12 08:30",  # 3 days before
        "Wed 30/12 08:30",  # 1 day before
        "Thu 31/12 08:30",  # the new deadline
    ]
    cancelled = [r for r in await world.reminders("SCT") if r.status == "cancelled"]
    assert {r.reason for r in cancelled} == {"schedule changed"}
    assert {r.due_at for r in cancelled} == {local(18), local(21)}


# ------------------------------------------------------------------- at most once


class CrashingFactory:
    """A unit-of-work factory whose n-th commit dies (the process stopping mid-batch)."""

    def __init__(self, inner: Callable[[], SqlUnitOfWork], crash_on: int) -> None:
        self.inner, self.crash_on, self.commits = inner, crash_on, 0

    def __call__(self) -> SqlUnitOfWork:
        uow = self.inner()
        original = uow.commit

        async def commit() -> None:
            self.commits += 1
            if self.commits == self.crash_on:
                raise SystemExit("killed mid-batch")
            await original()

        uow.commit = commit  # type: ignore[method-assign]
        return uow


async def test_restart_in_the_middle_of_a_batch_sends_nothing_twice(uow_factory, engine):
    names = tuple(f"S{i:02d}" for i in range(7))
    world = await open_round(uow_factory, names, batch=2)
    crashing = CrashingFactory(uow_factory, crash_on=3)  # 1: plan, 2: first batch, 3: dies
    world.deps.uow_factory = crashing
    with pytest.raises(SystemExit):
        await send_due_reminders(world.deps, local(14))
    async with uow_factory() as uow:
        sent_before = len(await store.list_reminders(uow, statuses=["sent"]))
    assert sent_before == 2  # the first batch was committed, the second was lost whole

    restarted = create_engine(str(engine.url.render_as_string(hide_password=False)))
    try:
        world.deps.uow_factory = make_uow_factory(restarted)
        await send_due_reminders(world.deps, local(14, 8, 35))
        await send_due_reminders(world.deps, local(14, 8, 40))
        world.dispatcher.uow_factory = world.deps.uow_factory
        await world.flush(local(14, 8, 45))
    finally:
        await restarted.dispose()
    recipients = sorted(user for _, user, _ in world.channel.sent)
    assert recipients == sorted(f"tg-{n}" for n in names)  # each exactly once


async def test_a_missed_reminder_is_sent_on_start_if_still_useful(uow_factory, caplog):
    world = await open_round(uow_factory)
    await world.tick(local(14, 7))  # the bot goes down before 08:30 on Monday …
    await world.tick(local(15, 10, 5))  # … and is back on Tuesday morning
    assert world.times("tg-SCT") == ["Tue 15/12 10:05"]
    assert "còn 6 ngày" in world.channel.to("tg-SCT")[0][1].text

    # down from Thursday to Monday 10:00: 1-day-before (Fri) and deadline (Mon) both due
    caplog.set_level(logging.INFO, logger="bot.reminders")
    await world.tick(local(21, 10, 0))
    assert world.times("tg-SCT") == ["Tue 15/12 10:05", "Mon 21/12 10:00"]
    assert "hôm nay" in world.channel.to("tg-SCT")[-1][1].text
    skipped = [r for r in await world.reminders("SCT") if r.status == "skipped"]
    assert [(r.kind, r.reason) for r in skipped] == [("before_1", "superseded by due_day")]
    assert any("superseded" in record.getMessage() for record in caplog.records)


async def test_a_missed_reminder_no_longer_useful_is_skipped_with_a_log_line(uow_factory, caplog):
    policy = ReminderPolicy(days_before=(3,), on_deadline=False, overdue=False)
    world = await open_round(uow_factory, ("SCT",), policy=policy)
    await world.tick(local(17, 7))  # down from Thursday until after the deadline
    caplog.set_level(logging.WARNING, logger="bot.reminders")
    await world.tick(local(23, 9))
    assert world.channel.sent == []
    [reminder] = await world.reminders("SCT")
    assert (reminder.kind, reminder.status) == ("before_3", "skipped")
    assert any("no longer useful" in record.getMessage() for record in caplog.records)


async def test_nothing_goes_out_at_night_even_when_due(uow_factory):
    world = await open_round(uow_factory, ("SCT",))
    await world.tick(local(14, 7))
    await world.tick(local(14, 20))  # the bot was down all day; it is 20:00 now
    assert world.channel.sent == []
    await world.tick(local(15, 8, 31))
    assert world.times("tg-SCT") == ["Tue 15/12 08:31"]


# ------------------------------------------------------------------- reach, digest, nudge


async def test_an_agency_nobody_can_reach_is_recorded_unreachable(uow_factory):
    world = await open_round(uow_factory, bound=("SCT",))
    await world.tick(local(14))
    [stc] = [r for r in await world.reminders("STC") if r.kind == "before_7"]
    assert (stc.status, stc.reason) == ("skipped", "unreachable")
    assert world.times("tg-SCT") == ["Mon 14/12 08:30"]


async def test_daily_digest_lists_late_and_not_started_agencies_to_dic_officers(uow_factory):
    world = await open_round(uow_factory, ("SCT", "STC", "SYT"))
    async with uow_factory() as uow:
        await uow.answers.set(world.assignments["SCT"], "so_cbcc", 5, None, local(20))
        await uow.commit()
    await submit(world, "SYT", local(18))
    assert await send_daily_digest(world.deps, local(23, 8, 30)) == 1
    assert await send_daily_digest(world.deps, local(23, 9, 0)) == 0  # once a day
    assert await send_daily_digest(world.deps, local(26, 8, 30)) == 0  # Saturday
    await world.flush(local(26, 9))
    [(_, digest)] = world.channel.to("tg-DIC")
    assert "đã nộp 1/3" in digest.text
    assert f"Quá hạn, chưa nộp (2): SCT (1/{TOTAL}), STC (0/{TOTAL})" in digest.text


async def test_manual_nudge_to_one_agency_or_every_late_one(uow_factory):
    world = await open_round(uow_factory, ("SCT", "STC", "SYT"))
    result = await nudge(world.deps, world.round_id, agency_id=world.agencies["SCT"],
                         now=local(10, 14, 0))
    assert result.agencies == [world.agencies["SCT"]] and result.sent is not None
    await world.flush(local(10, 14, 1))
    await submit(world, "SYT", local(21, 9))
    # at 21:00 the nudge to every late agency waits for the next working morning
    result = await nudge(world.deps, world.round_id, now=local(23, 21))
    assert sorted(result.agencies) == sorted([world.agencies["SCT"], world.agencies["STC"]])
    assert result.due_at == local(24) and result.sent is None
    await world.tick(local(24))
    assert world.times("tg-SCT") == ["Thu 10/12 14:01", "Thu 24/12 08:30"]
    assert "đề nghị Sở SCT hoàn thành" in world.channel.to("tg-SCT")[0][1].text
    assert world.times("tg-SYT") == []
    # the nudge and the overdue reminder of 24/12 went out as one message
    statuses = {(r.kind, r.status) for r in await world.reminders("STC")
                if r.due_at == local(24)}
    assert statuses == {("nudge", "sent"), ("overdue", "skipped")} or statuses == {
        ("nudge", "skipped"), ("overdue", "sent")}


# ------------------------------------------------------------------- two processes

WORKER = """
import asyncio, datetime as dt, json, sys
from bot.reminders import Calendar, ReminderDeps, send_due_reminders
from dialogs.loader import load_templates
from storage.db import create_engine
from storage.uow import uow_factory

class Quiet:
    name, window = "telegram", None
    async def deliver(self, user_id, messages):
        raise AssertionError("the worker only queues")

async def main(url, at, rounds):
    engine = create_engine(url)
    templates = load_templates()
    at = dt.datetime.fromisoformat(at)
    deps = ReminderDeps(uow_factory(engine), None, {"telegram": Quiet()}, templates,
                        Calendar.parse(holidays="01-01,2026-12-22"), batch=5)
    sent = 0
    for i in range(rounds):
        sent += (await send_due_reminders(deps, at + dt.timedelta(seconds=i))).sent
    await engine.dispose()
    print(json.dumps({"sent": sent}))

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


async def test_two_scheduler_processes_send_each_reminder_exactly_once(
    uow_factory, database_url, tmp_path
):
    if not database_url.startswith("postgresql"):
        pytest.skip("several bot processes share one database on PostgreSQL only")
    names = tuple(f"A{i:03d}" for i in range(60))
    world = await open_round(uow_factory, names)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, str(script), database_url, local(14, 8, 31).isoformat(), "3"]
    procs = [await asyncio.create_subprocess_exec(*args, env=env, cwd=ROOT,
                                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]
    outputs = [await p.communicate() for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    counts = [json.loads(out)["sent"] for out, _ in outputs]
    assert sum(counts) == len(names)

    async with uow_factory() as uow:
        sent = await store.list_reminders(uow, round_id=world.round_id, statuses=["sent"])
        queued = await uow.outbox.claim(local(14, 9), limit=1000)
    assert len(sent) == len(names)
    assert sorted(item.user_id for item in queued) == sorted(f"tg-{n}" for n in names)


async def test_two_engines_in_one_process_send_each_reminder_exactly_once(
    uow_factory, database_url
):
    if not database_url.startswith("postgresql"):
        pytest.skip("several bot processes share one database on PostgreSQL only")
    names = tuple(f"B{i:03d}" for i in range(40))
    world = await open_round(uow_factory, names, batch=3)
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        deps = [ReminderDeps(make_uow_factory(e), world.clock, world.deps.channels,
                             world.deps.templates, CALENDAR, batch=3) for e in engines]
        results = await asyncio.gather(*(send_due_reminders(d, local(14)) for d in deps))
    finally:
        for e in engines:
            await e.dispose()
    assert sum(r.sent for r in results) == len(names)
    await world.flush(local(14, 8, 31))
    assert sorted(u for _, u, _ in world.channel.sent) == sorted(f"tg-{n}" for n in names)




# ------------------------------------------------------------------- the scheduler


async def _start_and_wait(scheduler, job_ids: set[str]) -> None:
    """Start ``scheduler`` and wait until each of ``job_ids`` has run once."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

    pending, done = set(job_ids), asyncio.Event()

    def finished(event) -> None:
        pending.discard(event.job_id)
        if not pending:
            done.set()

    scheduler.add_listener(finished, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start()
    await asyncio.wait_for(done.wait(), 30)


async def test_on_start_the_scheduler_sends_due_reminders_and_a_missed_digest_once(
    uow_factory, database_url
):
    from bot import scheduler as sched

    world = await open_round(uow_factory, ("SCT",))
    world.clock.set(local(14, 10))  # Monday 10:30: the bot was down at 08:30
    for _ in range(2):  # a restart the same morning sends nothing twice
        service = sched.ReminderService(world.deps)  # delivered below, by world.flush
        scheduler = sched.build_scheduler(service, check_seconds=60)
        assert {j.id for j in scheduler.get_jobs()} == {
            "send_due_reminders", "daily_digest", "daily_digest_missed", "purge_inbound"}
        try:
            await _start_and_wait(scheduler, {"send_due_reminders", "daily_digest_missed"})
        finally:
            sched.stop(scheduler)
        await world.flush(local(14, 10, 31))
        assert world.times("tg-SCT") == ["Mon 14/12 10:31"]  # the 08:30 reminder, late
        [(_, digest)] = world.channel.to("tg-DIC")
        assert "Tình hình nộp báo cáo ngày 14/12/2026" in digest.text
        assert "SCT" in digest.text

    # after working hours, on Saturday, or before the digest time (the 08:30 job sends
    # it then): no digest at start
    for at in (local(14, 17, 0), local(19, 10), local(15, 8, 0)):
        world.clock.set(at)
        scheduler = sched.build_scheduler(sched.ReminderService(world.deps, world.dispatcher))
        assert {j.id for j in scheduler.get_jobs()} == {
            "send_due_reminders", "daily_digest", "dispatch_outbox", "purge_inbound"}


async def test_a_failing_job_is_logged_and_does_not_raise(uow_factory, caplog):
    from bot import scheduler as sched

    class BrokenDispatcher:
        async def drain(self) -> int:
            raise RuntimeError("channel exploded")

    world = await open_round(uow_factory, ("SCT",))
    service = sched.ReminderService(world.deps, BrokenDispatcher())  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        await service.run("dispatch_outbox")
    assert "scheduled job dispatch_outbox failed" in caplog.text
    assert "channel exploded" in caplog.text


async def test_an_error_while_processing_jobs_does_not_stop_the_scheduler(caplog):
    """APScheduler 3 sets no next wakeup when processing the jobs raises (a job store
    that cannot write, "database is locked"); the scheduler must keep running."""
    import sqlite3

    from apscheduler.jobstores.memory import MemoryJobStore

    from bot.scheduler import ResilientScheduler

    class LockedOnce(MemoryJobStore):
        failures = 1

        def update_job(self, job):
            if self.failures:
                self.failures -= 1
                raise sqlite3.OperationalError("database is locked")
            super().update_job(job)

    runs: list[float] = []
    third = asyncio.Event()

    async def tick() -> None:
        runs.append(asyncio.get_running_loop().time())
        if len(runs) == 3:
            third.set()

    scheduler = ResilientScheduler(jobstores={"default": LockedOnce()}, retry_seconds=0.05)
    scheduler.add_job(tick, "interval", seconds=0.1, id="tick")
    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        scheduler.start()
        try:
            await asyncio.wait_for(third.wait(), 5)
        finally:
            scheduler.shutdown(wait=False)
    assert len(runs) >= 3
    assert "the scheduler failed while processing its jobs" in caplog.text
    assert "database is locked" in caplog.text


async def test_concurrent_dispatchers_deliver_each_queued_reminder_once(uow_factory):
    names = tuple(f"D{i:02d}" for i in range(30))
    world = await open_round(uow_factory, names)
    world.clock.set(local(14))
    await send_due_reminders(world.deps, local(14))
    dispatchers = [Dispatcher({"telegram": world.channel}, uow_factory, world.clock, batch=4)
                   for _ in range(3)]

    async def drain(dispatcher: Dispatcher) -> None:
        while await dispatcher.run_once():
            pass

    await asyncio.gather(*(drain(d) for d in dispatchers))
    assert sorted(u for _, u, _ in world.channel.sent) == sorted(f"tg-{n}" for n in names)
