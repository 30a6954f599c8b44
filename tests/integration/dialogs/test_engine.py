"""The conversation engine over real storage: what an officer sees and what is stored."""

from __future__ import annotations

import datetime as dt

from dialogs.engine import Engine
from storage import admin
from tests.integration.dialogs.conftest import World, fake_render, make_world


async def bind(world: World, user: str = "u1", invite: str = "SCT0"):
    chat = world.chat(user)
    await chat.send(world.invites[invite])
    return chat


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


async def test_required_question_cannot_be_skipped_optional_can(world: World):
    chat = await bind(world)
    await chat.send("bỏ qua")
    assert "bắt buộc" in chat.text and "Câu 1/12" in chat.text
    for answer in ("56", "50", "có"):
        await chat.send(answer)
    await chat.send("skip")
    assert "Câu 5/12" in chat.text
    assert "lan_nodes" not in await world.answers("SCT")


async def fill_all(chat) -> None:
    await chat.send("56")
    await chat.send("50")
    await chat.send("có")
    await chat.send("48")
    await chat.send("1")  # select_one by number
    await chat.send("1, 3")
    await chat.send("08/4/2020")
    await chat.send("98,88%")
    await chat.send("30")
    await chat.send("25.430")  # table: total
    await chat.send("23.841")  # table: electronic
    await chat.send("thêm")  # repeat: add an item
    await chat.send("927/KH-SCT")
    await chat.send("26/2/2021")
    await chat.send("xong")
    await chat.send("- Thiếu kinh phí\n- Thiếu nhân lực")


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


async def test_review_edit_returns_to_review(world: World):
    chat = await bind(world)
    await fill_all(chat)
    await chat.send("sửa 1")
    assert "Câu 1/12" in chat.text and "Đã trả lời: 56" in chat.text
    await chat.send("57")
    assert "XEM LẠI BÁO CÁO" in chat.text
    assert "1. Số CBCC: 57" in chat.text
    assert (await world.answers("SCT"))["staff"] == 57


async def test_submit_is_refused_with_the_list_of_missing_answers(world: World):
    chat = await bind(world)
    await chat.send("56")
    await chat.send("nộp")
    assert "Chưa thể nộp báo cáo" in chat.text
    assert "Câu 2 · CBCC có máy tính: chưa trả lời" in chat.text
    assert "Câu 10 · Số văn bản trong kỳ: chưa trả lời" in chat.text


async def test_submit_confirms_then_delivers_the_document(world: World):
    chat = await bind(world)
    await fill_all(chat)
    await chat.send("nộp")
    assert "xác nhận nộp báo cáo" in chat.text
    await chat.tap_label("Xác nhận nộp")
    assert "Đã nộp báo cáo (bản 1)" in chat.text
    document = next(m.document for m in chat.last if m.document)
    async with world.uow_factory() as uow:
        _, data = await uow.submissions.docx(document.submission_id)
    assert data.startswith(b"DOCX mini SCT")
    await chat.send("56")  # after submission nothing can change
    assert "đã được nộp" in chat.text


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


async def test_duplicate_delivery_is_processed_once(world: World):
    chat = await bind(world)
    from dialogs.messages import Inbound

    first = await world.engine.handle(Inbound("web", "u1", text="56", message_id="dup-1"))
    second = await world.engine.handle(Inbound("web", "u1", text="57", message_id="dup-1"))
    assert first and second == []
    assert (await world.answers("SCT"))["staff"] == 56
    assert chat is not None


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


async def test_continue_from_the_review_returns_to_the_first_open_question(world: World):
    chat = await bind(world)
    await chat.send("56")
    await chat.send("xem lại")
    assert "XEM LẠI BÁO CÁO" in chat.text
    await chat.send("tiếp tục")
    assert "Câu 2/12" in chat.text and "Số CBCC được trang bị máy tính?" in chat.text
    await chat.send("50")
    assert "Câu 3/12" in chat.text


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


async def test_two_submits_at_once_make_one_submission(world: World):
    import asyncio

    a = await bind(world, "a", "SCT0")
    b = await bind(world, "b", "SCT1")
    await fill_all(a)
    await a.send("nộp")
    await b.send("nộp")
    assert "xác nhận nộp" in a.text and "xác nhận nộp" in b.text
    await asyncio.gather(a.tap_label("Xác nhận nộp"), b.tap_label("Xác nhận nộp"))
    texts = [a.text, b.text]
    assert sum("Đã nộp báo cáo (bản 1)" in t for t in texts) == 1
    assert sum("đã được nộp" in t for t in texts) == 1
    async with world.uow_factory() as uow:
        assignment = (await uow.assignments.list_open(world.agencies["SCT"].id))[0]
        assert len(await uow.submissions.list(assignment.id)) == 1


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


async def test_an_identity_bound_outside_the_chat_continues_without_error(world: World):
    async with world.uow_factory() as uow:  # e.g. bound by an operator tool, no conversation
        code = world.invites["STC0"]
        await uow.invites.bind(code, "web", "pre-bound", None, world.clock.now())
        await uow.commit()
    chat = world.chat("pre-bound")
    await chat.send("tiếp tục")
    assert "Câu 1/12" in chat.text
