"""Shared pieces of the Zalo tests: settings pointing at the fakes, and a Zalo user
talking to the bot's web app through the OA webhook or the Bot Platform webhook."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.bootstrap import Bootstrapped, build_app
from bot.channels import zalo_bot, zalo_oa
from bot.clock import FixedClock
from bot.demo import fresh_invites, seed_demo
from bot.settings import Settings
from bot.webapp import create_web_app
from tests.fakes.loopback import serve
from tests.fakes.zalo_bot_api import FakeZaloBot
from tests.fakes.zalo_oa_api import FakeZaloOA, Sent

START = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
USER = "8461527390184620001"


def oa_env(fake: FakeZaloOA, url: str) -> dict[str, str]:
    """The environment that points the bot's OA channel at ``fake`` served at ``url``."""
    return {
        "ZALO_OA_APP_ID": fake.app_id,
        "ZALO_OA_SECRET_KEY": fake.oa_secret_key,
        "ZALO_OA_APP_SECRET": fake.app_secret,
        "ZALO_OA_ACCESS_TOKEN": fake.access_token,
        "ZALO_OA_REFRESH_TOKEN": fake.refresh_token,
        "ZALO_OA_API_URL": url,
        "ZALO_OAUTH_URL": url,
    }


def bot_env(fake: FakeZaloBot, url: str, webhook_url: str = "") -> dict[str, str]:
    env = {"ZALO_BOT_TOKEN": fake.token, "ZALO_BOT_API_URL": url}
    if webhook_url:
        env["ZALO_BOT_WEBHOOK_URL"] = webhook_url
    return env


def patient(boot: Bootstrapped) -> None:
    """Let the webhooks wait for storing and handling their event (a loaded test machine
    may take longer than Zalo's 2 s), so a test sees the replies when the POST returns."""
    assert boot.inbox is not None
    boot.inbox.reply_wait = 30.0
    boot.inbox.store_deadline = 30.0  # a hundred requests at once queue for the database


def settings_with(env: dict[str, str], database_url: str, data_dir: Path) -> Settings:
    values: dict[str, Any] = {k.lower(): v for k, v in env.items()}
    return Settings(database_url=database_url, data_dir=data_dir, secret_key="test-secret",
                    public_url="http://bot.test", **values)


@dataclass
class OAUser:
    """A Zalo user writing to the OA: each message is a signed webhook POST."""

    post: Callable[[bytes, dict[str, str]], Awaitable[httpx.Response]]
    fake: FakeZaloOA
    user_id: str
    seen: int = 0
    last: list[Sent] = field(default_factory=list)
    counter: int = 0

    async def send(self, text: str) -> list[Sent]:
        """Send ``text``; return what the OA sent this user in answer."""
        self.counter += 1
        body, headers = self.fake.event(self.user_id, text, msg_id=f"{self.user_id}-{self.counter}")
        response = await self.post(body, headers)
        assert response.status_code == 200, response.text
        return await self.collect()

    async def collect(self) -> list[Sent]:
        messages = self.fake.messages_to(self.user_id)
        self.last = messages[self.seen:]
        self.seen = len(messages)
        return self.last

    async def tap(self, title: str) -> list[Sent]:
        """Tap the button titled ``title`` in the latest messages (its payload comes
        back as a text message, as Zalo does for ``oa.query.hide``)."""
        for message in reversed(self.last):
            for button in message.buttons:
                if button["title"] == title:
                    return await self.send(button["payload"])
        raise AssertionError(f"no button {title!r} in {[m.message for m in self.last]}")

    @property
    def text(self) -> str:
        return "\n".join(m.text for m in self.last)


@pytest.fixture
def fake_oa() -> Iterator[tuple[FakeZaloOA, str]]:
    fake = FakeZaloOA()
    with serve(fake.app()) as url:
        yield fake, url


