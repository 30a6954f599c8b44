"""Telegram specifics of a conversation: binding by /start, re-delivered updates,
taps on old keyboards, and what the officer sees of each."""

from __future__ import annotations

from typing import Any

import pytest

from dialogs.loader import load_template
from dialogs.texts import STALE_BUTTON
from tests.e2e.telegram.conftest import Bots, Officer
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.integration.dialogs.conftest import HERE, World, make_world

CHAT = 770_001


@pytest.fixture
async def world(uow_factory: Any) -> World:
    return await make_world(uow_factory, load_template(HERE / "mini.yaml"))


@pytest.fixture
async def officer(world: World, fake: FakeTelegramAPI, bots: Bots) -> Officer:
    bot = await bots.start(world.engine, world.uow_factory, world.clock)
    return Officer(fake, bot, CHAT)


async def state(world: World) -> tuple[str | None, dict[str, Any], int]:
    """(step, answers, number of answer changes) of the officer's conversation."""
    async with world.uow_factory() as uow:
        conv = await uow.conversations.get("telegram", str(CHAT))
        answers = await uow.answers.get(conv.assignment_id)
        history = await uow.answers.history(conv.assignment_id)
    return conv.step, answers, len(history)


async def test_start_without_or_with_a_wrong_code_explains(officer: Officer,
                                                           world: World) -> None:
    hello = officer.text(await officer.say("/start"))
    assert "Vui lòng nhập mã mời do Sở Khoa học và Công nghệ cung cấp" in hello
    wrong = officer.text(await officer.say("/start ABCD-EFGH-JKM"))
    assert "Mã mời không đúng" in wrong
    bound = officer.text(await officer.say(f"/start {world.invites['STC1']}"))
    assert "Anh/Chị đã được liên kết với Sở Tài chính" in bound
    assert "Câu 1/12" in bound
    async with world.uow_factory() as uow:
        found = await uow.identities.officer_for("telegram", str(CHAT))
    assert found is not None and found.agency_id == world.agencies["STC"].id
    assert found.full_name == "Cán bộ 770001"  # the Telegram display name


async def test_a_redelivered_update_is_processed_once(officer: Officer, world: World,
                                                      fake: FakeTelegramAPI) -> None:
    await officer.say(f"/start {world.invites['SCT0']}")
    before = len(fake.sent(CHAT))
    update_id = fake.send_text(CHAT, "56")
    await officer.settle(update_id)
    assert len(fake.sent(CHAT)) == before + 1
    assert "Câu 2/12" in fake.sent(CHAT)[-1].body

    again = fake.inject(fake.update(update_id) or {})  # Telegram sends it once more
    assert again == update_id
    await officer.settle(update_id)
    assert fake.calls_to("getUpdates")[-1].status == 200
    assert len(fake.sent(CHAT)) == before + 1  # nothing answered twice
    step, answers, changes = await state(world)
    assert (step, answers["staff"], changes) == ("q:computers", 56, 1)


async def test_a_tap_on_an_old_keyboard_is_refused_politely_and_changes_nothing(
    officer: Officer, world: World, fake: FakeTelegramAPI
) -> None:
    await officer.say(f"/start {world.invites['SCT0']}")
    await officer.say("56")
    [lan_question] = await officer.say("50")
    shown = lan_question.body
    assert "Đơn vị có mạng LAN không?" in shown
    assert ("Không", "ans:0@q:has_lan") in lan_question.buttons

    await officer.say("có")  # typed instead of tapped: the old keyboard goes away
    assert fake.message(CHAT, lan_question.message_id).reply_markup is None
    before = await state(world)
    assert before[0] == "q:lan_nodes" and before[1]["has_lan"] is True

    # a tap that raced the removal of the keyboard
    refused = await officer.press_data(lan_question.message_id, "ans:0@q:has_lan")
    text = officer.text(refused)
    assert STALE_BUTTON in text
    assert "Số máy tính kết nối mạng LAN?" in text  # and the current question again
    assert await state(world) == before
    assert fake.message(CHAT, lan_question.message_id).body == shown  # not marked "✓ Không"
    assert fake.calls_to("answerCallbackQuery")[-1].status == 200


async def test_a_keyboard_works_once(officer: Officer, world: World,
                                     fake: FakeTelegramAPI) -> None:
    await officer.say(f"/start {world.invites['SCT0']}")
    await officer.say("56")
    [lan_question] = await officer.say("50")
    # two quick taps on the same keyboard, both sent before the bot could close it
    first = fake.callback_update(CHAT, lan_question.message_id, "ans:1@q:has_lan")
    second = fake.callback_update(CHAT, lan_question.message_id, "ans:0@q:has_lan")
    fake.inject(first)
    await officer.settle(fake.inject(second))
    closed = fake.message(CHAT, lan_question.message_id)
    assert closed.reply_markup is None and closed.text is not None
    assert closed.text.endswith("\n\n✓ Có")
    step, answers, changes = await state(world)
    assert (step, answers["has_lan"], changes) == ("q:lan_nodes", True, 3)
    answered = fake.calls_to("answerCallbackQuery")
    assert [c.params.get("text") for c in answered] == [None, "Nút này đã được dùng."]
    assert sum("Câu 4/12" in m.body for m in fake.sent(CHAT)) == 1


async def test_typed_commands_in_english_and_vietnamese(officer: Officer, world: World) -> None:
    await officer.say(f"/start {world.invites['SCT0']}")
    await officer.say("56")
    back = officer.text(await officer.say("/back"))
    assert "Câu 1/12" in back
    review = officer.text(await officer.say("xem lại"))
    assert "XEM LẠI BÁO CÁO" in review
    helped = officer.text(await officer.say("/help"))
    assert "Các lệnh có thể dùng" in helped
