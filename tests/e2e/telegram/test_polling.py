"""Long polling confirms an update to Telegram only once it has been handled, so a bot
stopped (or killed) mid-batch loses nothing: the next one gets the update again and
answers it once. The bot's PTB application against the fake Bot API, on the real
engine and storage (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from dialogs.loader import load_template
from dialogs.messages import Inbound, Outbound
from tests.e2e.telegram.conftest import Bots, Officer
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.integration.dialogs.conftest import HERE, World, make_world

CHAT = 990_001


class Gate:
    """The engine behind a gate: while closed, a turn waits before reaching the engine
    (an update whose handling is still in progress)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.closed = False
        self.entered = asyncio.Event()
        self.opened = asyncio.Event()

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        if self.closed:
            self.entered.set()
            await self.opened.wait()
        replies: list[Outbound] = await self.engine.handle(inbound)
        return replies


@pytest.fixture
async def world(uow_factory: Any) -> World:
    return await make_world(uow_factory, load_template(HERE / "mini.yaml"))


@pytest.fixture
async def gates(bots: Bots) -> AsyncIterator[list[Gate]]:
    """Gates to open before the bots stop, so a failing test does not hang there."""
    made: list[Gate] = []
    yield made
    for gate in made:
        gate.opened.set()


async def state(world: World) -> tuple[str | None, list[tuple[str, Any]]]:
    """(step, [(question, new value) of every stored change])."""
    async with world.uow_factory() as uow:
        conv = await uow.conversations.get("telegram", str(CHAT))
        assert conv is not None and conv.assignment_id is not None
        history = await uow.answers.history(conv.assignment_id)
    return conv.step, [(h.question_id, h.new) for h in history]


async def bound_officer(world: World, fake: FakeTelegramAPI, bots: Bots, gates: list[Gate],
                        **options: Any) -> tuple[Officer, Gate]:
    """A bot whose engine sits behind a (still open) gate; the officer bound by it."""
    gate = Gate(world.engine)
    gates.append(gate)
    bot = await bots.start(gate, world.uow_factory, world.clock, **options)
    officer = Officer(fake, bot, CHAT)
    [bound] = await officer.say(f"/start {world.invites['SCT0']}")
    assert "Câu 1/12" in bound.body
    return officer, gate


async def test_an_update_is_confirmed_only_after_its_reply_went_out(
        world: World, fake: FakeTelegramAPI, bots: Bots, gates: list[Gate]) -> None:
    _, gate = await bound_officer(world, fake, bots, gates)
    gate.closed = True
    update_id = fake.send_text(CHAT, "56")
    await asyncio.wait_for(gate.entered.wait(), 10)

    # being handled: still unconfirmed, however long it takes (several long polls' time)
    with pytest.raises(AssertionError, match="condition not met"):
        await fake.wait_confirmed(update_id, timeout=2.5)
    assert not fake.is_delivered(update_id) and fake.pending_updates() == 1
    assert len(fake.sent(CHAT)) == 1  # no reply yet

    gate.opened.set()
    await fake.wait(lambda: fake.is_delivered(update_id))
    [reply] = fake.sent(CHAT)[1:]
    assert reply.body.startswith("Câu 2/12")
    confirming = await fake.wait(lambda: [c for c in fake.calls_to("getUpdates")
                                          if (c.params.get("offset") or 0) > update_id])
    assert reply.at < min(c.at for c in confirming)  # replied first, then confirmed
    assert await state(world) == ("q:computers", [("staff", 56)])


async def test_an_update_abandoned_at_stop_is_answered_once_by_the_next_bot(
        world: World, fake: FakeTelegramAPI, bots: Bots, gates: list[Gate]) -> None:
    officer, gate = await bound_officer(world, fake, bots, gates, stop_grace=0.1)
    gate.closed = True
    update_id = fake.send_text(CHAT, "56")
    await asyncio.wait_for(gate.entered.wait(), 10)
    await officer.bot.stop()  # the grace runs out: the turn is abandoned mid-way

    assert not fake.is_delivered(update_id) and fake.pending_updates() == 1
    assert len(fake.sent(CHAT)) == 1
    assert await state(world) == ("q:staff", [])  # nothing stored

    restarted = await bots.start(world.engine, world.uow_factory, world.clock)
    await Officer(fake, restarted, CHAT).settle(update_id)  # Telegram hands it out again
    [reply] = fake.sent(CHAT)[1:]  # answered, and once
    assert reply.body.startswith("Câu 2/12")
    assert fake.is_delivered(update_id)
    assert await state(world) == ("q:computers", [("staff", 56)])  # stored once
    # each bot made sure no webhook was set, keeping the pending updates
    assert [str(c.params.get("drop_pending_updates")).lower()
            for c in fake.calls_to("deleteWebhook")] == ["false", "false"]


async def test_a_stopping_bot_finishes_and_confirms_the_update_in_hand(
        world: World, fake: FakeTelegramAPI, bots: Bots, gates: list[Gate]) -> None:
    officer, gate = await bound_officer(world, fake, bots, gates)
    gate.closed = True
    update_id = fake.send_text(CHAT, "56")
    await asyncio.wait_for(gate.entered.wait(), 10)
    stopping = asyncio.create_task(officer.bot.stop())
    done, _ = await asyncio.wait({stopping}, timeout=0.3)
    assert not done  # waits for the turn in hand

    gate.opened.set()
    await asyncio.wait_for(stopping, 10)
    [reply] = fake.sent(CHAT)[1:]
    assert reply.body.startswith("Câu 2/12")
    assert fake.is_delivered(update_id)  # confirmed on the way out
    polls = len(fake.calls_to("getUpdates"))

    restarted = await bots.start(world.engine, world.uow_factory, world.clock)
    await fake.wait(lambda: len(fake.calls_to("getUpdates")) > polls)  # it polls …
    assert len(fake.sent(CHAT)) == 2  # … and gets nothing to answer again
    assert await state(world) == ("q:computers", [("staff", 56)])
    [carried_on] = await Officer(fake, restarted, CHAT).say("50")
    assert carried_on.body.startswith("Câu 3/12")
