"""Scheduled jobs: one process at a time on PostgreSQL, always on SQLite."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.job_lock import JobLock
from bot.scheduler import ReminderService
from storage.db import create_engine


async def test_a_job_held_by_one_process_is_skipped_by_another(
    engine: AsyncEngine, database_url: str
) -> None:
    other_process = create_engine(database_url)  # its own pool, as another process has
    try:
        first, second = JobLock(engine), JobLock(other_process)
        async with first.hold("send_due_reminders") as mine:
            assert mine
            async with second.hold("send_due_reminders") as theirs:
                assert theirs is (engine.dialect.name == "sqlite")
            async with second.hold("daily_digest") as other_job:
                assert other_job  # another job's lock is free
        async with second.hold("send_due_reminders") as after:
            assert after  # released with the first holder's transaction
    finally:
        await other_process.dispose()


async def test_the_service_runs_a_locked_job_in_one_process_only(
    engine: AsyncEngine, database_url: str
) -> None:
    other_process = create_engine(database_url)
    runs: list[str] = []
    started, release = asyncio.Event(), asyncio.Event()

    class Counting(ReminderService):
        async def send_due_reminders(self) -> None:
            runs.append("run")
            started.set()
            await release.wait()

    try:
        a = Counting(deps=None, lock=JobLock(engine))  # type: ignore[arg-type]
        b = Counting(deps=None, lock=JobLock(other_process))  # type: ignore[arg-type]
        first = asyncio.create_task(a.run("send_due_reminders"))
        await started.wait()
        if engine.dialect.name == "postgresql":
            await b.run("send_due_reminders")  # returns at once: a runs it
            assert runs == ["run"]
        release.set()
        await first
        await b.run("send_due_reminders")
        assert len(runs) == 2  # free again once the first run ended
    finally:
        await other_process.dispose()
