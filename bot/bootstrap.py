"""The one place that wires the application together.

``build_app(settings)`` migrates the database, loads the bundled templates and
builds the conversation engine. Nothing is created at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.clock import SystemClock
from bot.settings import Settings
from dialogs.engine import Engine
from dialogs.loader import load_templates
from dialogs.ports import Clock, UnitOfWork
from dialogs.schema import Template
from renderers.report import document_filename, render_report
from storage.db import create_engine, upgrade_async
from storage.uow import uow_factory as make_uow_factory


@dataclass(slots=True)
class Bootstrapped:
    """Everything a running process needs; close ``db`` when done."""

    settings: Settings
    db: Any  # sqlalchemy.ext.asyncio.AsyncEngine
    uow_factory: Callable[[], UnitOfWork]
    templates: Mapping[str, Template]
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)

    async def aclose(self) -> None:
        await self.db.dispose()


async def migrate(settings: Settings) -> None:
    """Bring the database schema up to date."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await upgrade_async(settings.database_url)


async def build_app(
    settings: Settings, *, clock: Clock | None = None, run_migrations: bool = True
) -> Bootstrapped:
    """Migrate, load templates, and build the engine over a real database."""
    if run_migrations:
        await migrate(settings)
    clock = clock or SystemClock()
    db = create_engine(settings.database_url)
    uow_factory = make_uow_factory(db, clock)
    templates = load_templates()
    engine = Engine(
        templates=templates,
        uow_factory=uow_factory,
        clock=clock,
        render=render_report,
        filename=document_filename,
        timezone=settings.timezone,
        collector=settings.collector,
    )
    return Bootstrapped(
        settings=settings,
        db=db,
        uow_factory=uow_factory,
        templates=templates,
        engine=engine,
        clock=clock,
    )
