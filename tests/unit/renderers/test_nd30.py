"""The Decree 30 page, fonts, page numbers and text safety of every document."""

from __future__ import annotations

from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from renderers.nd30 import FONT, Nd30Document, TableColumn, clean_text
from tests.unit.renderers.readback import cell_texts, open_docx


def _doc() -> Nd30Document:
    doc = Nd30Document()
    doc.header(
        governing_body="UBND tỉnh Đồng Nai",
        agency_name="Sở Công Thương",
        number_line="Số: 05/BC-SCT",
        place_date="Đồng Nai, ngày 05 tháng 02 năm 2026",
    )
    doc.title("Báo cáo", "Kết quả ứng dụng công nghệ thông tin")
    doc.body("Nội dung.")
    return doc


def test_page_is_a4_with_margins_inside_decree_30_ranges() -> None:
    section = open_docx(_doc().to_bytes()).sections[0]
    mm = 56.7  # twips per millimetre
    assert (section.page_width.twips, section.page_height.twips) == (11906, 16838)
    assert 20 * mm - 1 <= section.top_margin.twips <= 25 * mm
    assert 20 * mm - 1 <= section.bottom_margin.twips <= 25 * mm
    assert 30 * mm - 1 <= section.left_margin.twips <= 35 * mm
    assert 15 * mm - 1 <= section.right_margin.twips <= 20 * mm


def test_times_new_roman_in_every_script_slot_on_defaults_and_styles() -> None:
    document = open_docx(_doc().to_bytes())
    styles_el = document.styles.element
    default_fonts = (
        styles_el.find(qn("w:docDefaults"))
        .find(qn("w:rPrDefault"))
        .find(qn("w:rPr"))
        .find(qn("w:rFonts"))
    )
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        assert default_fonts.get(qn(f"w:{slot}")) == FONT
    assert default_fonts.get(qn("w:asciiTheme")) is None

    used = {p.style.name for p in document.paragraphs}
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                used |= {p.style.name for p in cell.paragraphs}
    assert "ND30 Body" in used and "ND30 Document Type" in used
    for name in used | {"Normal"}:
        rfonts = document.styles[name].element.rPr.find(qn("w:rFonts"))
        for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
            assert rfonts.get(qn(f"w:{slot}")) == FONT, (name, slot)


def test_language_is_vietnamese() -> None:
    document = open_docx(_doc().to_bytes())
    lang = (
        document.styles.element.find(qn("w:docDefaults"))
        .find(qn("w:rPrDefault"))
        .find(qn("w:rPr"))
        .find(qn("w:lang"))
    )
    assert lang.get(qn("w:val")) == "vi-VN"


def test_page_number_field_centred_in_header_but_not_on_first_page() -> None:
    section = open_docx(_doc().to_bytes()).sections[0]
    assert section.different_first_page_header_footer is True
    assert section.first_page_header.is_linked_to_previous is False
    assert all(not p.text.strip() for p in section.first_page_header.paragraphs)

    header_p = section.header.paragraphs[0]
    instr = "".join(t.text for t in header_p._p.iter(qn("w:instrText")))
    assert instr.strip() == "PAGE"
    assert header_p.style.paragraph_format.alignment == 1  # centre
    assert header_p.style.font.size.pt in (13, 14)
    assert not header_p.style.font.italic


def test_control_characters_and_lone_surrogates_are_stripped() -> None:
    assert clean_text("a\x00b\x08c\x0bd\x0ce\x1ff\ud800g\tok\n") == "abcdefg\tok\n"
    doc = Nd30Document()
    doc.body("Tổng\x00 số\x1b máy\ud83d tính")
    doc.heading(1, "I. TIÊU\x07 ĐỀ")
    doc.table([TableColumn("Tên\x01")], [["giá\x02 trị"]], total=["Tổng\x03"])
    document = open_docx(doc.to_bytes())
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts == ["Tổng số máy tính", "I. TIÊU ĐỀ"]
    assert cell_texts(document.tables[0]) == [["Tên"], ["giá trị"], ["Tổng"]]


def test_a_table_too_wide_for_portrait_gets_its_own_landscape_page() -> None:
    doc = Nd30Document()
    doc.body("Trước bảng.")
    columns = [TableColumn(f"Cột số {i}", align="right") for i in range(16)]
    doc.table(columns, [["1.234.567"] * 16], intro=["* Bảng rộng:"])
    doc.body("Sau bảng.")
    document = open_docx(doc.to_bytes())
    orientations = [s.orientation for s in document.sections]
    assert orientations == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    landscape = document.sections[1]
    assert landscape.page_width.twips == 16838
    # Page numbers continue on the landscape page: its first page is not special.
    assert landscape.different_first_page_header_footer is False
    # The intro line travels with its table.
    body = document.element.body
    intro = next(p for p in document.paragraphs if p.text == "* Bảng rộng:")
    section_breaks = [
        p
        for p in body.iter(qn("w:p"))
        if p.find(qn("w:pPr")) is not None and p.find(qn("w:pPr")).find(qn("w:sectPr")) is not None
    ]
    assert list(body).index(section_breaks[0]) < list(body).index(intro._p)


def test_figures_never_share_a_too_narrow_column() -> None:
    doc = Nd30Document()
    columns = [TableColumn("STT", align="center", width=680), TableColumn("Tên", weight=3)]
    columns += [TableColumn("Tổng", align="right") for _ in range(3)]
    doc.table(columns, [["1", "Văn phòng", "25.430", "9.136", "16.294"]])
    table = open_docx(doc.to_bytes()).tables[0]
    widths = [cell.width.twips for cell in table.rows[0].cells]
    assert sum(widths) == 11906 - 1701 - 850  # the text width
    assert all(w >= 700 for w in widths[2:])  # "25.430" at 12 pt plus cell margins
