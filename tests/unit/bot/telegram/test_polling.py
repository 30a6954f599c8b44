"""The polling loop rides out Bot API failures (502, 500, 429 ``retry_after``) with
back-off and keeps going when a handler fails; one chat's updates are handled in
order, other chats alongside. A PTB application against the fake Bot API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.channels.telegram.handlers import ALLOWED_UPDATES
from bot.channels.telegram.polling import UpdatePoller
from tests.fakes.telegram_api import ApiError, FakeTelegramAPI


class FlakyAPI(FakeTelegramAPI):
    """The fake Bot API whose next getUpdates calls answer the queued errors."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: list[ApiError] = []

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._cond:
            failure = self.failures.pop(0) if self.failures else None
        if failure is not None:
            raise failure
        return super()._get_updates(params)


class Handled:
    """A bot that answers "đã nhận: <text>", and fails on "lỗi"."""

    def __init__(self) -> None:
        self.log: list[tuple[str, int, str]] = []  # ("start" | "end", chat, text)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None and message.text is not None
        self.log.append(("start", message.chat.id, message.text))
        if message.text == "lỗi":
            raise RuntimeError("handler failed")
        await message.reply_text(f"đã nhận: {message.text}")
        self.log.append(("end", message.chat.id, message.text))


@pytest.fixture
def fake() -> Any:
    with FlakyAPI() as api:
        yield api


@pytest.fixture
async def app(fake: FlakyAPI) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    application = (ApplicationBuilder().token(fake.token).base_url(fake.base_url)
                   .base_file_url(fake.base_file_url).updater(None).build())
    await application.initialize()
    yield application
    await application.shutdown()


async def test_failures_are_retried_with_back_off_and_a_failing_handler_is_survived(
        fake: FlakyAPI, app: Application[Any, Any, Any, Any, Any, Any],
        caplog: pytest.LogCaptureFixture) -> None:
    handled = Handled()
    app.add_handler(MessageHandler(filters.TEXT, handled.on_text))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:  # virtual time: waiting is free
        waits.append(seconds)
        await asyncio.sleep(0)

    fake.failures += [ApiError(502, "Bad Gateway"), ApiError(500, "Internal Server Error"),
                      ApiError(429, "Too Many Requests: retry after 7", {"retry_after": 7})]
    ids = [fake.send_text(1, "lỗi"), fake.send_text(1, "một"), fake.send_text(2, "hai")]
    poller = UpdatePoller(app, timeout=1, allowed_updates=ALLOWED_UPDATES, sleep=sleep)
    poller.start()
    try:
        for update_id in ids:
            await fake.wait(lambda u=update_id: fake.is_delivered(u))
        assert waits == [1.0, 2.0, 7.0]  # doubling, then what Telegram asked for
        assert [m.text for m in fake.sent(1)] == ["đã nhận: một"]  # after the failed one
        assert [m.text for m in fake.sent(2)] == ["đã nhận: hai"]
        assert "Bad Gateway" in caplog.text and "(429)" in caplog.text
        assert any(r.levelno >= logging.ERROR and "handler failed" in str(r.exc_info)
                   for r in caplog.records)  # PTB's own report of the failing handler

        fake.failures.append(ApiError(502, "Bad Gateway"))  # after a success: 1 s again
        update_id = fake.send_text(2, "ba")
        await fake.wait(lambda: fake.is_delivered(update_id))
        assert waits == [1.0, 2.0, 7.0, 1.0]
        assert [m.text for m in fake.sent(2)] == ["đã nhận: hai", "đã nhận: ba"]
        assert poller.running
    finally:
        await poller.stop()
    assert not poller.running


async def test_one_chat_in_order_other_chats_alongside(
        fake: FlakyAPI, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    handled = Handled()
    app.add_handler(MessageHandler(filters.TEXT, handled.on_text))
    ids = [fake.send_text(chat, f"{chat}-{n}") for n in range(3) for chat in (1, 2)]
    poller = UpdatePoller(app, timeout=1, allowed_updates=ALLOWED_UPDATES)
    poller.start()
    try:
        await fake.wait(lambda: fake.is_delivered(ids[-1]))
    finally:
        await poller.stop()
    for chat in (1, 2):
        mine = [(what, text) for what, c, text in handled.log if c == chat]
        assert mine == [(what, f"{chat}-{n}") for n in range(3) for what in ("start", "end")]
        assert [m.text for m in fake.sent(chat)] == [f"đã nhận: {chat}-{n}" for n in range(3)]
    # chat 2 did not wait for chat 1's first update to be answered
    assert handled.log.index(("start", 2, "2-0")) < handled.log.index(("end", 1, "1-0"))
