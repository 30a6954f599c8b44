"""The real PTB Application, against the fake Bot API over loopback HTTP, on the
real engine and storage (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.channels.telegram import TelegramBot, TelegramRateLimiter
from tests.fakes.telegram_api import BotMessage, FakeTelegramAPI


class VirtualTime:
    """The rate limiter's clock for tests that are not about pacing: waiting is free."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waited = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        self.waited += max(0.0, seconds)
        await asyncio.sleep(0)


@pytest.fixture
def fake() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI() as api:
        yield api


def virtual_limiter() -> TelegramRateLimiter:
    time = VirtualTime()
    return TelegramRateLimiter(monotonic=time.monotonic, sleep=time.sleep)


@dataclass
class Officer:
    """One Telegram user talking to the running bot through the fake."""

    fake: FakeTelegramAPI
    bot: TelegramBot
    chat_id: int
    taps: list[tuple[int, str]] = field(default_factory=list)  # (message id, label)
    typed: int = 0

    async def settle(self, update_id: int) -> None:
        """Until the bot has fetched the update and finished handling it."""
        await self.fake.wait_confirmed(update_id)
        await asyncio.wait_for(self.bot.application.update_queue.join(), 10)
        await self.bot.channel.sender.drain(10)  # old keyboards go after the reply

    async def say(self, text: str) -> list[BotMessage]:
        before = len(self.fake.sent(self.chat_id))
        await self.settle(self.fake.send_text(self.chat_id, text))
        self.typed += 1
        return self.fake.sent(self.chat_id)[before:]

    async def press(self, message: BotMessage, label: str) -> list[BotMessage]:
        """Tap the button ``label`` shown under ``message``."""
        return await self.press_data(message.message_id, dict(message.buttons)[label], label)

    async def press_data(self, message_id: int, data: str, label: str = "") -> list[BotMessage]:
        """A tap carrying ``data`` on message ``message_id`` (shown or not any more)."""
        before = len(self.fake.sent(self.chat_id))
        await self.settle(self.fake.press(self.chat_id, message_id, data))
        self.taps.append((message_id, label or data))
        return self.fake.sent(self.chat_id)[before:]

    async def tap(self, label: str) -> list[BotMessage]:
        """Tap ``label`` on the newest keyboard that offers it."""
        for message in reversed(self.fake.sent(self.chat_id)):
            if label in dict(message.buttons):
                return await self.press(message, label)
        raise AssertionError(f"no button {label!r} in chat {self.chat_id}")

    def text(self, messages: list[BotMessage]) -> str:
        return "\n".join(m.body for m in messages)


class Bots:
    """Starts bots against the fake; stops them when the test ends."""

    def __init__(self, fake: FakeTelegramAPI) -> None:
        self.fake = fake
        self.started: list[TelegramBot] = []

    async def start(self, engine: Any, uow_factory: Any, clock: Any, **options: Any
                    ) -> TelegramBot:
        options.setdefault("rate_limiter", virtual_limiter())
        bot = TelegramBot(token=self.fake.token, handle=engine.handle, uow_factory=uow_factory,
                          clock=clock, api_url=self.fake.url, poll_timeout=1, **options)
        await bot.start()
        self.started.append(bot)
        return bot


@pytest.fixture
async def bots(fake: FakeTelegramAPI) -> AsyncIterator[Bots]:
    started = Bots(fake)
    yield started
    for bot in started.started:
        await bot.stop()
