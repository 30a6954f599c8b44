"""The reminder scheduler: APScheduler 3 in the bot process, jobs kept in memory.

Jobs (added afresh every time the bot starts):

* ``send_due_reminders`` — every ``BAOCAO_REMINDER_CHECK_SECONDS``, and once at start;
* ``daily_digest`` — on working days at ``BAOCAO_REMINDER_TIME`` (local time);
* ``daily_digest_missed`` — once at start, when the process was down at today's
  digest time and it may still go out (a working day, within the reminder window);
* ``dispatch_outbox`` — every few seconds, when this process delivers the outbox.

APScheduler only decides *when* to look; *what* goes out is decided from the
database by :mod:`bot.reminders` (the ``reminders`` table, the outbox's dedupe
keys), at most once even when several bot processes run the same jobs or a
restart runs a job again. Nothing of APScheduler's is stored: a job store in the
application database only made the scheduler wait on database locks.

A failing step of the scheduler itself (not of a job: those are logged by
:meth:`ReminderService.run`) is logged and retried after :data:`RETRY_SECONDS`,
so the jobs never stop for the life of the process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.job_lock import JobLock
from bot.metrics import count_reminders
from bot.outbox import Dispatcher
from bot.reminders import Calendar, ReminderDeps, send_daily_digest, send_due_reminders

log = logging.getLogger(__name__)

DISPATCH_SECONDS = 5
#: After a failure while processing the jobs, the scheduler looks again this much later.
RETRY_SECONDS = 5.0
#: Jobs one process at a time runs (the outbox has its own leases; each process
#: delivers through its own channels).
EXCLUSIVE_JOBS = frozenset({"send_due_reminders", "daily_digest"})
WEEKDAYS = (("mon", 1), ("tue", 2), ("wed", 3), ("thu", 4), ("fri", 5), ("sat", 6), ("sun", 7))


@dataclass(slots=True)
class ReminderService:
    """What the jobs run: the reminder use cases and, optionally, the dispatcher."""

    deps: ReminderDeps
    dispatcher: Dispatcher | None = None
    #: several processes on PostgreSQL: one runs a reminder job at a time (bot/job_lock.py)
    lock: JobLock | None = None

    async def send_due_reminders(self) -> None:
        result = await send_due_reminders(self.deps)
        count_reminders(planned=result.planned.created + result.planned.reactivated,
                        sent=result.sent, skipped=result.skipped)
        if result.sent or result.skipped or result.cancelled:
            log.info("reminders: %s sent, %s skipped, %s cancelled", result.sent,
                     result.skipped, result.cancelled)

    async def daily_digest(self) -> None:
        queued = await send_daily_digest(self.deps)
        log.info("daily digest queued for %s DIC officer(s)", queued)

    async def purge_inbound(self) -> None:
        from bot.inbound_purge import purge_processed_inbound

        await purge_processed_inbound(self.deps.uow_factory, self.deps.clock.now())

    async def dispatch_outbox(self) -> None:
        if self.dispatcher is not None:
            await self.dispatcher.drain()

    async def run(self, name: str) -> None:
        """Run one job by name; a failure is logged and the job runs again at its next time."""
        job: Callable[[], Awaitable[None]] = getattr(self, name)
        try:
            if self.lock is None or name not in EXCLUSIVE_JOBS:
                await job()
                return
            async with self.lock.hold(name) as mine:
                if mine:
                    await job()
        except Exception:
            log.exception("scheduled job %s failed; it runs again at its next time", name)


class ResilientScheduler(AsyncIOScheduler):
    """An :class:`AsyncIOScheduler` that keeps waking up whatever goes wrong.

    APScheduler 3 sets the next wakeup only when processing the jobs succeeds: an
    exception from a job store (``update_job``…) would stop every job for good.
    Here it is logged and the jobs are looked at again ``retry_seconds`` later.
    """

    def __init__(self, *, retry_seconds: float = RETRY_SECONDS, **options: Any) -> None:
        self.retry_seconds = retry_seconds
        super().__init__(**options)

    def _process_jobs(self) -> float | None:
        try:
            return super()._process_jobs()
        except Exception:
            log.exception("the scheduler failed while processing its jobs; "
                          "it looks again in %s s", self.retry_seconds)
            return self.retry_seconds


def build_scheduler(
    service: ReminderService,
    *,
    check_seconds: int = 120,
    run_now: bool = True,
) -> ResilientScheduler:
    """An (unstarted) scheduler with the reminder jobs, kept in memory.

    ``run_now``: as soon as it starts, look for due (or missed) reminders and send
    today's digest if its time passed while the bot was down (decided with the
    service's clock; the digest goes out at most once a day per officer anyway).
    """
    calendar = service.deps.calendar
    scheduler = ResilientScheduler(
        timezone=calendar.timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    scheduler.add_job(service.run, "interval", args=["send_due_reminders"],
                      seconds=check_seconds, id="send_due_reminders", replace_existing=True,
                      **({"next_run_time": dt.datetime.now(dt.UTC)} if run_now else {}))
    days = ",".join(name for name, number in WEEKDAYS if number in calendar.working_days)
    scheduler.add_job(service.run, "cron", args=["daily_digest"], id="daily_digest",
                      day_of_week=days or "mon-fri", hour=calendar.send_time.hour,
                      minute=calendar.send_time.minute, replace_existing=True)
    if run_now and digest_missed(calendar, service.deps.clock.now()):
        scheduler.add_job(service.run, args=["daily_digest"], id="daily_digest_missed",
                          replace_existing=True)
    scheduler.add_job(service.run, "interval", args=["purge_inbound"], seconds=3600,
                      id="purge_inbound", replace_existing=True)
    if service.dispatcher is not None:
        scheduler.add_job(service.run, "interval", args=["dispatch_outbox"],
                          seconds=DISPATCH_SECONDS, id="dispatch_outbox", replace_existing=True)
    return scheduler


def digest_missed(calendar: Calendar, now: dt.datetime) -> bool:
    """Today's digest time has passed and it may still go out: a working day,
    between the send time and the end of the reminder window."""
    return calendar.sending_allowed(now)


def stop(scheduler: AsyncIOScheduler) -> None:
    if scheduler.running:
        scheduler.shutdown(wait=False)


def reminder_deps(boot: Any) -> ReminderDeps:
    """The reminder use cases' dependencies from a :class:`bot.bootstrap.Bootstrapped`."""
    settings = boot.settings
    return ReminderDeps(
        uow_factory=boot.uow_factory, clock=boot.clock, channels=dict(boot.channels),
        templates=boot.templates, calendar=Calendar.from_settings(settings),
        collector=settings.collector,
    )


def scheduler_service(boot: Any) -> Callable[[], Awaitable[None]]:
    """A long-running service for ``boot.services``: runs the scheduler until cancelled.

    It delivers the outbox too, unless the process has no pushing channel or
    something else already does (``boot.outbox_dispatched``).
    """

    async def serve() -> None:
        deps = reminder_deps(boot)
        dispatcher = None
        if boot.channels and not getattr(boot, "outbox_dispatched", False):
            dispatcher = Dispatcher(dict(boot.channels), boot.uow_factory, boot.clock)
        service = ReminderService(deps, dispatcher, JobLock(boot.db))
        scheduler = build_scheduler(service, check_seconds=boot.settings.reminder_check_seconds)
        scheduler.start()
        log.info("reminder scheduler started (%s)", ", ".join(j.id for j in scheduler.get_jobs()))
        try:
            await asyncio.Event().wait()
        finally:
            stop(scheduler)

    return serve


__all__ = [
    "RETRY_SECONDS",
    "ReminderService",
    "ResilientScheduler",
    "build_scheduler",
    "digest_missed",
    "reminder_deps",
    "scheduler_service",
    "stop",
]
