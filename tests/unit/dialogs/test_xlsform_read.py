"""An XLSForm workbook read through pyxform becomes a template: every type, every
column, the project's ``baocao::`` columns and the settings sheet."""

from __future__ import annotations

from typing import Any

import pytest

from bot.template_service import validate_upload
from dialogs.schema import QuestionType, Template
from tests.support.xlsform import workbook

CHOICES = [
    {"list_name": "bien_phap", "name": "tuong_lua", "label": "Tường lửa"},
    {"list_name": "bien_phap", "name": "diet_virus", "label": "Diệt virus"},
    {"list_name": "co_khong", "name": "co", "label": "Có"},
    {"list_name": "co_khong", "name": "khong", "label": "Không"},
    {"list_name": "hang", "name": "van_phong", "label": "Văn phòng"},
    {"list_name": "hang", "name": "so_nganh", "label": "Sở, ngành"},
    {"list_name": "loai", "name": "ke_hoach", "label": "Kế hoạch"},
]
SETTINGS = {
    "form_title": "Báo cáo thử", "form_id": "bao_cao_thu", "version": "3",
    "baocao::kind": "cong_van", "baocao::type_code": "CV", "baocao::period_kind": "quarter",
    "baocao::subject": "về việc thử {period}", "baocao::opening": "{agency} báo cáo:",
    "baocao::closing": "Trân trọng./.", "baocao::recipients": "Như trên\nLưu: VT",
    "baocao::addressee": "Sở Khoa học và Công nghệ", "baocao::grounds": "Căn cứ một\nCăn cứ hai",
    "baocao::description": "Mẫu để thử",
}


def load(survey: list[dict[str, Any]], settings: dict[str, Any] | None = None) -> Template:
    result = validate_upload(workbook(survey, CHOICES, settings or SETTINGS), "thu.xlsx")
    assert result.problems == [], [p.text for p in result.problems]
    assert result.template is not None
    return result.template


def group(name: str, label: str, *rows: dict[str, Any], **extra: Any) -> list[dict[str, Any]]:
    return [{"type": "begin_group", "name": name, "label": label, **extra}, *rows,
            {"type": "end_group"}]


def test_every_type_becomes_the_matching_question() -> None:
    template = load(group(
        "phan_1", "I. CHUNG",
        {"type": "integer", "name": "so_may", "label": "Số máy tính?"},
        {"type": "decimal", "name": "kinh_phi", "label": "Kinh phí (triệu đồng)?"},
        {"type": "decimal", "name": "ty_le", "label": "Tỷ lệ?", "baocao::type": "percent"},
        {"type": "text", "name": "ghi_chu", "label": "Ghi chú?"},
        {"type": "date", "name": "ngay", "label": "Ngày?"},
        {"type": "select_one co_khong", "name": "co_mang", "label": "Có mạng?",
         "baocao::type": "yes_no"},
        {"type": "select_one bien_phap", "name": "chinh", "label": "Biện pháp chính?"},
        {"type": "select_multiple bien_phap", "name": "bien_phap", "label": "Các biện pháp?"},
        {"type": "calculate", "name": "may_x2", "label": "Gấp đôi", "calculation": "${so_may} * 2"},
        {"type": "note", "name": "luu_y", "label": "Lưu ý: nhập số nguyên."},
        *group("phan_1_1", "1.1. Chi tiết",
               {"type": "integer", "name": "so_may_chu", "label": "Số máy chủ?"}),
    ))
    types = {q.id: q.type for q in template.iter_questions()}
    assert types == {
        "so_may": QuestionType.INTEGER, "kinh_phi": QuestionType.DECIMAL,
        "ty_le": QuestionType.PERCENT, "ghi_chu": QuestionType.TEXT, "ngay": QuestionType.DATE,
        "co_mang": QuestionType.YES_NO, "chinh": QuestionType.SELECT_ONE,
        "bien_phap": QuestionType.SELECT_MULTIPLE, "may_x2": QuestionType.COMPUTED,
        "luu_y": QuestionType.NOTE, "so_may_chu": QuestionType.INTEGER,
    }
    section = template.sections[0]
    assert section.title == "I. CHUNG"
    assert section.items[-1].title == "1.1. Chi tiết"  # nested group: a subsection
    chinh = template.question("chinh")
    assert [(c.value, c.label) for c in chinh.choices] == [("tuong_lua", "Tường lửa"),
                                                            ("diet_virus", "Diệt virus")]
    assert template.question("may_x2").expression == "so_may * 2"


