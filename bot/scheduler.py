"""The reminder scheduler: APScheduler 3 in the bot process, jobs kept in the database.

Jobs (persistent, in the ``apscheduler_jobs`` table of the application database):

* ``send_due_reminders`` — every ``BAOCAO_REMINDER_CHECK_SECONDS``;
* ``daily_digest`` — on working days at ``BAOCAO_REMINDER_TIME`` (local time);
* ``dispatch_outbox`` — every few seconds, when this process delivers the outbox.

APScheduler only decides *when* to look; *what* goes out is decided from the
database by :mod:`bot.reminders`, at most once even when several bot processes
run the same jobs. Stored jobs hold a textual reference to :func:`run_job` and
the job's name, never the application objects: the running process registers
its :class:`ReminderService` here when the scheduler starts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import Engine as SyncEngine
from sqlalchemy.engine import make_url

from bot.outbox import Dispatcher
from bot.reminders import Calendar, ReminderDeps, send_daily_digest, send_due_reminders
from storage.db import normalize_url

log = logging.getLogger(__name__)

JOB_REFERENCE = "bot.scheduler:run_job"
DISPATCH_SECONDS = 5


def sync_url(url: str) -> str:
    """The same database for a synchronous driver (APScheduler's job store):
    ``sqlite:///…`` or ``postgresql+psycopg://…``."""
    async_url = make_url(normalize_url(url))
    if async_url.get_backend_name() == "sqlite":
        return async_url.set(drivername="sqlite").render_as_string(hide_password=False)
    return async_url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


@dataclass(slots=True)
class ReminderService:
    """What the jobs run: the reminder use cases and, optionally, the dispatcher."""

    deps: ReminderDeps
    dispatcher: Dispatcher | None = None

    async def send_due_reminders(self) -> None:
        result = await send_due_reminders(self.deps)
        if result.sent or result.skipped or result.cancelled:
            log.info("reminders: %s sent, %s skipped, %s cancelled", result.sent,
                     result.skipped, result.cancelled)

    async def daily_digest(self) -> None:
        queued = await send_daily_digest(self.deps)
        log.info("daily digest queued for %s DIC officer(s)", queued)

    async def dispatch_outbox(self) -> None:
        if self.dispatcher is not None:
            while await self.dispatcher.run_once():
                pass


_service: ReminderService | None = None


async def run_job(name: str) -> None:
    """The entry point every stored job refers to (by name, so it survives restarts)."""
    if _service is None:
        log.warning("job %s ran before the reminder service was registered", name)
        return
    job: Callable[[], Awaitable[None]] = getattr(_service, name)
    try:
        await job()
    except Exception:
        log.exception("scheduled job %s failed; it runs again at its next time", name)


def build_scheduler(
    service: ReminderService,
    database_url: str,
    *,
    check_seconds: int = 120,
    engine: SyncEngine | None = None,
    run_now: bool = True,
) -> AsyncIOScheduler:
    """An (unstarted) scheduler with the jobs stored in the application database.

    ``run_now``: look for due (or missed) reminders as soon as it starts."""
    calendar = service.deps.calendar
    store = SQLAlchemyJobStore(engine=engine or create_sync_engine(sync_url(database_url)))
    scheduler = AsyncIOScheduler(
        jobstores={"default": store},
        timezone=calendar.timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    scheduler.add_job(JOB_REFERENCE, "interval", args=["send_due_reminders"],
                      seconds=check_seconds, id="send_due_reminders", replace_existing=True,
                      **({"next_run_time": dt.datetime.now(dt.UTC)} if run_now else {}))
    days = ",".join(
        name for name, number in (("mon", 1), ("tue", 2), ("wed", 3), ("thu", 4), ("fri", 5),
                                  ("sat", 6), ("sun", 7))
        if number in calendar.working_days
    )
    scheduler.add_job(JOB_REFERENCE, "cron", args=["daily_digest"], id="daily_digest",
                      day_of_week=days or "mon-fri", hour=calendar.send_time.hour,
                      minute=calendar.send_time.minute, replace_existing=True)
    if service.dispatcher is not None:
        scheduler.add_job(JOB_REFERENCE, "interval", args=["dispatch_outbox"],
                          seconds=DISPATCH_SECONDS, id="dispatch_outbox", replace_existing=True)
    return scheduler


def start(scheduler: AsyncIOScheduler, service: ReminderService) -> None:
    """Register the service for the stored jobs and start (inside the running loop)."""
    global _service
    _service = service
    scheduler.start()
    if service.dispatcher is None and scheduler.get_job("dispatch_outbox") is not None:
        scheduler.remove_job("dispatch_outbox")  # stored by an earlier run that dispatched


def stop(scheduler: AsyncIOScheduler) -> None:
    global _service
    if scheduler.running:
        scheduler.shutdown(wait=False)
    _service = None


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
        service = ReminderService(deps, dispatcher)
        scheduler = build_scheduler(service, boot.settings.database_url,
                                    check_seconds=boot.settings.reminder_check_seconds)
        start(scheduler, service)
        log.info("reminder scheduler started (%s)", ", ".join(j.id for j in scheduler.get_jobs()))
        try:
            await asyncio.Event().wait()
        finally:
            stop(scheduler)

    return serve


__all__ = [
    "ReminderService",
    "build_scheduler",
    "reminder_deps",
    "run_job",
    "scheduler_service",
    "start",
    "stop",
    "sync_url",
]
