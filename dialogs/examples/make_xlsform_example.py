"""Write ``khao_sat_thiet_bi.xlsx``, the small complete XLSForm of the README.

Run: ``.venv/bin/python dialogs/examples/make_xlsform_example.py``. The test
``tests/unit/dialogs/test_xlsform_example.py`` checks that the shipped file is
what this script writes and that it loads as a template.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
TARGET = HERE / "khao_sat_thiet_bi.xlsx"

SURVEY: list[dict[str, Any]] = [
    {"type": "begin_group", "name": "thiet_bi", "label": "TRANG THIẾT BỊ"},
    {"type": "integer", "name": "so_cbcc", "label": "Tổng số cán bộ, công chức của đơn vị?",
     "required": "yes", "baocao::unit": "người", "baocao::min": 0,
     "baocao::render": '{pattern: "- Tổng số CBCC: {value} người."}'},
    {"type": "integer", "name": "so_may_tinh", "label": "Số CBCC được trang bị máy tính?",
     "hint": "Tính cả máy tính xách tay.", "required": "yes", "constraint": ". <= ${so_cbcc}",
     "constraint_message": "Không được lớn hơn tổng số CBCC.",
     "baocao::render": '{pattern: "- Số CBCC có máy tính: {value} người."}'},
    {"type": "calculate", "name": "ty_le_may_tinh", "label": "Tỷ lệ CBCC có máy tính",
     "calculation": "if(${so_cbcc} > 0, ${so_may_tinh} div ${so_cbcc} * 100, 0)",
     "baocao::unit": "%", "baocao::rollup": "ratio_of_sums",
     "baocao::render": '{pattern: "- Tỷ lệ CBCC có máy tính: {value}."}'},
    {"type": "select_one co_khong", "name": "co_mang_lan", "label": "Đơn vị có mạng LAN không?",
     "required": "yes", "baocao::type": "yes_no", "baocao::label": "Đơn vị có mạng LAN"},
    {"type": "integer", "name": "so_may_lan", "label": "Số máy tính kết nối mạng LAN?",
     "relevant": "${co_mang_lan} = true()", "baocao::label": "Số máy tính kết nối mạng LAN"},
    {"type": "select_multiple bien_phap", "name": "bien_phap",
     "label": "Đơn vị đang dùng những biện pháp an toàn thông tin nào?",
     "baocao::label": "Biện pháp an toàn thông tin"},
    {"type": "text", "name": "bien_phap_khac", "label": "Biện pháp khác là gì?",
     "relevant": "selected(${bien_phap}, 'khac')", "baocao::label": "Biện pháp khác"},
    {"type": "end_group"},
    {"type": "begin_group", "name": "van_ban", "label": "VĂN BẢN ĐIỆN TỬ"},
    {"type": "note", "name": "luu_y", "label": "Số liệu tính từ đầu kỳ báo cáo đến nay."},
    {"type": "begin_group", "name": "so_van_ban", "label": "Số văn bản đi, đến trong kỳ",
     "baocao::table": "don_vi", "baocao::render": "table"},
    {"type": "integer", "name": "di", "label": "Văn bản đi", "required": "yes"},
    {"type": "integer", "name": "den", "label": "Văn bản đến", "required": "yes"},
    {"type": "calculate", "name": "tong", "label": "Tổng", "calculation": "../di + ../den"},
    {"type": "end_group"},
    {"type": "begin_repeat", "name": "he_thong", "label": "Các hệ thống thông tin đang dùng",
     "baocao::render": "table"},
    {"type": "text", "name": "ten", "label": "Tên hệ thống", "required": "yes"},
    {"type": "date", "name": "ngay_dua_vao", "label": "Ngày đưa vào sử dụng"},
    {"type": "end_repeat"},
    {"type": "end_group"},
]
CHOICES = [
    ("co_khong", "co", "Có"), ("co_khong", "khong", "Không"),
    ("bien_phap", "tuong_lua", "Tường lửa"), ("bien_phap", "diet_virus", "Phần mềm diệt virus"),
    ("bien_phap", "sao_luu", "Sao lưu dữ liệu"), ("bien_phap", "khac", "Biện pháp khác"),
    ("don_vi", "van_phong", "Văn phòng"), ("don_vi", "don_vi_truc_thuoc", "Đơn vị trực thuộc"),
]
SETTINGS = {
    "form_title": "Khảo sát trang thiết bị công nghệ thông tin",
    "form_id": "khao_sat_thiet_bi",
    "version": "1",
    "baocao::kind": "bao_cao",
    "baocao::type_code": "BC",
    "baocao::period_kind": "ad_hoc",
    "baocao::subject": "Kết quả khảo sát trang thiết bị công nghệ thông tin {period}",
    "baocao::opening": "{agency} báo cáo kết quả khảo sát như sau:",
    "baocao::closing": "Trên đây là báo cáo của {agency}./.",
    "baocao::recipients": "{collector} (để tổng hợp)",
}


def build() -> Workbook:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    columns: list[str] = []
    for row in SURVEY:
        columns += [c for c in row if c not in columns]
    survey.append(columns)
    for row in SURVEY:
        survey.append([row.get(c) for c in columns])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    for entry in CHOICES:
        choices.append(list(entry))
    settings = book.create_sheet("settings")
    settings.append(list(SETTINGS))
    settings.append(list(SETTINGS.values()))
    for sheet in (survey, choices, settings):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    return book


if __name__ == "__main__":
    build().save(TARGET)
    print(f"wrote {TARGET}")
