"""Issue 18, points 2 and 3 in the chat: the officer adds the agency's own grounds and
edits Nơi nhận before submitting; the submitted document prints them after the
round's request document."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from docx import Document

from dialogs.references import DocumentReferences, RequestDocument
from renderers.report import render_report
from tests.integration.dialogs.conftest import fill_all, make_world


def _texts(data: bytes) -> list[str]:
    doc = Document(io.BytesIO(data))
    out = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                out.extend(p.text for p in cell.paragraphs)
    return out


async def test_officer_adds_grounds_and_edits_recipients(uow_factory: Any, mini_template) -> None:
    world = await make_world(uow_factory, mini_template, render=render_report)
    async with uow_factory() as uow:
        await uow.references.set_round(world.round_id, DocumentReferences(
            requests=(RequestDocument("2994/STTT-CNTTVT", dt.date(2021, 10, 16),
                                      "Sở Thông tin và Truyền thông",
                                      "báo cáo ứng dụng CNTT năm 2021"),),
            recipients=("Sở Thông tin và Truyền thông", "Sở Nội vụ (báo cáo)"),
        ), now=world.clock.now())
        await uow.commit()
    chat = world.chat("u1")
    await chat.send(world.invites["SCT0"])
    await fill_all(chat)
    await chat.send("Thêm căn cứ: Căn cứ Kế hoạch số 12/KH-SCT ngày 05/01/2021 của Sở Công "
                    "Thương về ứng dụng CNTT năm 2021")
    assert "Căn cứ sẽ in trong báo cáo:" in chat.text
    assert "- Căn cứ Kế hoạch số 12/KH-SCT" in chat.text
    assert "Thực hiện Công văn số 2994/STTT-CNTTVT ngày 16/10/2021" in chat.text
    assert "- Sở Nội vụ (báo cáo)" in chat.text  # the round's list until edited
    await chat.send("nơi nhận: Sở Thông tin và Truyền thông; Ban Giám đốc Sở")
    assert "- Ban Giám đốc Sở" in chat.text and "Sở Nội vụ (báo cáo)" not in chat.text
    await chat.send("nộp")
    await chat.tap_label("Xác nhận nộp")
    assert "Đã nộp báo cáo (bản 1)" in chat.text
    ref = next(m.document for m in chat.last if m.document)
    async with uow_factory() as uow:
        _, data = await uow.submissions.docx(ref.submission_id)
        audit = [e for e in await uow.audit.entries(entity="assignment")
                 if e.action == "references.set"]
    texts = _texts(data)
    start = texts.index("Căn cứ Kế hoạch số 12/KH-SCT ngày 05/01/2021 của Sở Công Thương về "
                        "ứng dụng CNTT năm 2021;")
    assert texts[start + 1] == ("Thực hiện Công văn số 2994/STTT-CNTTVT ngày 16/10/2021 của Sở "
                                "Thông tin và Truyền thông về việc báo cáo ứng dụng CNTT năm "
                                "2021.")
    assert "- Ban Giám đốc Sở;" in texts and "- Sở Nội vụ (báo cáo);" not in texts
    assert len(audit) == 2
    # after submission the lists cannot change
    await chat.send("nơi nhận: Sở Nội vụ")
    assert "đã được nộp" in chat.text
