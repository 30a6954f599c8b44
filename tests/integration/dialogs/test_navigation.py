"""Moving through the questionnaire: back, relevance, ``sửa N``, continue
(``dialogs/navigation.py``)."""

from __future__ import annotations

from tests.integration.dialogs.conftest import World, bind, fill_all


async def test_back_shows_the_stored_answer_and_keep_moves_on(world: World):
    chat = await bind(world)
    await chat.send("56")
    await chat.send("quay lại")
    assert "Câu 1/12" in chat.text and "Đã trả lời: 56" in chat.text
    await chat.tap_label("Giữ nguyên")
    assert "Câu 2/12" in chat.text


async def test_relevance_skips_questions_that_do_not_apply(world: World):
    chat = await bind(world)
    for answer in ("56", "50"):
        await chat.send(answer)
    await chat.tap_label("Không")
    assert "Câu 4/11 (câu số 5) · II. Dịch vụ" in chat.text  # lan_nodes (4) does not apply


async def test_review_edit_returns_to_review(world: World):
    chat = await bind(world)
    await fill_all(chat)
    await chat.send("sửa 1")
    assert "Câu 1/12" in chat.text and "Đã trả lời: 56" in chat.text
    await chat.send("57")
    assert "XEM LẠI BÁO CÁO" in chat.text
    assert "1. Số CBCC: 57" in chat.text
    assert (await world.answers("SCT"))["staff"] == 57


async def test_continue_from_the_review_returns_to_the_first_open_question(world: World):
    chat = await bind(world)
    await chat.send("56")
    await chat.send("xem lại")
    assert "XEM LẠI BÁO CÁO" in chat.text
    await chat.send("tiếp tục")
    assert "Câu 2/12" in chat.text and "Số CBCC được trang bị máy tính?" in chat.text
    await chat.send("50")
    assert "Câu 3/12" in chat.text
