"""While one chat's update is slow, the poller keeps fetching: another chat's update
is answered at once, yet Telegram's offset stays at the slow (oldest unfinished)
update until it is done — a crash meanwhile would hand both out again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.channels.telegram.handlers import ALLOWED_UPDATES
from bot.channels.telegram.polling import UpdatePoller
from tests.fakes.telegram_api import FakeTelegramAPI


@pytest.fixture
def fake() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI() as api:
        yield api


@pytest.fixture
async def app(fake: FakeTelegramAPI) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    application = (ApplicationBuilder().token(fake.token).base_url(fake.base_url)
                   .base_file_url(fake.base_file_url).updater(None).build())
    await application.initialize()
    yield application
    await application.shutdown()


async def test_a_slow_chat_holds_the_offset_but_not_the_other_chats(
        fake: FakeTelegramAPI, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    release, started = asyncio.Event(), asyncio.Event()

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None
        if message.text == "chậm":
            started.set()
            await release.wait()
        await message.reply_text(f"đã nhận: {message.text}")

    app.add_handler(MessageHandler(filters.TEXT, on_text))
    poller = UpdatePoller(app, timeout=1, allowed_updates=ALLOWED_UPDATES, busy_poll=0.05)
    poller.start()
    try:
        slow = fake.send_text(1, "chậm")
        await asyncio.wait_for(started.wait(), 10)
        fast = fake.send_text(2, "nhanh")
        await fake.wait(lambda: [m.text for m in fake.sent(2)] == ["đã nhận: nhanh"])
        later = fake.send_text(2, "nữa")  # the same chat again, still not blocked
        await fake.wait(lambda: len(fake.sent(2)) == 2)
        assert not fake.is_delivered(slow) and not fake.is_delivered(fast)
        assert not fake.is_delivered(later)  # confirmed only up to the oldest unfinished
        assert fake.sent(1) == []
        release.set()
        await fake.wait(lambda: fake.is_delivered(later))
        assert [m.text for m in fake.sent(1)] == ["đã nhận: chậm"]
        assert [m.text for m in fake.sent(2)] == ["đã nhận: nhanh", "đã nhận: nữa"]  # once each
    finally:
        await poller.stop()
