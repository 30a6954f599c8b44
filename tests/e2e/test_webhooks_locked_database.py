"""The database locked for 35 s while officers answer on all three webhooks (Zalo OA,
Zalo Bot Platform, Telegram), wired as ``baocao run`` wires them, against the
platforms' fakes. Each platform behaves as it does in production: an answer other
than 2xx (or none in time) means "deliver again", about every second. Afterwards:
every answer stored once, every officer got the next question, no traceback."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from bot.bootstrap import Bootstrapped, build_app
from bot.channels import zalo_bot, zalo_oa
from bot.channels.telegram.runtime import webhook_path
from bot.webapp import create_web_app
from dialogs.loader import load_template
from storage import admin
from storage.models import Base
from tests.conftest import run_in_thread
from tests.fakes.loopback import serve
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_bot_api import FakeZaloBot
from tests.fakes.zalo_oa_api import FakeZaloOA
from tests.integration.dialogs.conftest import DEFAULT_AGENCIES, DEFAULT_ROUND, HERE, FakeClock
from tests.support.zalo import bot_env, oa_env, settings_with

LOCKED_SECONDS = 35.0
REDELIVERY_PAUSE = 1.0  # seconds a platform waits before delivering again
OA_USER = "8461527390184620999"
BOT_CHAT = "7a3e9a1f7d2b4e61"
TG_CHAT = 990_035
TG_HOOK = "https://baocao.example.gov.vn/telegram/hook"
TG_SECRET = "s3cret-Token_35"


@dataclass
class World:
    boot: Bootstrapped
    http: httpx.AsyncClient
    oa: FakeZaloOA
    bot: FakeZaloBot
    tg: FakeTelegramAPI
    database_url: str

    async def deliver(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        """Deliver as a platform does: again after every refusal, until a 2xx."""
        tries = 0
        while True:
            tries += 1
            try:
                response = await self.http.post(path, content=body, headers=headers,
                                                 timeout=60)
                if 200 <= response.status_code < 300:
                    return tries
                assert response.status_code >= 500, response.text
            except httpx.TimeoutException:
                pass
            await asyncio.sleep(REDELIVERY_PAUSE)


@pytest.fixture
async def world(database_url: str, tmp_path: Path) -> AsyncIterator[World]:
    oa, bot = FakeZaloOA(), FakeZaloBot()
    with serve(oa.app()) as oa_url, serve(bot.app()) as bot_url, FakeTelegramAPI() as tg:
        env = {**oa_env(oa, oa_url),
               **bot_env(bot, bot_url, webhook_url="https://bot.test/zalo/bot/webhook"),
               "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_URL": tg.url,
               "TELEGRAM_WEBHOOK_URL": TG_HOOK, "TELEGRAM_WEBHOOK_SECRET": TG_SECRET}
        clock = FakeClock()
        boot = await build_app(settings_with(env, database_url, tmp_path), clock=clock,
                               run_migrations=False)
        assert boot.inbox is not None
        services = [asyncio.create_task(service()) for service in boot.services]
        try:
            boot.templates = {**boot.templates, "mini": load_template(HERE / "mini.yaml")}
            boot.engine.templates = boot.templates
            await tg.wait(lambda: tg.webhook)
            await asyncio.wait_for(_until(lambda: bot.webhook is not None), 10)
            transport = httpx.ASGITransport(app=create_web_app(boot))
            async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
                yield World(boot, http, oa, bot, tg, database_url)
        finally:
            for task in services:
                task.cancel()
            await asyncio.gather(*services, return_exceptions=True)
            await boot.aclose()


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)  # a fake's thread registers the webhook


def _lock_sqlite(path: str, seconds: float, locked: threading.Event) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")  # the write lock (WAL: as EXCLUSIVE)
        locked.set()
        time.sleep(seconds)  # another program holding the database
        connection.execute("ROLLBACK")
    finally:
        connection.close()


async def _lock_postgresql(url: str, seconds: float, locked: threading.Event) -> None:
    import asyncpg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await connection.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
            locked.set()
            await asyncio.sleep(seconds)
            raise asyncio.CancelledError  # leave the transaction: rolled back
    except asyncio.CancelledError:
        pass
    finally:
        await connection.close()


def lock_database(url: str, seconds: float) -> tuple[threading.Thread, threading.Event]:
    """Hold the database's write lock for ``seconds`` from another connection."""
    locked = threading.Event()
    parsed = make_url(url)

    def target() -> Any:
        if parsed.get_backend_name() == "sqlite":
            return _lock_sqlite(str(parsed.database), seconds, locked)
        return run_in_thread(_lock_postgresql, url, seconds, locked)
    thread = threading.Thread(target=target, name="db-locker")
    thread.start()
    assert locked.wait(10), "could not lock the database"
    return thread, locked


