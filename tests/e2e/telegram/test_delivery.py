"""Queued notices (the outbox) delivered through the Telegram channel: a blocked user
is a permanent failure, an outage is retried, a half-sent notice is finished later
without sending its first part twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.channels.telegram.convert import TextPart, plan
from bot.outbox import Dispatcher
from dialogs.loader import load_template
from dialogs.messages import Button, Outbound
from tests.e2e.telegram.conftest import Bots
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.integration.dialogs.conftest import HERE, World, make_world

NOTICE = Outbound("Đợt báo cáo năm 2026 đã mở, hạn nộp 18/12/2026.",
                  [[Button("Tiếp tục trả lời", "cmd:continue")]])


@pytest.fixture
async def world(uow_factory: Any) -> World:
    return await make_world(uow_factory, load_template(HERE / "mini.yaml"))


@pytest.fixture
async def dispatcher(world: World, bots: Bots) -> Dispatcher:
    bot = await bots.start(world.engine, world.uow_factory, world.clock)
    assert (bot.channel.name, bot.channel.window) == ("telegram", None)
    return Dispatcher({"telegram": bot.channel}, world.uow_factory, world.clock)


async def queue(world: World, user_id: str, key: str, *messages: Outbound) -> None:
    async with world.uow_factory() as uow:
        await uow.outbox.enqueue("telegram", user_id, list(messages), now=world.clock.now(),
                          dedupe_key=key)
        await uow.commit()


async def status(world: World, key: str) -> str | None:
    async with world.uow_factory() as uow:
        return await uow.outbox.status(key)


async def test_a_notice_arrives_with_its_keyboard(world: World, fake: FakeTelegramAPI,
                                                  dispatcher: Dispatcher) -> None:
    await queue(world, "301", "n1", NOTICE)
    assert await dispatcher.run_once() == 1
    [message] = fake.sent(301)
    assert message.text == NOTICE.text
    assert message.buttons == [("Tiếp tục trả lời", "cmd:continue")]
    assert await status(world, "n1") == "delivered"


async def test_a_user_who_blocked_the_bot_is_not_retried(world: World, fake: FakeTelegramAPI,
                                                         dispatcher: Dispatcher) -> None:
    fake.block(302)
    fake.fail("sendMessage", code=400, description="Bad Request: chat not found", chat_id=303)
    await queue(world, "302", "blocked", NOTICE)
    await queue(world, "303", "gone", NOTICE)
    assert await dispatcher.run_once() == 0
    world.clock.advance(dt.timedelta(hours=3))
    assert await dispatcher.run_once() == 0
    assert await status(world, "blocked") == "failed"
    assert await status(world, "gone") == "failed"
    assert fake.sent() == []


async def test_an_outage_is_retried_later(world: World, fake: FakeTelegramAPI,
                                          dispatcher: Dispatcher) -> None:
    fake.fail("sendMessage", code=502, description="Bad Gateway")
    await queue(world, "304", "outage", NOTICE)
    assert await dispatcher.run_once() == 0
    assert await status(world, "outage") == "queued"
    world.clock.advance(dt.timedelta(minutes=1))
    assert await dispatcher.run_once() == 1
    assert [m.text for m in fake.sent(304)] == [NOTICE.text]


async def test_a_half_sent_notice_is_finished_later_without_repeating(
    world: World, fake: FakeTelegramAPI, dispatcher: Dispatcher
) -> None:
    long_text = "\n".join(f"{i}. Sở {i} chưa nộp báo cáo." + " …" * 40 for i in range(55))
    expected = plan([Outbound(long_text), NOTICE])
    assert len(expected) == 3  # two parts of the long text, then the notice
    fake.fail("sendMessage", code=502, description="Bad Gateway", after=1)
    await queue(world, "305", "long", Outbound(long_text), NOTICE)
    assert await dispatcher.run_once() == 1  # the first part went out
    assert len(fake.sent(305)) == 1
    world.clock.advance(dt.timedelta(minutes=1))
    assert await dispatcher.run_once() == 1  # the rest, queued on its own
    sent = fake.sent(305)
    first = expected[0]
    assert isinstance(first, TextPart) and sent[0].text == first.text  # sent once, not again
    everything = "\n".join(m.text or "" for m in sent)
    assert all(everything.count(f"\n{i}. Sở {i} chưa") == 1 for i in range(1, 55))
    assert everything.endswith(NOTICE.text) and sent[-1].buttons
    assert all(len(m.text or "") <= 4096 for m in sent)
    world.clock.advance(dt.timedelta(hours=1))
    assert await dispatcher.run_once() == 0