def test_every_column_is_read() -> None:
    template = load(group(
        "phan_1", "I. CHUNG",
        {"type": "integer", "name": "tong", "label": "Tổng số CBCC?"},
        {"type": "integer", "name": "so_may", "label": "Số CBCC có máy tính?",
         "hint": "Tính cả máy xách tay.", "required": "yes", "constraint": ". <= ${tong}",
         "constraint_message": "Không vượt quá tổng số CBCC.", "relevant": "${tong} > 0",
         "default": "0"},
        {"type": "decimal", "name": "ty_le", "label": "Tỷ lệ", "calculation":
         "${so_may} div ${tong} * 100", "read_only": "yes"},
        {"type": "text", "name": "ma", "label": "Mã số?", "baocao::label": "Mã",
         "baocao::unit": "ký tự", "baocao::example": "AB12", "baocao::pattern": "[A-Z]{2}[0-9]+",
         "baocao::pattern_message": "Hai chữ in hoa rồi các chữ số.",
         "baocao::min_length": "3", "baocao::max_length": "10", "baocao::long": "yes",
         "baocao::prefill": "previous", "baocao::render": "paragraphs",
         "baocao::rollup": "compile"},
        {"type": "integer", "name": "so_phong", "label": "Số phòng?", "baocao::min": "1",
         "baocao::max": "50", "baocao::render": '{style: sentence, pattern: "- Số phòng: {value}"}',
         "baocao::rollup": "sum"},
    ))
    q = template.question("so_may")
    assert (q.help, q.required, q.constraint, q.constraint_message, q.relevant, q.default) == (
        "Tính cả máy xách tay.", True, "value <= tong", "Không vượt quá tổng số CBCC.",
        "tong > 0", 0)
    ty_le = template.question("ty_le")
    assert (ty_le.type, ty_le.expression) == (QuestionType.COMPUTED, "so_may / tong * 100")
    ma = template.question("ma")
    assert (ma.label, ma.unit, ma.example, ma.pattern, ma.pattern_message) == (
        "Mã", "ký tự", "AB12", "[A-Z]{2}[0-9]+", "Hai chữ in hoa rồi các chữ số.")
    assert (ma.min_length, ma.max_length, ma.long, ma.prefill) == (3, 10, True, "previous")
    assert (ma.render.style, ma.rollup) == ("paragraphs", "compile")
    phong = template.question("so_phong")
    assert (phong.min, phong.max, phong.rollup) == (1, 50, "sum")
    assert (phong.render.style, phong.render.pattern) == ("sentence", "- Số phòng: {value}")


