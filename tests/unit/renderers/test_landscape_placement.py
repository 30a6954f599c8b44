"""Where a landscape table goes: at the end of its subsection, after the text that
follows it in the answers, so that text fills the portrait page before the landscape
page instead of leaving it mostly blank. Read back with python-docx."""

from __future__ import annotations

from typing import Any

from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from renderers.nd30 import Nd30Document, TableColumn
from tests.unit.renderers.readback import open_docx

WIDE = [TableColumn(f"Cột số {i}", align="right") for i in range(16)]


def _blocks(data: bytes) -> list[tuple[str, int]]:
    """(text or "<table>", section index) of every block, in document order."""
    document = open_docx(data)
    out: list[tuple[str, int]] = []
    section = 0
    for element in document.element.body:
        if element.tag == qn("w:tbl"):
            out.append(("<table>", section))
        elif element.tag == qn("w:p"):
            text = "".join(t.text or "" for t in element.iter(qn("w:t")))
            if text:
                out.append((text, section))
            ppr = element.find(qn("w:pPr"))
            if ppr is not None and ppr.find(qn("w:sectPr")) is not None:
                section += 1
    return out


def _orientations(data: bytes) -> list[Any]:
    return [s.orientation for s in open_docx(data).sections]


def test_the_text_after_a_landscape_table_fills_the_portrait_page_first() -> None:
    doc = Nd30Document()
    doc.heading(2, "4. Ứng dụng CNTT trong hoạt động nội bộ")
    doc.text("- Số đơn vị trực thuộc đã triển khai: 12.")
    doc.text("* Kết quả sử dụng phần mềm (số liệu tính từ 15/12/2025 đến ngày 14/12/2026):")
    doc.table(WIDE, [["1.234.567"] * 16])
    doc.text("- Số chứng thư số đang sử dụng: 25.")
    doc.heading(1, "VI. NGUỒN NHÂN LỰC")
    doc.text("- Số cán bộ chuyên trách: 3 người.")
    data = doc.to_bytes()
    assert _blocks(data) == [
        ("4. Ứng dụng CNTT trong hoạt động nội bộ", 0),
        ("- Số đơn vị trực thuộc đã triển khai: 12.", 0),
        ("- Số chứng thư số đang sử dụng: 25.", 0),  # flows up on the portrait page
        # the page is far from full: the next section's text flows in too
        ("VI. NGUỒN NHÂN LỰC", 0),
        ("- Số cán bộ chuyên trách: 3 người.", 0),
        # the introduction (with its data period) keeps with its table
        ("* Kết quả sử dụng phần mềm (số liệu tính từ 15/12/2025 đến ngày 14/12/2026):", 1),
        ("<table>", 1),
    ]
    assert _orientations(data) == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]


LINE = ("Ủy ban nhân dân tỉnh tiếp tục triển khai ứng dụng công nghệ thông tin trong hoạt "
        "động nội bộ và phục vụ người dân, doanh nghiệp trên địa bàn.")


def test_a_landscape_table_goes_at_the_first_page_end_after_its_citation() -> None:
    # Issue 18: the table used to wait for its subsection's end, pages later (the
    # roll-up's compiled narratives), or left the subsection's last lines alone on a
    # page before the landscape one. It now goes where the portrait page fills up.
    doc = Nd30Document()
    doc.heading(2, "4. Ứng dụng CNTT trong hoạt động nội bộ")
    doc.text("* Kết quả sử dụng phần mềm:")
    doc.table(WIDE, [["1.234.567"] * 16])
    for n in range(60):  # about three pages of narratives
        doc.text(f"- Đơn vị số {n}: {LINE}")
    doc.heading(2, "5. Nguồn nhân lực")
    blocks = _blocks(doc.to_bytes())
    landscape = [text for text, section in blocks if section == 1]
    assert landscape == ["* Kết quả sử dụng phần mềm:", "<table>"]
    before = [text for text, section in blocks if section == 0]
    after = [text for text, section in blocks if section == 2]
    # a page of narratives (3 lines each, about 13 to a page) before it, the rest after
    assert 10 <= len(before) - 1 <= 16, len(before)
    assert after[-1] == "5. Nguồn nhân lực" and len(after) > 40


def test_a_heading_at_the_page_end_goes_after_the_landscape_page_with_its_text() -> None:
    doc = Nd30Document()
    doc.heading(2, "1. Bảng")
    doc.table(WIDE, [["1.234.567"] * 16], intro=["Bảng:"])
    for n in range(12):
        doc.text(f"- Đơn vị số {n}: {LINE}")
    doc.heading(2, "2. Mục sau")  # lands at the page's foot
    for n in range(12):
        doc.text(f"- Đơn vị khác số {n}: {LINE}")
    blocks = _blocks(doc.to_bytes())
    heading = next(section for text, section in blocks if text == "2. Mục sau")
    follower = next(section for text, section in blocks if text.startswith("- Đơn vị khác số 0"))
    assert heading == follower  # never the last line before the landscape page


def test_a_heading_with_only_the_table_under_it_goes_to_the_landscape_page() -> None:
    doc = Nd30Document()
    doc.text("Đoạn trước.")
    doc.heading(2, "3. Cung cấp dịch vụ công trực tuyến")
    doc.table(WIDE, [["1.234.567"] * 16], intro=["* Kết quả:"])
    doc.heading(2, "4. Ứng dụng CNTT")
    data = doc.to_bytes()
    assert _blocks(data) == [
        ("Đoạn trước.", 0),
        ("3. Cung cấp dịch vụ công trực tuyến", 1),  # never the last line of a page
        ("* Kết quả:", 1),
        ("<table>", 1),
        ("4. Ứng dụng CNTT", 2),
    ]


def test_two_landscape_tables_of_a_subsection_share_the_landscape_pages_apart() -> None:
    doc = Nd30Document()
    doc.heading(2, "1. Bảng")
    doc.table(WIDE, [["1.234.567"] * 16], intro=["Bảng thứ nhất:"])
    doc.text("Giữa hai bảng.")
    doc.table(WIDE, [["2.345.678"] * 16], intro=["Bảng thứ hai:"])
    doc.text("Cuối mục.")
    data = doc.to_bytes()
    assert [text for text, _ in _blocks(data)] == [
        "1. Bảng", "Giữa hai bảng.", "Cuối mục.",
        "Bảng thứ nhất:", "<table>", "Bảng thứ hai:", "<table>",
    ]
    body = list(open_docx(data).element.body)
    tables = [i for i, e in enumerate(body) if e.tag == qn("w:tbl")]
    assert tables[1] - tables[0] > 1  # a paragraph between: Word does not merge them
    assert _orientations(data) == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]


def test_the_section_break_takes_no_line_of_its_own_after_text() -> None:
    doc = Nd30Document()
    doc.text("Dòng cuối của trang dọc.")
    doc.table(WIDE, [["1.234.567"] * 16])
    document = open_docx(doc.to_bytes())
    last = next(p for p in document.paragraphs if p.text == "Dòng cuối của trang dọc.")
    assert last._p.pPr.find(qn("w:sectPr")) is not None
