"""Submitting: refused while answers are missing, confirmed, once
(``dialogs/submission.py``)."""

from __future__ import annotations

from tests.integration.dialogs.conftest import World, bind, fill_all


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
