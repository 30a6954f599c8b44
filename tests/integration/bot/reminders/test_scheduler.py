"""The scheduler (:mod:`bot.scheduler`) running the reminder jobs: due reminders and a
missed digest on start, a failing job, an error while processing the jobs.
"""

from __future__ import annotations

import asyncio
import logging

from tests.integration.bot.reminders.support import local, open_round

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
