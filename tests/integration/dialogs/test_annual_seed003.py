"""The whole annual questionnaire answered with seed 003's figures through the engine,
and the DOCX that comes back read like a clerk would read it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.shared import Mm

from dialogs.loader import load_templates
from renderers.report import document_filename, render_report
from tests.integration.dialogs.conftest import make_world
from tests.support.seed003 import answer_everything

SEED_HEADINGS = [
    "I. MÔI TRƯỜNG PHÁP LÝ",
    "II. HẠ TẦNG KỸ THUẬT",
    "III. CÁC HỆ THỐNG NỀN TẢNG",
    "IV. PHÁT TRIỂN DỮ LIỆU",
    "V. CÁC ỨNG DỤNG, DỊCH VỤ",
    "1. Ứng dụng CNTT để công bố, công khai thông tin kết quả giải quyết thủ tục hành chính",
    "2. Cung cấp dịch vụ công trực tuyến",
    "3. Ứng dụng CNTT tại Bộ phận một cửa trong việc tiếp nhận, giải quyết TTHC",
    "4. Ứng dụng CNTT trong hoạt động nội bộ",
    "VI. NGUỒN NHÂN LỰC",
    "VII. AN TOÀN THÔNG TIN",
    "VIII. KINH PHÍ THỰC HIỆN",
]


@pytest.fixture
async def submitted(uow_factory: Any) -> tuple[Any, bytes]:
    template = load_templates()["annual_it"]
    world = await make_world(uow_factory, template, render=render_report)
    world.engine.filename = document_filename
    chat = world.chat("officer-sct")
    await chat.send(world.invites["SCT0"])
    assert "Câu 1/" in chat.text

    async def current_step() -> tuple[str | None, dict[str, Any]]:
        async with uow_factory() as uow:
            conv = await uow.conversations.get("web", "officer-sct")
            answers = await uow.answers.get(conv.assignment_id)
        return (conv.step if conv.state == "answering" else None), answers

    await answer_everything(chat.send, current_step)
    assert "XEM LẠI BÁO CÁO" in chat.text, chat.text
    assert "Tất cả câu bắt buộc đã được trả lời" in chat.text
    await chat.send("nộp")
    await chat.tap_label("Xác nhận nộp")
    assert "Đã nộp báo cáo (bản 1)" in chat.text
    ref = next(m.document for m in chat.last if m.document)
    async with uow_factory() as uow:
        _, data = await uow.submissions.docx(ref.submission_id)
    (Path(__file__).parent.parent.parent.parent / "var").mkdir(exist_ok=True)
    (Path(__file__).parent.parent.parent.parent / "var" / "seed003.docx").write_bytes(data)
    return world, data


def _texts(doc: Any) -> list[str]:
    out = [p.text.strip() for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                out.extend(p.text.strip() for p in cell.paragraphs)
    return [t for t in out if t]


async def test_seed003_answers_become_the_report(submitted: tuple[Any, bytes]) -> None:
    world, data = submitted
    answers = await world.answers("SCT")
    assert answers["so_may_tinh"] == 64
    assert answers["van_ban"]["van_phong"]["dt_tong"] == 23841
    assert len(answers["he_thong_thong_tin"]) == 5

    doc = Document(io.BytesIO(data))
    texts = _texts(doc)
    joined = "\n".join(texts)
    header = doc.tables[0]
    header_text = "\n".join(c.text for row in header.rows for c in row.cells)
    assert "UBND TỈNH ĐỒNG NAI" in header_text
    assert "SỞ CÔNG THƯƠNG" in header_text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header_text
    assert "Độc lập - Tự do - Hạnh phúc" in header_text
    assert "/BC-SCT" in header_text and "Đồng Nai, ngày" in header_text
    body = [p.text.strip() for p in doc.paragraphs]
    assert "BÁO CÁO" in body
    positions = [body.index(h) for h in SEED_HEADINGS]
    assert positions == sorted(positions), "section headings out of the seed's order"
    assert "25.430" in joined and "23.841" in joined
    assert "93,75%" in joined
    assert "98,88%" in joined
    assert "14.824" in joined and "14.659" in joined
    # the three tables: online services, document management, information systems
    table_texts = ["\n".join(c.text for row in t.rows for c in row.cells) for t in doc.tables]
    assert any("14.824" in t and "98,88%" in t for t in table_texts)
    assert any("25.430" in t and "93,75%" in t for t in table_texts)
    assert any("Hệ thống cơ sở dữ liệu ngành Công Thương" in t and "2561/SCT-VP" in t
               for t in table_texts)
    assert "Nơi nhận:" in joined and "Nguyễn Văn A" in joined
    assert "KT. GIÁM ĐỐC" in joined and "PHÓ GIÁM ĐỐC" in joined

    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    assert Mm(20) - Mm(0.5) <= section.top_margin <= Mm(25) + Mm(0.5)
    assert Mm(20) - Mm(0.5) <= section.bottom_margin <= Mm(25) + Mm(0.5)
    assert Mm(30) - Mm(0.5) <= section.left_margin <= Mm(35) + Mm(0.5)
    assert Mm(15) - Mm(0.5) <= section.right_margin <= Mm(20) + Mm(0.5)
    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman"
    fonts = {r.font.name for p in doc.paragraphs for r in p.runs if r.font.name}
    assert fonts <= {"Times New Roman"}
