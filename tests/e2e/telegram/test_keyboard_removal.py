"""Old keyboards are retired durably: a removal the bot could not finish before it
stopped (or was killed) is done by the next bot; meanwhile a tap on the old keyboard
is refused and changes nothing. The bot's PTB application against the fake Bot API,
on the real engine and storage (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from dialogs.loader import load_template
from dialogs.texts import STALE_BUTTON
from tests.e2e.telegram.conftest import Bots, Officer
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.integration.dialogs.conftest import HERE, World, make_world

CHAT = 771_001


@pytest.fixture
async def world(uow_factory: Any) -> World:
    return await make_world(uow_factory, load_template(HERE / "mini.yaml"))


async def keyboard_state(world: World) -> dict[str, Any] | None:
    async with world.uow_factory() as uow:
        return await uow.channel_state.get(f"telegram:keyboard:{CHAT}")


def edits_of(fake: FakeTelegramAPI, message_id: int) -> int:
    return sum(c.params.get("message_id") == message_id
               for c in fake.calls_to("editMessageReplyMarkup", CHAT))


async def test_a_removal_cut_short_is_done_by_the_next_bot(
        world: World, fake: FakeTelegramAPI, bots: Bots) -> None:
    first = await bots.start(world.engine, world.uow_factory, world.clock)
    officer = Officer(fake, first, CHAT)
    await officer.say(f"/start {world.invites['SCT0']}")
    await officer.say("56")
    [lan_question] = await officer.say("50")
    assert ("Không", "ans:0@q:has_lan") in lan_question.buttons

    # Telegram cannot be reached for the removal; then the bot goes away
    fake.fail("editMessageReplyMarkup", code=502, description="Bad Gateway", chat_id=CHAT)
    [nodes_question] = await officer.say("có")
    assert "Số máy tính kết nối mạng LAN?" in nodes_question.body
    assert fake.calls_to("editMessageReplyMarkup", CHAT)[-1].status == 502
    assert fake.message(CHAT, lan_question.message_id).reply_markup is not None  # still shown
    assert (await keyboard_state(world) or {}).get("stale") == [lan_question.message_id]
    await first.stop()

    # the next bot (Telegram reachable again) removes it
    second = await bots.start(world.engine, world.uow_factory, world.clock)
    await fake.wait(lambda: fake.message(CHAT, lan_question.message_id).reply_markup is None)
    await second.channel.sender.drain(10)
    assert (await keyboard_state(world) or {}).get("stale") == []  # crossed off
    # a tap that raced the removal is refused by the engine, and changes nothing
    before = len(fake.sent(CHAT))
    tap = fake.press(CHAT, lan_question.message_id, "ans:0@q:has_lan")
    await fake.wait(lambda: fake.is_delivered(tap))  # confirmed once handled
    assert STALE_BUTTON in officer.text(fake.sent(CHAT)[before:])
    async with world.uow_factory() as uow:
        conv = await uow.conversations.get("telegram", str(CHAT))
        answers = await uow.answers.get(conv.assignment_id)
    assert conv.step == "q:lan_nodes" and answers["has_lan"] is True
    # the newest keyboard was left alone
    live = [m.message_id for m in fake.sent(CHAT) if m.buttons]
    assert lan_question.message_id not in live


async def test_a_removal_under_way_at_a_kill_is_done_by_the_next_bot(
        world: World, fake: FakeTelegramAPI, bots: Bots) -> None:
    """The process dies after the reply and before the removal: nothing but the
    stored row remembers the old keyboard."""
    first = await bots.start(world.engine, world.uow_factory, world.clock)
    officer = Officer(fake, first, CHAT)
    await officer.say(f"/start {world.invites['SCT0']}")
    await officer.say("56")
    [lan_question] = await officer.say("50")
    removals = first.channel.sender.removals
    assert removals is not None
    removals.start = lambda *args, **kwargs: None  # type: ignore[method-assign]  # killed first
    await officer.say("có")
    assert fake.message(CHAT, lan_question.message_id).reply_markup is not None
    await first.stop()
    assert edits_of(fake, lan_question.message_id) == 0

    second = await bots.start(world.engine, world.uow_factory, world.clock)
    await fake.wait(lambda: fake.message(CHAT, lan_question.message_id).reply_markup is None)
    await second.channel.sender.drain(10)
    assert (await keyboard_state(world) or {}).get("stale") == []
    assert edits_of(fake, lan_question.message_id) == 1  # removed once
