"""Many officers on one bot (long polling, Telegram's real per-chat pacing): one
officer's long run of replies never delays another officer's answer; each chat's
updates are handled in order; a bot killed mid-batch loses nothing and handles
nothing twice once it runs again."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bot.channels.telegram import TelegramRateLimiter
from dialogs.loader import load_template
from tests.e2e.telegram.conftest import Bots
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.integration.dialogs.conftest import DEFAULT_AGENCIES, HERE, World, make_world

AGENCIES = tuple(
    {**DEFAULT_AGENCIES[0], "name": f"Sở số {n}", "abbreviation": f"S{n}"} for n in range(6)
)
#: what each officer types after binding, and the question each answer leads to
ANSWERS = [("56", "Câu 2/12"), ("50", "Câu 3/12"), ("có", "Câu 4/12"), ("40", "Câu 5/12")]


@pytest.fixture
async def world(uow_factory: Any) -> World:
    return await make_world(uow_factory, load_template(HERE / "mini.yaml"), agencies=AGENCIES)


async def bind_all(world: World, fake: FakeTelegramAPI, chats: list[int]) -> None:
    ids = [fake.send_text(chat, f"/start {world.invites[f'S{n}0']}")
           for n, chat in enumerate(chats)]
    for update_id in ids:
        await fake.wait_confirmed(update_id, timeout=30)
    await fake.wait(lambda: all(fake.sent(c) for c in chats), timeout=30)


async def test_one_officers_long_reply_does_not_delay_another(
        world: World, fake: FakeTelegramAPI, bots: Bots) -> None:
    await bots.start(world.engine, world.uow_factory, world.clock,
                     rate_limiter=TelegramRateLimiter())  # real time, 1 message/s a chat
    busy, other = 7001, 7002
    await bind_all(world, fake, [busy, other])
    await asyncio.sleep(1.1)  # both chats' pacing windows are free again
    # The busy officer asks for the review and help several times in a row: about six
    # seconds of replies, paced one a second in that chat.
    sent_before = len(fake.sent(busy))
    for text in ("xem lại", "trợ giúp", "xem lại", "trợ giúp", "xem lại", "trợ giúp"):
        fake.send_text(busy, text)
    await fake.wait(lambda: len(fake.sent(busy)) > sent_before + 1, timeout=10)
    asked = time.monotonic()  # the busy chat is being paced now
    fake.send_text(other, "56")
    reply = await fake.wait(lambda: [m for m in fake.sent(other) if "Câu 2/12" in m.body],
                            timeout=10)
    assert reply[0].at - asked <= 1.5, "the other officer waited for the busy chat"
    assert len(fake.sent(busy)) < sent_before + 6  # the busy chat was still being served
    await fake.wait(lambda: len(fake.sent(busy)) >= sent_before + 6, timeout=20)
    bodies = [m.body for m in fake.sent(busy)[sent_before:]]
    kinds = ["XEM LẠI" if "XEM LẠI BÁO CÁO" in b else "HELP" for b in bodies]
    assert kinds == ["XEM LẠI", "HELP"] * 3  # one chat: in the order it wrote


async def test_killed_mid_batch_nothing_lost_nothing_twice(
        world: World, fake: FakeTelegramAPI, bots: Bots) -> None:
    chats = [7100 + n for n in range(6)]
    first = await bots.start(world.engine, world.uow_factory, world.clock)
    await bind_all(world, fake, chats)
    for answer, _ in ANSWERS:
        for chat in chats:
            fake.send_text(chat, answer)
    # kill it while the batch is being handled: whatever is unfinished is abandoned
    await fake.wait(lambda: sum(len(fake.sent(c)) for c in chats) >= len(chats) + 5,
                    timeout=30)
    first.stop_grace = 0.0
    await first.stop()
    bots.started.remove(first)
    assert fake.pending_updates() > 0, "the test should kill the bot mid-batch"

    await bots.start(world.engine, world.uow_factory, world.clock)
    await fake.wait(lambda: fake.pending_updates() == 0, timeout=60)
    await fake.wait(lambda: all("Câu 5/12" in fake.sent(c)[-1].body for c in chats
                                if fake.sent(c)), timeout=30)
    for chat in chats:
        async with world.uow_factory() as uow:
            conv = await uow.conversations.get("telegram", str(chat))
            answers = await uow.answers.get(conv.assignment_id)
        # every answer stored once, in order: a repeat would have answered the next question
        assert answers == {"staff": 56, "computers": 50, "has_lan": True, "lan_nodes": 40}
        assert conv.step == "q:model"
        bodies = [m.body for m in fake.sent(chat)]
        assert not any("không hợp lệ" in b or "Vui lòng nhập" in b for b in bodies), bodies
        numbers = [int(b.split("/")[0].split()[-1]) for b in bodies if b.startswith("Câu ")]
        assert numbers == sorted(numbers), f"chat {chat} answered out of order: {numbers}"
