"""Fixtures for the renderer tests: a small report template, an agency, and helpers
that read a DOCX back the way a reader sees it (effective bold/italic/size)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dialogs.domain import Agency, DocumentInfo, Round
from dialogs.schema import Template

AGENCY = Agency(
    id=1,
    name="Sở Công Thương",
    abbreviation="SCT",
    governing_body="UBND tỉnh Đồng Nai",
    place="Đồng Nai",
    signer_name="Nguyễn Trí Phương",
    signer_position="Phó Giám đốc",
    signer_authority="KT. Giám đốc",
    drafting_unit="VP",
)
ROUND = Round(
    id=7,
    template_id="annual_it",
    template_version=1,
    period_label="năm 2026",
    period_start=dt.date(2025, 12, 15),
    period_end=dt.date(2026, 12, 14),
    deadline=dt.date(2026, 12, 20),
)

SAMPLE: dict[str, Any] = {
    "id": "sample",
    "name": "Báo cáo mẫu",
    "subject": "Kết quả ứng dụng công nghệ thông tin của {agency} {period}",
    "grounds": [
        "Căn cứ Kế hoạch số 599/KH-UBND ngày 18/01/2021 của UBND tỉnh.",
        "Căn cứ Kế hoạch số 1594/KH-UBND ngày 09/02/2021 của UBND tỉnh;",
        "Thực hiện văn bản của {collector} (kỳ {period_start} - {period_end})",
    ],
    "opening": "{agency} báo cáo kết quả thực hiện như sau:",
    "closing": "Trên đây là báo cáo của {agency} {period}./.",
    "recipients": ["Sở Khoa học và Công nghệ (tổng hợp)", "- Ban Lãnh đạo Sở;"],
    "sections": [
        {
            "id": "s1",
            "title": "Hạ tầng kỹ thuật",
            "intro": "Tình hình hạ tầng của {agency} như sau:",
            "items": [
                {
                    "id": "computers",
                    "type": "integer",
                    "prompt": "Số máy tính?",
                    "label": "Tổng số máy tính",
                },
                {
                    "id": "bandwidth",
                    "type": "decimal",
                    "prompt": "Băng thông?",
                    "label": "Băng thông",
                    "unit": "Mb",
                },
                {
                    "id": "lan",
                    "type": "yes_no",
                    "prompt": "Có mạng LAN?",
                    "render": {"pattern": "+ Mạng LAN: {value}"},
                },
                {
                    "id": "since",
                    "type": "date",
                    "prompt": "Từ ngày?",
                    "render": {"pattern": "Vận hành từ ngày {value}."},
                },
                {
                    "id": "security",
                    "type": "select_multiple",
                    "prompt": "Biện pháp?",
                    "label": "Biện pháp an ninh",
                    "choices": [
                        {"value": "fw", "label": "Tường lửa"},
                        {"value": "av", "label": "Phòng chống virus"},
                        {"value": "bk", "label": "Sao lưu"},
                    ],
                },
                {
                    "id": "missing",
                    "type": "integer",
                    "prompt": "Không trả lời?",
                    "label": "Số máy chủ",
                    "render": {"empty": "- {label}: chưa có số liệu"},
                },
                {"id": "silent", "type": "integer", "prompt": "Không in?"},
                {"id": "secret", "type": "text", "prompt": "Ẩn?", "render": {"style": "hidden"}},
                {"id": "hint", "type": "note", "prompt": "Ghi chú chỉ hiện trong chat"},
                {
                    "id": "note_printed",
                    "type": "note",
                    "prompt": "x",
                    "render": {"pattern": "Số liệu tính đến ngày {period_end}."},
                },
            ],
        },
        {
            "id": "s2",
            "title": "Các ứng dụng, dịch vụ",
            "items": [
                {
                    "id": "s2_1",
                    "title": "Ứng dụng CNTT trong hoạt động nội bộ",
                    "items": [
                        {
                            "id": "s2_1_1",
                            "title": "Quản lý văn bản",
                            "items": [
                                {
                                    "id": "docs_total",
                                    "type": "integer",
                                    "prompt": "Tổng?",
                                    "label": "Tổng số văn bản",
                                },
                                {
                                    "id": "docs_e",
                                    "type": "integer",
                                    "prompt": "Điện tử?",
                                    "label": "Văn bản điện tử",
                                },
                                {
                                    "id": "docs_ratio",
                                    "type": "computed",
                                    "prompt": "Tỷ lệ",
                                    "label": "Tỷ lệ văn bản điện tử",
                                    "unit": "%",
                                    "expression": "round(docs_e / docs_total * 100, 2)",
                                },
                                {
                                    "id": "docs_pct_again",
                                    "type": "computed",
                                    "prompt": "x",
                                    "unit": "%",
                                    "expression": "docs_ratio",
                                    "render": {"pattern": "Đạt {value}."},
                                },
                                {
                                    "id": "docs",
                                    "type": "table",
                                    "prompt": "Văn bản",
                                    "render": {
                                        "total_row": True,
                                        "pattern": "* Kết quả sử dụng phần mềm:",
                                    },
                                    "rows": [
                                        {"id": "vp", "label": "Văn phòng Sở"},
                                        {"id": "tt", "label": "Trung tâm"},
                                    ],
                                    "columns": [
                                        {"id": "total", "label": "Tổng", "group": "Số văn bản"},
                                        {"id": "e", "label": "Điện tử", "group": "Số văn bản"},
                                        {
                                            "id": "ratio",
                                            "label": "Tỷ lệ",
                                            "type": "computed",
                                            "unit": "%",
                                            "expression": "e / total * 100",
                                        },
                                        {
                                            "id": "note",
                                            "label": "Ghi chú",
                                            "type": "text",
                                            "required": False,
                                        },
                                    ],
                                },
                            ],
                        },
                    ],
                },
                {
                    "id": "s2_2",
                    "title": "Hệ thống thông tin",
                    "items": [
                        {
                            "id": "systems",
                            "type": "repeat",
                            "prompt": "Hệ thống?",
                            "render": {"pattern": "+ Số lượng hệ thống thông tin: {value}"},
                            "fields": [
                                {"id": "name", "label": "Tên hệ thống", "type": "text"},
                                {"id": "operator", "label": "Đơn vị vận hành", "type": "text"},
                                {"id": "level", "label": "Cấp độ", "type": "integer"},
                            ],
                        },
                        {
                            "id": "plans",
                            "type": "repeat",
                            "prompt": "Kế hoạch?",
                            "fields": [
                                {"id": "number", "label": "Số", "type": "text"},
                                {"id": "date", "label": "Ngày", "type": "date"},
                            ],
                        },
                        {"id": "situation", "type": "text", "long": True, "prompt": "Tình hình?"},
                    ],
                },
            ],
        },
        {
            "id": "s3",
            "title": "Kinh phí",
            "relevant": "has_budget",
            "items": [{"id": "budget", "type": "integer", "prompt": "Kinh phí?"}],
        },
        {
            "id": "s4",
            "title": "Đề xuất, kiến nghị",
            "items": [
                {
                    "id": "proposals",
                    "type": "text",
                    "long": True,
                    "prompt": "Đề xuất?",
                    "render": {"style": "bullets"},
                }
            ],
        },
    ],
    "appendix": {
        "title": "Biểu mẫu báo cáo các nhiệm vụ/dự án {period}",
        "items": [
            {
                "id": "projects",
                "type": "repeat",
                "prompt": "Dự án?",
                "render": {"style": "table", "total_row": True},
                "fields": [
                    {"id": "name", "label": "Tên nhiệm vụ", "type": "text"},
                    {"id": "budget", "label": "Kinh phí", "type": "integer", "unit": "triệu đồng"},
                ],
            },
        ],
    },
}

ANSWERS: dict[str, Any] = {
    "computers": 25430,
    "bandwidth": 93.75,
    "lan": True,
    "since": "2020-04-08",
    "security": ["fw", "bk"],
    "secret": "KHÔNG ĐƯỢC IN",
    "docs_total": 25430,
    "docs_e": 23841,
    "docs": {"vp": {"total": 20, "e": 10, "note": "Ghi chú"}, "tt": {"total": 40, "e": 30}},
    "systems": [
        {"name": "Trang thông tin điện tử", "operator": "Sở Công Thương", "level": 2},
        {"name": "Cơ sở dữ liệu ngành", "operator": "Sở Công Thương", "level": 3},
    ],
    "plans": [{"number": "927/KH-SCT", "date": "2021-02-26"}],
    "situation": "Đoạn thứ nhất.\n\n- Ý thứ hai;\n+ Ý thứ ba.",
    "has_budget": False,
    "budget": 999,
    "proposals": "Cấp thêm chứng thư số\n- Nâng cấp đường truyền",
    "projects": [
        {"name": "Nâng cấp mạng LAN", "budget": 1200},
        {"name": "Mua phần mềm", "budget": 300},
    ],
}


def with_kinds(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mark YAML-style items as sections (they have ``items``) or questions."""
    out = []
    for item in items:
        if "items" in item:
            out.append({**item, "kind": "section", "items": with_kinds(item["items"])})
        else:
            out.append({"kind": "question", **item})
    return out


def make_template(data: dict[str, Any]) -> Template:
    data = {**data, "sections": with_kinds(data["sections"])}
    if data.get("appendix"):
        data["appendix"] = {**data["appendix"], "items": with_kinds(data["appendix"]["items"])}
    return Template.model_validate(data)


@pytest.fixture
def template() -> Template:
    return make_template(SAMPLE)


@pytest.fixture
def answers() -> dict[str, Any]:
    return {k: v for k, v in ANSWERS.items()}


@pytest.fixture
def draft_info() -> DocumentInfo:
    return DocumentInfo(agency=AGENCY, round=ROUND)


@pytest.fixture
def issued_info() -> DocumentInfo:
    return DocumentInfo(agency=AGENCY, round=ROUND, number=5, issued_on=dt.date(2026, 2, 5))
