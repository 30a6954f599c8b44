"""The one place that wires the application together.

``build_app(settings)`` migrates the database, stores the bundled templates the
database lacks, reads the templates from the database (``boot.templates``, a
:class:`bot.template_catalog.TemplateCatalog`) and builds the conversation engine.
Nothing is created at import time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import BaseRoute

from bot.bind_throttle import BindThrottle
from bot.channels.telegram.wiring import wire_telegram
from bot.channels.zalo_wiring import ChannelWiring, wire_zalo
from bot.clock import SystemClock
from bot.inbox import Inbox
from bot.metrics import instrument_turns
from bot.rollup_service import dashboard_login_url
from bot.settings import Settings
from bot.signed_reports import TrustRoots, document_receiver
from bot.template_catalog import TemplateCatalog
from bot.template_service import load_bundled
from dialogs.engine import Engine
from dialogs.loader import load_templates
from dialogs.ports import Channel, Clock, UnitOfWork
from dialogs.schema import Template
from renderers.report import document_filename, render_report
from storage.db import create_engine, upgrade_async
from storage.uow import uow_factory as make_uow_factory


@dataclass(slots=True)
class Bootstrapped:
    """Everything a running process needs; close ``db`` when done."""

    settings: Settings
    db: AsyncEngine
    uow_factory: Callable[[], UnitOfWork]
    templates: Mapping[str, Template]
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    #: pushing channels by name: the outbox delivers through them
    channels: dict[str, Channel] = field(default_factory=dict)
    #: HTTP routes the channels provide (webhooks), mounted by the web app
    routes: list[BaseRoute] = field(default_factory=list)
    #: long-running channel services (e.g. polling) that ``baocao run`` starts
    services: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    #: the webhooks' durable inbox (bot.inbox)
    inbox: Inbox | None = None

    def add_channels(self, wiring: ChannelWiring) -> None:
        self.channels.update(wiring.channels)
        self.routes.extend(wiring.routes)
        self.services.extend(wiring.services)
        self.closers.extend(wiring.closers)

    async def aclose(self) -> None:
        for close in self.closers:
            await close()
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
    db = create_engine(settings.database_url, durable=settings.durable_commit)
    uow_factory = make_uow_factory(db, clock)
    bundled = load_templates()
    await load_bundled(uow_factory, now=clock.now(), templates=bundled)
    templates = TemplateCatalog(uow_factory)
    templates.prime(bundled)
    await templates.refresh(force=True)
    engine = Engine(
        templates=templates,
        uow_factory=uow_factory,
        clock=clock,
        render=render_report,
        filename=document_filename,
        timezone=settings.timezone,
        collector=settings.collector,
        dashboard_link=partial(dashboard_login_url, public_url=settings.public_url),
        bind_gate=BindThrottle(),
    )
    # every channel (web chat, webhooks, terminal) counts its turns in /metrics
    engine.handle = instrument_turns(engine.handle)  # type: ignore[method-assign]
    boot = Bootstrapped(
        settings=settings,
        db=db,
        uow_factory=uow_factory,
        templates=templates,
        engine=engine,
        clock=clock,
    )
    if boot.settings.zalo_zns_template_id and boot.settings.zalo_oa_configured:
        from bot.channels.zns import PhoneStore

        engine.phones = PhoneStore(clock)  # ZNS reminders: ask a new officer's phone once
    boot.inbox = Inbox(uow_factory, clock)  # every webhook's durable inbox
    # signed report PDFs officers send back as files (Telegram document, Zalo OA file)
    receive = document_receiver(uow_factory, TrustRoots(settings.trust_roots), clock,
                                settings.timezone)
    boot.add_channels(wire_zalo(settings, engine.handle, uow_factory, clock, inbox=boot.inbox,
                                receive_document=receive))
    boot.add_channels(wire_telegram(settings, engine.handle, uow_factory, clock,
                                    inbox=boot.inbox, receive_document=receive))
    for channel in boot.channels.values():  # channels that fall back to the others
        if hasattr(channel, "peers"):
            channel.peers = boot.channels
    if boot.inbox.handlers:  # a webhook is served: handle what earlier processes stored
        boot.services.append(boot.inbox.run)
        boot.closers.insert(0, boot.inbox.aclose)
    return boot
