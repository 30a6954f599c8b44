"""Binding a chat with an invite code (``dialogs/binding.py``)."""

from __future__ import annotations

import datetime as dt

from tests.integration.dialogs.conftest import World, bind


async def test_unbound_user_is_asked_for_an_invite_and_a_wrong_code_is_refused(world: World):
    chat = world.chat("u1")
    await chat.send("/start")
    assert "mã mời" in chat.text
    await chat.send("SCT-XXXX-XXXX")
    assert "Mã mời không đúng" in chat.text
    await chat.send(world.invites["SCT0"])
    assert "Anh/Chị đã được liên kết với Sở Công Thương" in chat.text
    assert "Câu 1/12 · I. Thông tin chung" in chat.text
    assert "Tổng số cán bộ, công chức của đơn vị?" in chat.text


async def test_a_used_invite_cannot_bind_a_second_person(world: World):
    await bind(world, "u1")
    other = world.chat("u2")
    await other.send(world.invites["SCT0"])
    assert "đã được sử dụng" in other.text


async def test_wrong_invite_codes_are_throttled_per_identity(world: World):
    chat = world.chat("guesser")
    for i in range(5):
        await chat.send(f"AAAA-BBBB-CC{i}")
        assert "Mã mời không đúng" in chat.text
    await chat.send(world.invites["SCT0"])  # even a right code waits now
    assert "sai mã quá nhiều lần" in chat.text
    world.clock.advance(dt.timedelta(minutes=16))
    await chat.send(world.invites["SCT0"])
    assert "liên kết với Sở Công Thương" in chat.text


async def test_an_identity_bound_outside_the_chat_continues_without_error(world: World):
    async with world.uow_factory() as uow:  # e.g. bound by an operator tool, no conversation
        code = world.invites["STC0"]
        await uow.invites.bind(code, "web", "pre-bound", None, world.clock.now())
        await uow.commit()
    chat = world.chat("pre-bound")
    await chat.send("tiếp tục")
    assert "Câu 1/12" in chat.text
