"""On Telegram, an officer of an agency with two open reports submits one and goes
straight on to the other from the chat; after the submission no keyboard of the chat
can be tapped. The bot's PTB application against the fake Bot API, on the real engine
and storage (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from dialogs.loader import load_template
from storage import admin
from tests.e2e.telegram.conftest import Bots
from tests.fakes.telegram_api import BotMessage, FakeTelegramAPI
from tests.integration.dialogs.conftest import DEFAULT_ROUND, HERE, World, fill_all, make_world

CHAT = 772_001


@pytest.fixture
async def world(uow_factory: Any) -> World:
    """Two open rounds of the same agencies (the second: another period)."""
    made = await make_world(uow_factory, load_template(HERE / "mini.yaml"))
    template = load_template(HERE / "mini.yaml")
    async with made.uow_factory() as uow:
        await admin.open_round(
            uow, template_id=template.id, template_version=template.version,
            agency_ids=[a.id for a in made.agencies.values()], now=made.clock.now(),
            **{**DEFAULT_ROUND, "period_label": "6 tháng đầu năm 2026"})
        await uow.commit()
    return made


class Chat:
    def __init__(self, fake: FakeTelegramAPI, bot: Any) -> None:
        self.fake = fake
        self.bot = bot
        self.last: list[BotMessage] = []

    async def send(self, text: str) -> list[BotMessage]:
        before = len(self.fake.sent(CHAT))
        update_id = self.fake.send_text(CHAT, text)
        await self.fake.wait(lambda: self.fake.is_delivered(update_id))  # handled
        await self.bot.channel.sender.drain(10)
        self.last = self.fake.sent(CHAT)[before:]
        return self.last

    async def tap(self, label: str) -> list[BotMessage]:
        before = len(self.fake.sent(CHAT))
        update_id = self.fake.tap(CHAT, label)
        await self.fake.wait(lambda: self.fake.is_delivered(update_id))
        await self.bot.channel.sender.drain(10)
        self.last = self.fake.sent(CHAT)[before:]
        return self.last

    @property
    def text(self) -> str:
        return "\n".join(m.body for m in self.last)


async def test_an_officer_submits_one_report_and_goes_on_to_the_next(
        world: World, fake: FakeTelegramAPI, bots: Bots) -> None:
    bot = await bots.start(world.engine, world.uow_factory, world.clock)
    chat = Chat(fake, bot)
    await chat.send(f"/start {world.invites['SCT0']}")
    assert "2 báo cáo đang mở" in chat.text
    await chat.send("2")  # the number as typed
    assert "Câu 1/12" in chat.text
    await fill_all(chat)
    assert "XEM LẠI BÁO CÁO" in chat.text
    await chat.send("nộp")
    await chat.tap("Xác nhận nộp")
    assert "Đã nộp báo cáo (bản 1)" in chat.text and "còn 1 báo cáo đang mở" in chat.text
    assert any(m.document is not None for m in chat.last)
    live = [m.message_id for m in fake.sent(CHAT) if m.buttons]
    assert live == [], "after the submission no keyboard of the chat can be tapped"

    await chat.send("1")
    assert "Câu 1/12" in chat.text and "đã được nộp" not in chat.text
    assert fake.last_keyboard(CHAT) == chat.last[-1]  # the new question's, alone
    assert [m.message_id for m in fake.sent(CHAT) if m.buttons] == [chat.last[-1].message_id]
