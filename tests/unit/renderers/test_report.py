"""A template and answers become a report a reader recognises as Decree 30."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.table import Table

from dialogs.domain import DocumentInfo
from dialogs.schema import Template
from dialogs.vn import format_percent
from renderers.report import computed_answers, document_filename, render_report
from tests.unit.renderers.conftest import AGENCY, ROUND, SAMPLE, make_template
from tests.unit.renderers.readback import (
    cell_texts,
    effective,
    effective_format,
    find_paragraph,
    open_docx,
    size_pt,
    table_paragraphs,
    texts,
)

BUNDLED_ANNUAL = Path(__file__).resolve().parents[3] / "dialogs" / "templates" / "annual_it.yaml"


def render(template: Template, answers: dict[str, Any], info: DocumentInfo) -> DocxDocument:
    return open_docx(render_report(template, answers, info))


def table_containing(document: DocxDocument, text: str) -> Table:
    for table in document.tables:
        if any(p.text == text for p in table_paragraphs(table)):
            return table
    raise AssertionError(f"no table with {text!r}")


# ----------------------------------------------------------------------------- header


def test_header_left_column(template, answers, issued_info) -> None:
    header = render(template, answers, issued_info).tables[0]
    top_left = [p for p in header.cell(0, 0).paragraphs if p.text]
    governing, agency = top_left
    assert governing.text == "UBND TỈNH ĐỒNG NAI"
    assert not effective(governing, "bold") and size_pt(governing) == 13
    assert agency.text == "SỞ CÔNG THƯƠNG"
    assert effective(agency, "bold") and size_pt(agency) == 13
    # a short rule under the agency name: a bottom border on a paragraph
    rule = header.cell(0, 0).paragraphs[-1]
    assert rule.text == "" and "w:bottom" in rule._p.xml
    number = header.cell(1, 0).paragraphs[0]
    assert number.text == "Số: 05/BC-SCT"
    assert not effective(number, "bold") and not effective(number, "italic")
    assert size_pt(number) == 13


def test_header_right_column_and_place_date_level_with_number(
    template, answers, issued_info
) -> None:
    header = render(template, answers, issued_info).tables[0]
    national, motto = [p for p in header.cell(0, 1).paragraphs if p.text]
    assert national.text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert effective(national, "bold") and 12 <= size_pt(national) <= 13
    assert motto.text == "Độc lập - Tự do - Hạnh phúc"
    assert effective(motto, "bold") and 13 <= size_pt(motto) <= 14
    assert "w:bottom" in header.cell(0, 1).paragraphs[-1]._p.xml
    place_date = header.cell(1, 1).paragraphs[0]  # same row as "Số:"
    assert place_date.text == "Đồng Nai, ngày 05 tháng 02 năm 2026"
    assert effective(place_date, "italic") and 13 <= size_pt(place_date) <= 14


def test_header_table_is_borderless_and_spans_the_text_width(template, answers, draft_info):
    header = render(template, answers, draft_info).tables[0]
    assert 'w:val="nil"' in header._tbl.tblPr.xml
    assert sum(c.width.twips for c in header.rows[0].cells) == 11906 - 1701 - 850


def test_draft_leaves_number_and_date_blank(template, answers, draft_info) -> None:
    header = render(template, answers, draft_info).tables[0]
    assert header.cell(1, 0).paragraphs[0].text == "Số:      /BC-SCT"
    assert header.cell(1, 1).paragraphs[0].text == "Đồng Nai, ngày … tháng … năm …"


def test_place_date_pads_only_days_below_10_and_months_1_and_2(template, answers) -> None:
    import datetime as dt

    info = DocumentInfo(agency=AGENCY, round=ROUND, number=451, issued_on=dt.date(2020, 4, 8))
    header = render(template, answers, info).tables[0]
    assert header.cell(1, 1).paragraphs[0].text == "Đồng Nai, ngày 08 tháng 4 năm 2020"
    assert header.cell(1, 0).paragraphs[0].text == "Số: 451/BC-SCT"


# ----------------------------------------------------------------------------- title, grounds


def test_title_and_subject_with_placeholders(template, answers, draft_info) -> None:
    document = render(template, answers, draft_info)
    title = find_paragraph(document, "BÁO CÁO")
    subject = find_paragraph(
        document, "Kết quả ứng dụng công nghệ thông tin của Sở Công Thương năm 2026"
    )
    for p in (title, subject):
        assert effective(p, "bold") and size_pt(p) == 14
        assert effective_format(p, "alignment") == WD_ALIGN_PARAGRAPH.CENTER
    body = list(document.paragraphs)
    i = next(k for k, p in enumerate(body) if p.text == subject.text)
    assert body[i - 1].text == "BÁO CÁO"
    assert body[i + 1].text == "" and "w:bottom" in body[i + 1]._p.xml  # the short rule


def test_grounds_are_italic_with_semicolons_and_a_final_period(
    template, answers, draft_info
) -> None:
    document = render(template, answers, draft_info)
    all_texts = texts(document)
    start = all_texts.index("Căn cứ Kế hoạch số 599/KH-UBND ngày 18/01/2021 của UBND tỉnh;")
    assert all_texts[start + 1] == "Căn cứ Kế hoạch số 1594/KH-UBND ngày 09/02/2021 của UBND tỉnh;"
    assert all_texts[start + 2] == (
        "Thực hiện văn bản của Sở Khoa học và Công nghệ (kỳ 15/12/2025 - 14/12/2026)."
    )
    assert all_texts[start + 3] == "Sở Công Thương báo cáo kết quả thực hiện như sau:"
    for text in all_texts[start : start + 3]:
        assert effective(find_paragraph(document, text), "italic")
    assert not effective(find_paragraph(document, all_texts[start + 3]), "italic")


def test_body_paragraph_format(template, answers, draft_info) -> None:
    document = render(template, answers, draft_info)
    p = find_paragraph(document, "Tình hình hạ tầng của Sở Công Thương như sau:")
    assert p.style.name == "ND30 Body"
    assert size_pt(p) == 14 and not effective(p, "bold")
    assert effective_format(p, "alignment") == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert effective_format(p, "first_line_indent").twips == 567
    assert effective_format(p, "space_after").pt >= 6
    assert 1.0 <= effective_format(p, "line_spacing") <= 1.5


# ----------------------------------------------------------------------------- sections


def test_headings_numbered_by_depth_in_order(template, answers, draft_info) -> None:
    document = render(template, answers, draft_info)
    headings = [p for p in document.paragraphs if p.style.name.startswith("ND30 Heading")]
    assert [p.text for p in headings] == [
        "I. HẠ TẦNG KỸ THUẬT",
        "II. CÁC ỨNG DỤNG, DỊCH VỤ",
        "1. Ứng dụng CNTT trong hoạt động nội bộ",
        "1.1. Quản lý văn bản",
        "2. Hệ thống thông tin",
        # "Kinh phí" is not relevant (has_budget is false) and numbering skips it
        "III. ĐỀ XUẤT, KIẾN NGHỊ",
    ]
    level1, _, level2, level3 = headings[:4]
    assert effective(level1, "bold") and not effective(level1, "italic")
    assert effective(level2, "bold") and not effective(level2, "italic")
    assert effective(level3, "bold") and effective(level3, "italic")
    assert "999" not in "\n".join(texts(document))


def test_sentences_bullets_and_vietnamese_values(template, answers, draft_info) -> None:
    all_texts = texts(render(template, answers, draft_info))
    expected = [
        "Tình hình hạ tầng của Sở Công Thương như sau:",
        "- Tổng số máy tính: 25.430",
        "- Băng thông: 93,75 Mb",
        "+ Mạng LAN: Có",
        "Vận hành từ ngày 08/4/2020.",
        "- Biện pháp an ninh: Tường lửa, Sao lưu",
        "- Số máy chủ: chưa có số liệu",
        "Số liệu tính đến ngày 14/12/2026.",
        "II. CÁC ỨNG DỤNG, DỊCH VỤ",
    ]
    start = all_texts.index(expected[0])
    assert all_texts[start : start + len(expected)] == expected
    joined = "\n".join(all_texts)
    assert "KHÔNG ĐƯỢC IN" not in joined  # hidden
    assert "Ghi chú chỉ hiện trong chat" not in joined  # note without a pattern
    assert "Không in?" not in joined  # unanswered, no render.empty


def test_bullets_are_indented_like_body_with_the_dash_as_text(
    template, answers, draft_info
) -> None:
    document = render(template, answers, draft_info)
    bullet = find_paragraph(document, "- Tổng số máy tính: 25.430")
    assert bullet.style.name == "ND30 Bullet"
    assert effective_format(bullet, "first_line_indent").twips == 567
    assert bullet._p.find(".//{*}numPr") is None  # not a Word list


def test_computed_percent_and_long_text(template, answers, draft_info) -> None:
    all_texts = texts(render(template, answers, draft_info))
    assert "- Văn bản điện tử: 23.841" in all_texts
    assert "- Tỷ lệ văn bản điện tử: 93,75%" in all_texts
    assert "Đạt 93,75%." in all_texts  # a computed value using another computed value
    i = all_texts.index("Đoạn thứ nhất.")
    assert all_texts[i : i + 3] == ["Đoạn thứ nhất.", "- Ý thứ hai;", "+ Ý thứ ba."]
    j = all_texts.index("- Cấp thêm chứng thư số")
    assert all_texts[j + 1] == "- Nâng cấp đường truyền"


def test_repeat_with_two_fields_prints_bullets(template, answers, draft_info) -> None:
    assert "- 927/KH-SCT, 26/02/2021" in texts(render(template, answers, draft_info))


# ----------------------------------------------------------------------------- tables


def test_table_with_group_header_and_total_ratio_of_totals(template, answers, draft_info):
    document = render(template, answers, draft_info)
    table = table_containing(document, "Văn phòng Sở")
    assert table.style.name == "Table Grid"
    rows = cell_texts(table)
    assert rows[0] == ["STT", "Nội dung", "Số văn bản", "Số văn bản", "Tỷ lệ", "Ghi chú"]
    assert rows[1] == ["STT", "Nội dung", "Tổng", "Điện tử", "Tỷ lệ", "Ghi chú"]
    # one number of decimals down the column (issue 18): "50,00%" above "66,66%"
    assert rows[2] == ["1", "Văn phòng Sở", "20", "10", "50,00%", "Ghi chú"]
    assert rows[3] == ["2", "Trung tâm", "40", "30", "75,00%", ""]
    # (10 + 30) / (20 + 40) = 66,6…% — not 62,5%, the average of 50% and 75%
    # (how the last digit is cut or rounded is dialogs.vn.format_percent's rule)
    assert rows[4] == ["Tổng số", "Tổng số", "60", "40", format_percent(40 / 60 * 100), ""]
    assert rows[4][4].startswith("66,6")
    for r in (0, 1):
        assert table.rows[r]._tr.trPr.find("{*}tblHeader") is not None
        for cell in table.rows[r].cells:
            p = cell.paragraphs[0]
            assert effective(p, "bold")
            assert effective_format(p, "alignment") == WD_ALIGN_PARAGRAPH.CENTER
    for cell in table.rows[4].cells:
        if cell.text:
            assert effective(cell.paragraphs[0], "bold")
    figure = table.cell(2, 2).paragraphs[0]
    assert effective_format(figure, "alignment") == WD_ALIGN_PARAGRAPH.RIGHT
    assert 12 <= size_pt(figure) <= 13
    assert sum(c.width.twips for c in table.rows[2].cells) == 11906 - 1701 - 850
    # the pattern introduces the table
    all_texts = texts(document)
    assert all_texts.index("* Kết quả sử dụng phần mềm:") < all_texts.index("2. Hệ thống thông tin")


def test_repeat_with_three_fields_is_a_table(template, answers, draft_info) -> None:
    document = render(template, answers, draft_info)
    table = table_containing(document, "Trang thông tin điện tử")
    assert cell_texts(table) == [
        ["STT", "Tên hệ thống", "Đơn vị vận hành", "Cấp độ"],
        ["1", "Trang thông tin điện tử", "Sở Công Thương", "2"],
        ["2", "Cơ sở dữ liệu ngành", "Sở Công Thương", "3"],
    ]
    assert "+ Số lượng hệ thống thông tin: 2" in texts(document)


# ----------------------------------------------------------------------------- closing


def test_closing_recipients_and_signature(template, answers, draft_info) -> None:
    document = render(template, answers, draft_info)
    assert "Trên đây là báo cáo của Sở Công Thương năm 2026./." in texts(document)
    closing = table_containing(document, "Nơi nhận:")
    left = [p for p in closing.cell(0, 0).paragraphs]
    assert [p.text for p in left] == [
        "Nơi nhận:",
        "- Sở Khoa học và Công nghệ (tổng hợp);",
        "- Ban Lãnh đạo Sở;",
        "- Lưu: VT, VP.",
    ]
    assert effective(left[0], "bold") and effective(left[0], "italic") and size_pt(left[0]) == 12
    assert size_pt(left[1]) == 11 and not effective(left[1], "bold")
    right = closing.cell(0, 1).paragraphs
    signed = [p.text for p in right]
    assert signed[:2] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
    assert signed[-1] == "Nguyễn Trí Phương"
    assert signed[2:-1] == [""] * (len(signed) - 3) and len(signed) - 3 >= 3  # room to sign
    for p in (right[0], right[1], right[-1]):
        assert effective(p, "bold") and size_pt(p) == 14
        assert effective_format(p, "alignment") == WD_ALIGN_PARAGRAPH.CENTER
    assert 'w:val="nil"' in closing._tbl.tblPr.xml


def test_head_signing_without_authority(template, answers, draft_info) -> None:
    agency = dataclasses.replace(AGENCY, signer_authority=None, signer_position="Giám đốc")
    info = dataclasses.replace(draft_info, agency=agency)
    closing = table_containing(render(template, answers, info), "Nơi nhận:")
    assert closing.cell(0, 1).paragraphs[0].text == "GIÁM ĐỐC"


# ----------------------------------------------------------------------------- appendix


def test_appendix_on_a_new_page(template, answers, issued_info) -> None:
    document = render(template, answers, issued_info)
    label = find_paragraph(document, "Phụ lục")
    assert effective_format(label, "page_break_before") is True
    assert effective(label, "bold") and size_pt(label) == 14
    all_texts = texts(document)
    i = all_texts.index("Phụ lục")
    assert all_texts[i + 1] == "BIỂU MẪU BÁO CÁO CÁC NHIỆM VỤ/DỰ ÁN NĂM 2026"
    assert all_texts[i + 2] == "(Kèm theo Báo cáo số 05/BC-SCT ngày 05/02/2026 của Sở Công Thương)"
    note = find_paragraph(document, all_texts[i + 2])
    assert effective(note, "italic") and size_pt(note) == 14
    table = table_containing(document, "Nâng cấp mạng LAN")
    assert cell_texts(table)[-1] == ["Tổng số", "Tổng số", "1.500"]
    assert cell_texts(table)[0] == ["STT", "Tên nhiệm vụ", "Kinh phí (triệu đồng)"]


def test_appendix_reference_of_a_draft(template, answers, draft_info) -> None:
    assert "(Kèm theo Báo cáo số …/BC-SCT ngày … của Sở Công Thương)" in texts(
        render(template, answers, draft_info)
    )


# ----------------------------------------------------------------------------- robustness


def test_control_characters_in_answers_never_crash(template, answers, draft_info) -> None:
    answers["situation"] = "Đoạn\x00 một\x1b.\n- Ý\ud800 hai;"
    answers["docs"]["vp"]["note"] = "ghi\x0c chú"
    agency = dataclasses.replace(AGENCY, name="Sở\x07 Công Thương", signer_name="Nguyễn\x01 A")
    info = dataclasses.replace(draft_info, agency=agency)
    document = render(template, answers, info)
    all_texts = texts(document)
    assert "Đoạn một." in all_texts and "- Ý hai;" in all_texts
    assert "ghi chú" in [
        c for row in cell_texts(table_containing(document, "Văn phòng Sở")) for c in row
    ]
    assert table_containing(document, "Nơi nhận:").cell(0, 1).paragraphs[-1].text == "Nguyễn A"


def test_unknown_placeholders_and_braces_in_answers_are_left_alone(answers, draft_info):
    data = {**SAMPLE, "subject": "Báo cáo {khong_co} của {agency}", "appendix": None}
    document = render(make_template(data), {**answers, "computers": 3}, draft_info)
    assert "Báo cáo {khong_co} của Sở Công Thương" in texts(document)
    data["sections"][0]["items"][0]["render"] = {"pattern": "- {label} {value:>5} {x"}
    render(make_template(data), answers, draft_info)  # no crash on odd patterns


def test_missing_answers_render_an_empty_but_valid_report(template, draft_info) -> None:
    document = render(template, {}, draft_info)
    all_texts = texts(document)
    assert "I. HẠ TẦNG KỸ THUẬT" in all_texts
    assert "- Số máy chủ: chưa có số liệu" in all_texts
    assert "- Tổng số máy tính: " not in "\n".join(all_texts)


# ----------------------------------------------------------------------------- công văn


def test_cong_van_has_kinh_gui_vv_and_no_title(draft_info) -> None:
    import datetime as dt

    data = {
        "id": "cv",
        "name": "Công văn",
        "kind": "cong_van",
        "subject": "báo cáo tình hình ứng dụng CNTT làm việc tại nhà",
        "addressee": ["Sở Thông tin và Truyền thông Quảng Trị"],
        "opening": "{agency} báo cáo như sau:",
        "recipients": ["Giám đốc Sở"],
        "sections": [
            {
                "id": "a",
                "title": "Ứng dụng CNTT",
                "numbering": "arabic",
                "items": [
                    {"id": "q", "type": "text", "prompt": "?", "render": {"pattern": "- {value}"}}
                ],
            }
        ],
    }
    info = dataclasses.replace(draft_info, number=451, issued_on=dt.date(2020, 4, 8))
    document = render(make_template(data), {"q": "Họp trực tuyến"}, info)
    header = document.tables[0]
    left = [p.text for p in header.cell(1, 0).paragraphs]
    assert left == ["Số: 451/SCT-VP", "V/v báo cáo tình hình ứng dụng CNTT làm việc tại nhà"]
    vv = header.cell(1, 0).paragraphs[1]
    assert 12 <= size_pt(vv) <= 13 and not effective(vv, "bold")
    assert effective_format(vv, "alignment") == WD_ALIGN_PARAGRAPH.CENTER
    assert effective_format(vv, "space_before").pt == 6
    all_texts = texts(document)
    assert "BÁO CÁO" not in all_texts
    assert all_texts[0] == "Kính gửi: Sở Thông tin và Truyền thông Quảng Trị"
    assert all_texts[1:4] == [
        "Sở Công Thương báo cáo như sau:",
        "1. Ứng dụng CNTT",  # only "I." headings are capitalised (Decree 30, seed 000)
        "- Họp trực tuyến",
    ]
    closing = table_containing(document, "Nơi nhận:")
    assert [p.text for p in closing.cell(0, 0).paragraphs][1:] == [
        "- Như trên;",
        "- Giám đốc Sở;",
        "- Lưu: VT, VP.",
    ]


def test_several_addressees_one_per_line(draft_info) -> None:
    data = {
        "id": "cv",
        "name": "CV",
        "kind": "cong_van",
        "subject": "x",
        "addressee": ["Sở Nội vụ;", "Sở Tài chính"],
        "sections": [],
    }
    all_texts = texts(render(make_template(data), {}, draft_info))
    assert all_texts[:3] == ["Kính gửi:", "- Sở Nội vụ;", "- Sở Tài chính."]


# ----------------------------------------------------------------------------- helpers


def test_computed_answers_in_dependency_order(template, answers) -> None:
    values = computed_answers(template, answers)
    assert values["docs_ratio"] == 93.75
    assert values["docs_pct_again"] == 93.75
    assert values["computers"] == 25430
    assert computed_answers(template, {})["docs_ratio"] is None


def test_computed_answers_survive_a_cycle() -> None:
    data = {
        "id": "c",
        "name": "c",
        "subject": "s",
        "sections": [
            {
                "id": "s",
                "title": "t",
                "items": [
                    {"id": "a", "type": "computed", "prompt": "a", "expression": "b + 1"},
                    {"id": "b", "type": "computed", "prompt": "b", "expression": "a + 1"},
                    {"id": "c", "type": "computed", "prompt": "c", "expression": "n * 2"},
                ],
            }
        ],
    }
    values = computed_answers(make_template(data), {"n": 2})
    assert values == {"n": 2, "a": None, "b": None, "c": 4}


def test_document_filename_is_safe_ascii(template, draft_info) -> None:
    assert document_filename(template, draft_info) == "BC-SCT-sample-nam-2026.docx"
    odd = dataclasses.replace(
        draft_info, round=dataclasses.replace(ROUND, period_label="9 tháng đầu năm 2026/../x")
    )
    name = document_filename(template, odd)
    assert name == "BC-SCT-sample-9-thang-dau-nam-2026-x.docx"
    assert name.isascii() and "/" not in name and " " not in name


# ----------------------------------------------------------------------------- bundled


@pytest.mark.skipif(not BUNDLED_ANNUAL.exists(), reason="annual_it.yaml not written yet")
def test_bundled_annual_template_renders(draft_info) -> None:
    from dialogs.loader import load_template
    from tests.unit.renderers.fake_answers import fake_answers

    template = load_template(BUNDLED_ANNUAL)
    answers = fake_answers(template)
    document = render(template, answers, draft_info)
    all_texts = texts(document)
    assert "BÁO CÁO" in all_texts
    headings = [p.text for p in document.paragraphs if p.style.name == "ND30 Heading 1"]
    assert headings and headings[0].startswith("I. ")
    assert table_containing(document, "Nơi nhận:") is not None
    assert len(document.tables) >= 3  # header, at least one data table, closing