def test_a_group_with_baocao_table_is_a_table_and_a_repeat_is_a_list() -> None:
    template = load(group(
        "phan_1", "I. VĂN BẢN",
        *group("van_ban", "Số văn bản theo đơn vị",
               {"type": "integer", "name": "gui", "label": "Gửi", "baocao::group": "Số văn bản"},
               {"type": "integer", "name": "nhan", "label": "Nhận", "required": "yes"},
               {"type": "calculate", "name": "tong", "label": "Tổng",
                "calculation": "${gui} + ../nhan"},
               **{"baocao::table": "hang", "constraint": "./van_phong/gui >= 0"}),
        {"type": "begin_repeat", "name": "chi_dao", "label": "Văn bản chỉ đạo",
         "baocao::min_items": "1", "baocao::max_items": "5"},
        {"type": "select_one loai", "name": "loai", "label": "Loại"},
        {"type": "text", "name": "trich_yeu", "label": "Trích yếu", "required": "yes"},
        {"type": "end_repeat"},
        {"type": "calculate", "name": "so_chi_dao", "label": "Số văn bản",
         "calculation": "count(${chi_dao})"},
    ))
    table = template.question("van_ban")
    assert table.type == QuestionType.TABLE
    assert [(r.id, r.label) for r in table.rows] == [("van_phong", "Văn phòng"),
                                                     ("so_nganh", "Sở, ngành")]
    assert [(c.id, c.type, c.required) for c in table.columns] == [
        ("gui", QuestionType.INTEGER, False), ("nhan", QuestionType.INTEGER, True),
        ("tong", QuestionType.COMPUTED, False)]
    assert table.columns[0].group == "Số văn bản"
    assert table.columns[2].expression == "gui + nhan"
    assert table.constraint == "value.van_phong.gui >= 0"
    repeat = template.question("chi_dao")
    assert repeat.type == QuestionType.REPEAT
    assert [f.id for f in repeat.fields] == ["loai", "trich_yeu"]
    assert repeat.fields[0].choices[0].label == "Kế hoạch"
    assert (repeat.min_items, repeat.max_items) == (1, 5)
    assert template.question("so_chi_dao").expression == "count(chi_dao)"


def test_the_settings_sheet_sets_the_document_layout() -> None:
    template = load(group("phan_1", "Nội dung",
                          {"type": "text", "name": "noi_dung", "label": "Nội dung?"},
                          **{"baocao::numbering": "none", "baocao::show_title": "no",
                             "baocao::intro": "Phần mở đầu."}))
    assert (template.id, template.name, template.version) == ("bao_cao_thu", "Báo cáo thử", 3)
    assert (template.kind, template.type_code, template.period_kind) == (
        "cong_van", "CV", "quarter")
    assert template.subject == "về việc thử {period}"
    assert (template.opening, template.closing) == ("{agency} báo cáo:", "Trân trọng./.")
    assert template.recipients == ["Như trên", "Lưu: VT"]
    assert template.grounds == ["Căn cứ một", "Căn cứ hai"]
    assert template.addressee == ["Sở Khoa học và Công nghệ"]
    assert template.description == "Mẫu để thử"
    section = template.sections[0]
    assert (section.numbering, section.show_title, section.intro) == ("none", False,
                                                                     "Phần mở đầu.")


def test_without_layout_columns_the_defaults_apply() -> None:
    template = load(
        [{"type": "integer", "name": "so_may", "label": "Số máy tính?"}],
        settings={"form_title": "Khảo sát nhanh", "form_id": "khao_sat"},
    )
    assert (template.kind, template.subject) == ("bao_cao", "Khảo sát nhanh")
    section = template.sections[0]  # loose questions are put in one untitled section
    assert section.show_title is False
    q = template.question("so_may")
    assert (q.render.style, q.rollup) == (None, None)  # the renderer's defaults


def test_a_group_marked_appendix_is_the_appendix() -> None:
    template = load([
        *group("phan_1", "Nội dung", {"type": "text", "name": "a", "label": "A?"}),
        *group("phu_luc", "BIỂU MẪU KÈM THEO",
               *group("bieu_1", "Biểu 1", {"type": "integer", "name": "b", "label": "B?"}),
               **{"baocao::appendix": "yes"}),
    ])
    assert template.appendix is not None
    assert template.appendix.title == "BIỂU MẪU KÈM THEO"
    assert [q.id for q in template.iter_questions()] == ["a", "b"]


@pytest.mark.parametrize("ext", ["xlsx", "XLSX"])
def test_the_format_is_reported(ext: str) -> None:
    data = workbook([{"type": "text", "name": "a", "label": "A?"}], CHOICES, SETTINGS)
    assert validate_upload(data, f"mau.{ext}").format == "xlsform"
