"""Sending :mod:`bot.reminders.sending`: at most once (a crash mid-batch, two processes,
two engines, concurrent dispatchers), missed reminders after downtime, quiet nights,
unreachable agencies and manual nudges.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable

import pytest

from bot.outbox import Dispatcher
from bot.reminders import ReminderDeps, ReminderPolicy, nudge, send_due_reminders
from storage import reminders as store
from storage.db import create_engine
from storage.uow import SqlUnitOfWork
from storage.uow import uow_factory as make_uow_factory
from tests.integration.bot.reminders.support import CALENDAR, ROOT, local, open_round, submit

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

async def test_an_agency_nobody_can_reach_is_recorded_unreachable(uow_factory):
    world = await open_round(uow_factory, bound=("SCT",))
    await world.tick(local(14))
    [stc] = [r for r in await world.reminders("STC") if r.kind == "before_7"]
    assert (stc.status, stc.reason) == ("skipped", "unreachable")
    assert world.times("tg-SCT") == ["Mon 14/12 08:30"]

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
