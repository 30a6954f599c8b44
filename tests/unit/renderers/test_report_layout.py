"""Layout features the seed templates need: rest-of-year titles, capitals that keep
document symbols, letter bodies without headings, numbered lists, list punctuation
and the header of a table's row-label column."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from dialogs.domain import DocumentInfo
from renderers.report import render_report, rest_of_year, upper_title
from tests.unit.renderers.conftest import make_template
from tests.unit.renderers.readback import cell_texts, open_docx, texts


@pytest.mark.parametrize(
    ("period_end", "expected"),
    [
        (dt.date(2021, 9, 14), "3 tháng cuối năm 2021"),  # 9 months
        (dt.date(2021, 6, 14), "6 tháng cuối năm 2021"),  # 6 months
        (dt.date(2021, 3, 14), "9 tháng cuối năm 2021"),  # quarter I
        (dt.date(2021, 12, 14), "năm 2022"),  # a year
    ],
)
def test_rest_of_year_after_a_decree_09_period(period_end: dt.date, expected: str) -> None:
    assert rest_of_year(period_end) == expected


def test_capitals_keep_document_symbols() -> None:
    assert upper_title("Kết quả 03 năm thực hiện Chỉ thị số 02/CT-TTg") == (
        "KẾT QUẢ 03 NĂM THỰC HIỆN CHỈ THỊ SỐ 02/CT-TTg"
    )
    assert upper_title("Kế hoạch và/hoặc giải pháp") == "KẾ HOẠCH VÀ/HOẶC GIẢI PHÁP"


def _render(data: dict[str, Any], answers: dict[str, Any], info: DocumentInfo) -> Any:
    return open_docx(render_report(make_template(data), answers, info))


def test_roman_headings_capitalised_arabic_ones_not_and_period_words_filled(
    draft_info: DocumentInfo,
) -> None:
    info = dataclasses.replace(
        draft_info,
        round=dataclasses.replace(draft_info.round, period_label="9 tháng đầu năm 2021",
                                  period_start=dt.date(2020, 12, 15),
                                  period_end=dt.date(2021, 9, 14)),
    )
    data = {
        "id": "p", "name": "P", "subject": "Tình hình {period}",
        "sections": [
            {"id": "a", "title": "Kết quả thực hiện Chỉ thị số 02/CT-TTg", "items": [
                {"id": "b", "title": "Công tác chỉ đạo", "items": [
                    {"id": "q", "type": "integer", "prompt": "?",
                     "render": {"pattern": "- Từ {period_start} đến {period_end}: {value}."}},
                ]},
            ]},
            {"id": "c", "title": "Phương hướng, nhiệm vụ {rest_of_year}", "items": []},
        ],
    }
    body = texts(_render(data, {"q": 4733}, info))
    assert body[body.index("BÁO CÁO") + 1] == "Tình hình 9 tháng đầu năm 2021"
    assert "I. KẾT QUẢ THỰC HIỆN CHỈ THỊ SỐ 02/CT-TTg" in body
    assert "1. Công tác chỉ đạo" in body
    assert "- Từ 15/12/2020 đến 14/9/2021: 4.733." in body
    assert body[-1] == "II. PHƯƠNG HƯỚNG, NHIỆM VỤ 3 THÁNG CUỐI NĂM 2021"


def test_a_section_with_show_title_false_prints_no_heading(draft_info: DocumentInfo) -> None:
    data = {
        "id": "cv", "name": "CV", "kind": "cong_van", "subject": "báo cáo",
        "addressee": ["Sở Thông tin và Truyền thông"],
        "sections": [
            {"id": "thu", "title": "Nội dung công văn", "show_title": False, "items": [
                {"id": "q", "type": "text", "prompt": "?", "render": {"pattern": "{value}"}},
            ]},
            {"id": "b", "title": "Phần có tiêu đề", "items": []},
        ],
    }
    body = texts(_render(data, {"q": "Nội dung thư."}, draft_info))
    assert body == ["Kính gửi: Sở Thông tin và Truyền thông", "Nội dung thư.",
                    "II. PHẦN CÓ TIÊU ĐỀ"]


def test_numbered_repeat_items_and_the_last_item_ends_with_a_period(
    draft_info: DocumentInfo,
) -> None:
    data = {
        "id": "r", "name": "R", "subject": "S",
        "sections": [{"id": "a", "title": "Nhiệm vụ", "items": [
            {"id": "tasks", "type": "repeat", "prompt": "?",
             "fields": [{"id": "noi_dung", "label": "Nội dung", "type": "text"}],
             "render": {"style": "bullets", "item": "{index}. {noi_dung};"}},
            {"id": "docs", "type": "repeat", "prompt": "?",
             "fields": [{"id": "so", "label": "Số", "type": "text"}],
             "render": {"style": "bullets", "item": "+ Văn bản số {so};"}},
        ]}],
    }
    answers = {
        "tasks": [{"noi_dung": "Nâng cấp phần mềm"}, {"noi_dung": "Mua bản quyền"}],
        "docs": [{"so": "424/KH-SNgV"}, {"so": "163/SNgV-VP"}, {"so": "857/SNgV-VP"}],
    }
    body = texts(_render(data, answers, draft_info))
    assert body[body.index("I. NHIỆM VỤ") + 1:] == [
        "1. Nâng cấp phần mềm;",
        "2. Mua bản quyền.",
        "+ Văn bản số 424/KH-SNgV;",
        "+ Văn bản số 163/SNgV-VP;",
        "+ Văn bản số 857/SNgV-VP.",
    ]


def test_row_header_names_the_row_label_column(draft_info: DocumentInfo) -> None:
    question = {
        "id": "nhu_cau", "type": "table", "prompt": "?",
        "rows": [{"id": "token", "label": "USB Token"}, {"id": "sim", "label": "SIM PKI"}],
        "columns": [{"id": "so_luong", "label": "Số lượng"}],
        "render": {"row_header": "Loại chứng thư số", "total_row": True,
                   "total_label": "Tổng cộng"},
    }
    data = {"id": "t", "name": "T", "subject": "S",
            "sections": [{"id": "a", "title": "Nhu cầu", "items": [question]}]}
    answers = {"nhu_cau": {"token": {"so_luong": 5}, "sim": {"so_luong": 2}}}
    table = _render(data, answers, draft_info).tables[1]
    assert cell_texts(table)[0] == ["STT", "Loại chứng thư số", "Số lượng"]
    assert cell_texts(table)[-1] == ["Tổng cộng", "Tổng cộng", "7"]
    # without row_header the column keeps its default name
    plain = {**question, "render": {"total_row": True}}
    data["sections"][0]["items"] = [plain]
    assert cell_texts(_render(data, answers, draft_info).tables[1])[0][1] == "Nội dung"


def test_a_lone_figure_column_is_not_squeezed(draft_info: DocumentInfo) -> None:
    question = {
        "id": "nhu_cau", "type": "table", "prompt": "?",
        "rows": [{"id": "a", "label": "Chứng thư số cho thiết bị, dịch vụ, phần mềm"},
                 {"id": "b", "label": "Chứng thư số cho cơ quan, tổ chức"}],
        "columns": [{"id": "so_luong", "label": "Số lượng đề nghị cấp mới"}],
    }
    data = {"id": "t", "name": "T", "subject": "S",
            "sections": [{"id": "a", "title": "Nhu cầu", "items": [question]}]}
    answers = {"nhu_cau": {"a": {"so_luong": 2}, "b": {"so_luong": 3}}}
    table = _render(data, answers, draft_info).tables[1]
    widths = [c.width.twips for c in table.rows[0].cells]
    assert widths[2] >= 2000  # the header "Số lượng đề nghị cấp mới" on two lines at most