# Under load, keep-alive sockets to the fakes can still be open when the loop closes;
# that is the harness's teardown, not the behaviour under test.
@pytest.mark.filterwarnings("ignore::ResourceWarning",
                            "ignore::pytest.PytestUnraisableExceptionWarning")
async def test_answers_sent_while_the_database_is_locked_35_s_are_stored_once_and_answered(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    clock_now = world.boot.clock.now()
    async with world.boot.uow_factory() as uow:
        third = {**DEFAULT_AGENCIES[0], "name": "Sở Y tế", "abbreviation": "SYT"}
        agencies = [await admin.add_agency(uow, **spec) for spec in (*DEFAULT_AGENCIES, third)]
        await admin.open_round(uow, template_id="mini", template_version=1,
                               agency_ids=[a.id for a in agencies], now=clock_now,
                               **DEFAULT_ROUND)
        codes = [await admin.create_invite(uow, a.id, now=clock_now) for a in agencies]
        await uow.commit()

    tg_path = webhook_path(TG_HOOK)
    tg_headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET,
                  "Content-Type": "application/json"}
    counter = {"n": 0}

    def oa_msg(text: str) -> Awaitable[int]:
        counter["n"] += 1
        body, headers = world.oa.event(OA_USER, text, msg_id=f"oa-{counter['n']}")
        return world.deliver(zalo_oa.WEBHOOK_PATH, body, headers)

    def bot_msg(text: str) -> Awaitable[int]:
        body, headers = world.bot.webhook_request(BOT_CHAT, text)
        return world.deliver(zalo_bot.WEBHOOK_PATH, body, headers)

    def tg_msg(text: str) -> Awaitable[int]:
        body = json.dumps(world.tg.text_update(TG_CHAT, text)).encode()
        return world.deliver(tg_path, body, tg_headers)

    # bound, on the first question
    await asyncio.gather(oa_msg(codes[0]), bot_msg(codes[1]), tg_msg(f"/start {codes[2]}"))
    await world.boot.inbox.idle()
    assert any("Câu 1/12" in t for t in world.oa.texts_to(OA_USER))
    assert any("Câu 1/12" in t for t in world.bot.texts_to(BOT_CHAT))
    assert any("Câu 1/12" in m.body for m in world.tg.sent(TG_CHAT))
    before = (len(world.oa.texts_to(OA_USER)), len(world.bot.texts_to(BOT_CHAT)),
              len(world.tg.sent(TG_CHAT)))

    locker, _ = lock_database(world.database_url, LOCKED_SECONDS)
    started = time.monotonic()
    tries = await asyncio.gather(oa_msg("56"), bot_msg("57"), tg_msg("58"))
    locker.join()
    await world.boot.inbox.idle()

    # the platforms had to deliver again while the database was locked
    assert all(t > 1 for t in tries), tries
    assert time.monotonic() - started >= LOCKED_SECONDS - 1
    # every officer got the next question once
    oa_new = world.oa.texts_to(OA_USER)[before[0]:]
    bot_new = world.bot.texts_to(BOT_CHAT)[before[1]:]
    tg_new = [m.body for m in world.tg.sent(TG_CHAT)[before[2]:]]
    for new in (oa_new, bot_new, tg_new):
        assert sum(t.startswith("Câu 2/12") for t in new) == 1, new
    # every answer stored once
    for channel, user, value in (("zalo_oa", OA_USER, 56), ("zalo_bot", BOT_CHAT, 57),
                                 ("telegram", str(TG_CHAT), 58)):
        async with world.boot.uow_factory() as uow:
            conv = await uow.conversations.get(channel, user)
            assert conv is not None and conv.assignment_id is not None
            history = await uow.answers.history(conv.assignment_id)
        assert [(h.question_id, h.new) for h in history if h.new == value] == \
            [("staff", value)], history
    assert not [r for r in caplog.records if r.exc_info], [
        r.getMessage() for r in caplog.records if r.exc_info]
