"""Answering over real storage: what an officer sees and what is stored
(``dialogs/answering.py``)."""

from __future__ import annotations

import datetime as dt

from storage import admin
from tests.integration.dialogs.conftest import World, bind, fill_all, make_world


async def test_valid_answer_is_stored_and_the_next_question_asked(world: World):
    chat = await bind(world)
    await chat.send("1.056")
    assert "Câu 2/12" in chat.text
    assert (await world.answers("SCT"))["staff"] == 1056


async def test_bad_answer_gets_a_vietnamese_message_and_the_same_question(world: World):
    chat = await bind(world)
    await chat.send("56")
    before = await world.answers("SCT")
    for bad in ("năm mươi", "-3", "12,5", "x" * 100_000, "\x00\x01", "😀"):
        await chat.send(bad)
        assert "Câu 2/12" in chat.text, bad
        assert "Số CBCC được trang bị máy tính?" in chat.text
        assert "Vui lòng" in chat.text or "phải" in chat.text, chat.text
    assert await world.answers("SCT") == before


async def test_constraint_violation_is_explained_and_not_stored(world: World):
    chat = await bind(world)
    await chat.send("56")
    await chat.send("60")
    assert "không được lớn hơn tổng số CBCC" in chat.text
    assert "Câu 2/12" in chat.text
    assert "computers" not in await world.answers("SCT")
    await chat.send("56")
    assert "Câu 3/12" in chat.text  # computed share is not asked


async def test_required_question_cannot_be_skipped_optional_can(world: World):
    chat = await bind(world)
    await chat.send("bỏ qua")
    assert "bắt buộc" in chat.text and "Câu 1/12" in chat.text
    for answer in ("56", "50", "có"):
        await chat.send(answer)
    await chat.send("skip")
    assert "Câu 5/12" in chat.text
    assert "lan_nodes" not in await world.answers("SCT")


async def test_whole_questionnaire_values_are_stored_in_their_shapes(world: World):
    chat = await bind(world)
    await fill_all(chat)
    assert "XEM LẠI BÁO CÁO" in chat.text
    answers = await world.answers("SCT")
    assert answers == {
        "staff": 56, "computers": 50, "has_lan": True, "lan_nodes": 48, "model": "shared",
        "measures": ["firewall", "backup"], "started": "2020-04-08", "share_online": 98.88,
        "bandwidth": 30, "docs": {"office": {"total": 25430, "electronic": 23841}},
        "plans": [{"number": "927/KH-SCT", "date": "2021-02-26"}],
        "notes": "- Thiếu kinh phí\n- Thiếu nhân lực",
    }
    assert "25.430" in chat.text and "93,75%" in chat.text  # review shows the computed share


async def test_table_constraint_rejects_the_last_cell(world: World):
    chat = await bind(world)
    for answer in ("56", "50", "không", "1", "1", "08/4/2020", "50", "30", "100"):
        await chat.send(answer)
    await chat.send("120")
    assert "không được lớn hơn tổng số văn bản" in chat.text
    assert (await world.answers("SCT"))["docs"] == {"office": {"total": 100}}


async def test_two_officers_of_one_agency_share_the_report(world: World):
    a = await bind(world, "a", "SCT0")
    b = await bind(world, "b", "SCT1")
    await a.send("56")
    await b.send("tiếp tục")
    assert "Câu 1/12" in b.text and "Đã trả lời: 56" in b.text  # b sees a's answer
    await b.tap_label("Giữ nguyên")
    assert "Câu 2/12" in b.text


async def test_last_periods_answer_is_offered_and_kept(uow_factory, mini_template):
    world = await make_world(uow_factory, mini_template)
    chat = await bind(world)
    await fill_all(chat)
    await chat.send("nộp")
    await chat.send("có")
    assert "Đã nộp" in chat.text
    async with uow_factory() as uow:
        await admin.close_round(uow, world.round_id, now=world.clock.now())
        await admin.open_round(
            uow, template_id="mini", template_version=1, period_label="năm 2027",
            period_start=dt.date(2026, 12, 15), period_end=dt.date(2027, 12, 14),
            deadline=dt.date(2027, 12, 18), agency_ids=[world.agencies["SCT"].id],
            province="Đồng Nai", collector="Sở Khoa học và Công nghệ", now=world.clock.now(),
        )
        await uow.commit()
    await chat.send("tiếp tục")
    assert "Kỳ trước: 56" in chat.text
    await chat.tap_label("Giữ như kỳ trước")
    assert "Câu 2/12" in chat.text


async def test_a_conflicting_edit_is_reported_to_the_second_officer(world: World):
    a = await bind(world, "a", "SCT0")
    b = await bind(world, "b", "SCT1")
    await a.send("56")  # a answers question 1
    await b.send("60")  # b was shown question 1 before a's answer arrived
    assert "vừa được cán bộ khác của đơn vị cập nhật thành: 56" in b.text
    assert "Câu 1/12" in b.text and "Đã trả lời: 56" in b.text
    assert (await world.answers("SCT"))["staff"] == 56
    await b.send("60")  # having seen a's value, b may still change it
    assert "Câu 2/12" in b.text
    assert (await world.answers("SCT"))["staff"] == 60
    async with world.uow_factory() as uow:
        assignment = (await uow.assignments.list_open(world.agencies["SCT"].id))[0]
        history = await uow.answers.history(assignment.id, "staff")
    assert [(h.old, h.new) for h in history] == [(None, 56), (56, 60)]


async def test_simultaneous_first_answers_of_two_officers_lose_nothing(world: World):
    import asyncio

    a = await bind(world, "a", "SCT0")
    b = await bind(world, "b", "SCT1")
    await asyncio.gather(a.send("56"), b.send("57"))
    stored = (await world.answers("SCT"))["staff"]
    loser = b if stored == 56 else a
    winner = a if loser is b else b
    assert "Câu 2/12" in winner.text
    assert f"cập nhật thành: {stored}" in loser.text and "Câu 1/12" in loser.text
    async with world.uow_factory() as uow:
        assignment = (await uow.assignments.list_open(world.agencies["SCT"].id))[0]
        history = await uow.answers.history(assignment.id, "staff")
    assert [(h.old, h.new) for h in history] == [(None, stored)]
