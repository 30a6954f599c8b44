"""Issue 18, point 4: the seeds' structure kept — seed 003's lead-ins in VII, its
labelled proposals, the data period in the table introductions, the services
table's first column and the Phụ lục of IT tasks and projects; seed 004's
"trong đó:" items indented under their parent."""

from __future__ import annotations

import io
from typing import Any

from docx import Document

from tests.integration.dialogs.test_annual_seed003 import submitted
from tests.integration.dialogs.test_seed_templates import fill_and_submit
from tests.support import seed004

__all__ = ["submitted"]  # the fixture: seed 003 answered through the engine


def _body(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs if p.text.strip()]


async def test_seed003_structure(submitted: tuple[Any, bytes]) -> None:
    _, data = submitted
    body = _body(data)

    def after(lead: str) -> str:
        return body[body.index(lead) + 1]

    # VII: the "+" items hang under the seed's lead-ins
    assert after("- Tình hình thực thi bảo đảm an toàn hệ thống thông tin theo cấp độ:") \
        .startswith("+ Số lượng hệ thống thông tin thuộc phạm vi quản lý:")
    assert after("- Tình hình tuyên truyền, phổ biến nâng cao nhận thức về an toàn thông tin "
                 "mạng:").startswith("+ ")
    assert "- Tình hình tổ chức đào tạo, tập huấn, diễn tập về an toàn thông tin mạng:" in body
    # the proposals are labelled, after VIII's own text
    assert body.index("* Đề xuất, kiến nghị:") > body.index("VIII. KINH PHÍ THỰC HIỆN")
    # the tables' introductions keep the data period
    assert any(t.startswith("* Kết quả triển khai dịch vụ công trực tuyến") and
               t.endswith("(số liệu tính từ 15/12/2025 đến ngày 14/12/2026):") for t in body)
    doc = Document(io.BytesIO(data))
    services = next(t for t in doc.tables if t.rows[0].cells[0].text == "STT")
    assert services.rows[0].cells[1].text == "Tên thủ tục hành chính, dịch vụ công"
    # the Phụ lục of IT tasks and projects, from the repeat question, after the closing
    assert body.index("Phụ lục") > body.index(next(t for t in body if t.startswith("Trên đây")))
    assert "BIỂU MẪU BÁO CÁO CÁC NHIỆM VỤ/DỰ ÁN VỀ ỨNG DỤNG CÔNG NGHỆ THÔNG TIN THỰC HIỆN " \
           "NĂM 2026" in body
    annex = doc.tables[-1]
    assert [c.text for c in annex.rows[0].cells][:2] == ["STT", "Tên nhiệm vụ/dự án"]
    assert annex.rows[1].cells[1].text == "Bảo trì, bảo dưỡng hệ thống mạng LAN tại Sở"


async def test_seed004_sub_items_are_indented(uow_factory: Any) -> None:
    filled = await fill_and_submit(uow_factory, "periodic_it", seed004.AGENCY, seed004.ROUND,
                                   seed004.PLAN)
    paragraphs = {p.text: p for p in filled.doc().paragraphs}
    parent = next(t for t in paragraphs if t.endswith("trong đó:"))
    children = ["+ Văn bản đến: 3.845 văn bản;", "+ Văn bản đi: 888 văn bản."]

    def indent(text: str) -> int:
        value = paragraphs[text].paragraph_format.left_indent
        return int(value or 0)

    assert all(indent(c) > indent(parent) for c in children)
    sibling = next(t for t in paragraphs if t.startswith("+ Tỷ lệ văn bản (trừ văn bản mật)"))
    assert indent(sibling) == indent(parent)  # the list ended with "."
