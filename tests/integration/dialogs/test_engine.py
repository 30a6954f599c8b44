"""The engine's turn over real storage: each delivery processed once, nothing kept in
memory, buttons only from the newest keyboard (``dialogs/engine.py``)."""

from __future__ import annotations

from dialogs.engine import Engine
from tests.integration.dialogs.conftest import World, bind, fake_render


async def test_duplicate_delivery_is_processed_once(world: World):
    chat = await bind(world)
    from dialogs.messages import Inbound

    first = await world.engine.handle(Inbound("web", "u1", text="56", message_id="dup-1"))
    second = await world.engine.handle(Inbound("web", "u1", text="57", message_id="dup-1"))
    assert first and second == []
    assert (await world.answers("SCT"))["staff"] == 56
    assert chat is not None


async def test_a_restarted_engine_resumes_at_the_same_question(world: World):
    chat = await bind(world)
    await chat.send("56")
    await chat.send("50")
    fresh = Engine(templates=world.engine.templates, uow_factory=world.uow_factory,
                   clock=world.clock, render=fake_render)
    again = fresh_chat = world.chat("u1")
    fresh_chat.engine = fresh
    await again.send("tiếp tục")
    assert "Câu 3/12" in again.text and "Đơn vị có mạng LAN không?" in again.text


async def test_stale_button_is_refused_and_changes_nothing(world: World):
    chat = await bind(world)
    for answer in ("56", "50"):
        await chat.send(answer)
    yes_no = chat.last
    await chat.tap_label("Có")
    assert "Câu 4/12" in chat.text
    chat.last = yes_no
    await chat.tap_label("Không")  # the old keyboard
    assert "câu hỏi trước đó" in chat.text
    assert (await world.answers("SCT"))["has_lan"] is True