@dataclass
class OAWorld:
    boot: Bootstrapped
    fake: FakeZaloOA
    client: httpx.AsyncClient
    invites: dict[str, str]
    database_url: str

    async def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return await self.client.post(zalo_oa.WEBHOOK_PATH, content=body, headers=headers)

    def user(self, user_id: str = USER) -> OAUser:
        return OAUser(self.post, self.fake, user_id)

    @property
    def channel(self) -> zalo_oa.ZaloOAChannel:
        channel = self.boot.channels["zalo_oa"]
        assert isinstance(channel, zalo_oa.ZaloOAChannel)
        return channel

    async def stored_tokens(self) -> dict[str, Any]:
        async with self.boot.uow_factory() as uow:
            state = await uow.channel_state.get(zalo_oa.TOKENS_KEY)
        assert state is not None
        return state


@pytest.fixture
async def oa_world(database_url: str, tmp_path: Path,
                fake_oa: tuple[FakeZaloOA, str]) -> AsyncIterator[OAWorld]:
    fake, url = fake_oa
    clock = FixedClock(START)
    boot = await build_app(settings_with(oa_env(fake, url), database_url, tmp_path),
                           clock=clock, run_migrations=False)
    patient(boot)
    try:
        await seed_demo(boot.uow_factory, boot.templates, clock)
        invites = {i.agency.abbreviation: i.code
                   for i in await fresh_invites(boot.uow_factory, clock)}
        transport = httpx.ASGITransport(app=create_web_app(boot))
        async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as client:
            yield OAWorld(boot, fake, client, invites, database_url)
    finally:
        await boot.aclose()


@pytest.fixture
def fake_bot() -> Iterator[tuple[FakeZaloBot, str]]:
    fake = FakeZaloBot()
    with serve(fake.app()) as url:
        yield fake, url


@dataclass
class BotWorld:
    boot: Bootstrapped
    fake: FakeZaloBot
    client: httpx.AsyncClient
    invites: dict[str, str]

    async def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return await self.client.post(zalo_bot.WEBHOOK_PATH, content=body, headers=headers)

    @property
    def channel(self) -> zalo_bot.ZaloBotChannel:
        channel = self.boot.channels["zalo_bot"]
        assert isinstance(channel, zalo_bot.ZaloBotChannel)
        return channel


@pytest.fixture
async def bot_world(database_url: str, tmp_path: Path,
                    fake_bot: tuple[FakeZaloBot, str]) -> AsyncIterator[BotWorld]:
    """The Bot Platform channel in webhook mode (the webhook registered at the fake)."""
    fake, url = fake_bot
    clock = FixedClock(START)
    env = bot_env(fake, url, webhook_url="https://bot.test/zalo/bot/webhook")
    boot = await build_app(settings_with(env, database_url, tmp_path), clock=clock,
                           run_migrations=False)
    patient(boot)
    try:
        for service in boot.services:
            if getattr(service, "__name__", "") != "run":  # not the inbox, token keeper
                await service()  # webhook mode: registers the webhook and returns
        await seed_demo(boot.uow_factory, boot.templates, clock)
        invites = {i.agency.abbreviation: i.code
                   for i in await fresh_invites(boot.uow_factory, clock)}
        transport = httpx.ASGITransport(app=create_web_app(boot))
        async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as client:
            yield BotWorld(boot, fake, client, invites)
    finally:
        await boot.aclose()


async def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Wait for another process or thread to make ``condition`` true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)  # polling another process, not waiting on app time


def step_reader(uow_factory: Callable[[], Any], channel: str, user_id: str
                ) -> Callable[[], Awaitable[tuple[str | None, dict[str, Any]]]]:
    """``current_step`` for :func:`tests.support.seed003.answer_everything`: the step
    the conversation stored (None once it has left the questionnaire) and the answers."""

    async def current_step() -> tuple[str | None, dict[str, Any]]:
        async with uow_factory() as uow:
            conv = await uow.conversations.get(channel, user_id)
            assert conv is not None and conv.assignment_id is not None
            answers = await uow.answers.get(conv.assignment_id)
        return (conv.step if conv.state == "answering" else None), answers

    return current_step
