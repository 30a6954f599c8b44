"""Every problem of an uploaded template is listed at once, in Vietnamese, with the
sheet, row and column (XLSForm) or the question id (YAML); nothing is returned to
publish from a file with errors."""

from __future__ import annotations

import time

import pytest

from bot.template_service import MAX_UPLOAD_BYTES, Problem, validate_upload
from dialogs.loader import bundled_template_dir
from tests.support.xlsform import workbook

CHOICES = [{"list_name": "bien_phap", "name": "tuong_lua", "label": "Tường lửa"}]
SETTINGS = {"form_title": "Mẫu thử", "form_id": "mau_thu"}


def problems_of(survey: list[dict[str, str]], choices: list[dict[str, str]] = CHOICES) -> list[
        Problem]:
    result = validate_upload(workbook(survey, choices, SETTINGS), "mau.xlsx")
    assert result.template is None
    assert result.problems
    return result.problems


def where(problem: Problem) -> tuple[str | None, int | None, str | None]:
    return problem.sheet, problem.row, problem.column


def test_an_unknown_type_is_named_with_its_row() -> None:
    [problem] = problems_of([{"type": "numbr", "name": "so_may", "label": "Số máy?"}])
    assert where(problem) == ("survey", 2, "type")
    assert "kiểu 'numbr' không có" in problem.message
    assert problem.text.startswith("Trang survey, dòng 2, cột type: ")


def test_an_odk_type_the_reports_cannot_use_is_refused() -> None:
    [problem] = problems_of([{"type": "geopoint", "name": "vi_tri", "label": "Vị trí?"}])
    assert "kiểu 'geopoint' không có" in problem.message


def test_a_missing_choices_list_is_named() -> None:
    [problem] = problems_of([{"type": "select_one bien_phapp", "name": "bp", "label": "BP?"}])
    assert where(problem) == ("survey", 2, "type")
    assert "danh sách lựa chọn 'bien_phapp' không có trong trang choices" in problem.message


def test_a_missing_table_rows_list_is_named() -> None:
    [problem] = problems_of([
        {"type": "begin_group", "name": "bang", "label": "Bảng", "baocao::table": "hang"},
        {"type": "integer", "name": "gui", "label": "Gửi"},
        {"type": "end_group"},
    ])
    assert where(problem) == ("survey", 2, "baocao::table")


def test_an_expression_naming_an_unknown_field_is_named() -> None:
    [problem] = problems_of([
        {"type": "integer", "name": "tong", "label": "Tổng?"},
        {"type": "integer", "name": "so_may", "label": "Số máy?", "constraint": ". <= ${tongg}"},
    ])
    assert where(problem) == ("survey", 3, "constraint")
    assert "câu hỏi không có: '${tongg}'" in problem.message


def test_an_untranslatable_term_is_named_with_sheet_row_and_column() -> None:
    [problem] = problems_of([
        {"type": "date", "name": "ngay", "label": "Ngày?", "relevant": "today() > ${ngay}"},
    ])
    assert where(problem) == ("survey", 2, "relevant")
    assert "không dịch được 'today()'" in problem.message


def test_a_cycle_between_calculations_is_named() -> None:
    [problem] = problems_of([
        {"type": "calculate", "name": "a", "label": "A", "calculation": "${b} + 1"},
        {"type": "calculate", "name": "b", "label": "B", "calculation": "${a} * 2"},
    ])
    assert problem.column == "calculation"
    assert "phụ thuộc nhau thành vòng: a → b → a" in problem.message


def test_a_duplicate_name_is_named_with_both_rows() -> None:
    [problem] = problems_of([
        {"type": "integer", "name": "so_may", "label": "Số máy?"},
        {"type": "text", "name": "so_may", "label": "Lại số máy?"},
    ])
    assert where(problem) == ("survey", 3, "name")
    assert "tên 'so_may' bị trùng với dòng 2" in problem.message


def test_columns_of_different_tables_may_share_names() -> None:
    survey = []
    for table in ("bang_a", "bang_b"):
        survey += [{"type": "begin_group", "name": table, "label": table, "baocao::table": "h"},
                   {"type": "integer", "name": "tong", "label": "Tổng"}, {"type": "end_group"}]
    result = validate_upload(
        workbook(survey, [{"list_name": "h", "name": "r1", "label": "R1"}], SETTINGS), "m.xlsx")
    assert result.problems == []


@pytest.mark.parametrize(("pattern", "said"), [
    ("^(a+)+$", "có thể chạy rất lâu"),
    ("(\\w+\\s?)*$", "có thể chạy rất lâu"),
    ("[0-9", "không hợp lệ"),
    ("(a)\\1", "không hợp lệ"),
])
def test_a_bad_or_catastrophic_pattern_is_refused(pattern: str, said: str) -> None:
    [problem] = problems_of([
        {"type": "text", "name": "ma", "label": "Mã?", "baocao::pattern": pattern},
    ])
    assert where(problem) == ("survey", 2, "baocao::pattern")
    assert said in problem.message


def test_every_problem_is_listed_at_once() -> None:
    problems = problems_of([
        {"type": "numbr", "name": "a", "label": "A?"},
        {"type": "select_one khong_co", "name": "b", "label": "B?"},
        {"type": "integer", "name": "c", "label": "C?", "relevant": "${zz} > 1"},
        {"type": "integer", "name": "c", "label": "C lần nữa?"},
    ])
    assert [(p.row, p.column) for p in problems] == [
        (2, "type"), (3, "type"), (4, "relevant"), (5, "name")]


def test_a_file_over_5_mb_is_refused_before_parsing() -> None:
    started = time.perf_counter()
    result = validate_upload(b"PK\x03\x04" + b"\0" * MAX_UPLOAD_BYTES, "lon.xlsx")
    assert time.perf_counter() - started < 0.5
    assert result.template is None
    assert [p.message for p in result.problems] == ["Tệp lớn hơn 5 MB (5.0 MB): không đọc."]


@pytest.mark.parametrize(("data", "name", "said"), [
    (b"%PDF-1.4 ...", "mau.pdf", "Tệp không phải XLSX (XLSForm) hay YAML"),
    (b"just text", "mau.xlsx", "không phải là tệp Excel .xlsx hợp lệ"),
    (b"PK\x03\x04broken", "mau.xlsx", "không phải là tệp Excel .xlsx hợp lệ"),
    (b"\xff\xfe\x00", "mau.yaml", "UTF-8"),
])
def test_a_file_that_is_not_xlsx_or_yaml_is_refused(data: bytes, name: str, said: str) -> None:
    result = validate_upload(data, name)
    assert result.template is None
    assert said in result.problems[0].message


def test_a_yaml_alias_bomb_is_refused_quickly() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 12):
        prev, name = chr(96 + level), chr(97 + level)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    lines += ["id: bom", "name: Bom", "subject: Bom", "sections: []"]
    started = time.perf_counter()
    result = validate_upload("\n".join(lines).encode(), "bom.yaml")
    assert time.perf_counter() - started < 2
    assert result.template is None
    assert "alias bomb" in result.problems[0].message
    assert "bị từ chối" in result.problems[0].message


YAML_WITH_THREE_PROBLEMS = """
id: mau_loi
name: Mẫu lỗi
subject: Báo cáo {period}
sections:
  - id: phan_1
    title: I. CHUNG
    items:
      - {id: so_may, type: integer, prompt: "Số máy?", constraint: "value <= tongg"}
      - {id: ma, type: text, prompt: "Mã?", pattern: "^(a+)+$"}
      - {id: ma, type: text, prompt: "Mã nữa?"}
      - {id: a, type: computed, prompt: "A", expression: "b + 1"}
      - {id: b, type: computed, prompt: "B", expression: "a + 1"}
"""


def test_yaml_problems_name_the_question_in_vietnamese_all_at_once() -> None:
    result = validate_upload(YAML_WITH_THREE_PROBLEMS.encode(), "mau_loi.yaml")
    assert result.template is None
    by_message = {p.message.split(" (dòng")[0]: p.question_id for p in result.problems}
    assert by_message == {
        "mã (id) bị trùng với một câu hỏi hoặc phần khác": "ma",
        "mẫu kiểm tra (pattern) '^(a+)+$' có thể chạy rất lâu (phép lặp lồng trong phép lặp); "
        "hãy viết lại": "ma",
        "biểu thức ở mục constraint nhắc tới câu hỏi không có: 'tongg'": "so_may",
        "các câu tính toán phụ thuộc nhau thành vòng: a → b → a": "a",
    }
    assert all("câu '" in p.text for p in result.problems)


def test_a_bundled_yaml_uploads_cleanly() -> None:
    data = (bundled_template_dir() / "annual_it.yaml").read_bytes()
    result = validate_upload(data, "annual_it.yaml")
    assert result.problems == []
    assert result.template is not None and result.template.id == "annual_it"


def test_yaml_schema_problems_are_all_listed_too() -> None:
    text = """
id: mau_kieu
name: Mẫu
subject: S
sections:
  - id: p
    title: P
    items:
      - {id: a, type: numbr, prompt: "A?"}
      - {id: b, type: integer, prompt: "B?"}
      - {id: c, type: chu, prompt: "C?"}
"""
    result = validate_upload(text.encode(), "mau_kieu.yaml")
    assert [(p.question_id, p.message.split(" (dòng")[0]) for p in result.problems] == [
        ("a", "kiểu câu hỏi 'numbr' không có"), ("c", "kiểu câu hỏi 'chu' không có")]
    assert "(dòng 9)" in result.problems[0].message


def test_a_name_that_cannot_be_an_id_is_named() -> None:
    [problem] = problems_of([{"type": "integer", "name": "SoMay", "label": "Số máy?"}])
    assert where(problem) == ("survey", 2, "name")
    assert "chỉ được gồm chữ thường không dấu" in problem.message


def test_a_group_left_open_is_named() -> None:
    [problem] = problems_of([
        {"type": "begin_group", "name": "phan_1", "label": "I"},
        {"type": "integer", "name": "so_may", "label": "Số máy?"},
    ])
    assert where(problem) == ("survey", 2, "type")
    assert "không có dòng end_group/end_repeat" in problem.message


def test_a_bad_form_id_is_reported_in_vietnamese() -> None:
    data = workbook([{"type": "integer", "name": "a", "label": "A?"}],
                    settings={"form_title": "T", "form_id": "Mau-1"})
    result = validate_upload(data, "mau.xlsx")
    assert result.template is None
    assert any("form_id" in p.message for p in result.problems), result.problems


def test_bad_layout_values_are_placed_on_their_row_column_or_setting() -> None:
    data = workbook([
        {"type": "integer", "name": "a", "label": "A?", "baocao::rollup": "tong"},
        {"type": "integer", "name": "b", "label": "B?", "baocao::min": "abc"},
    ], settings={"form_title": "T", "form_id": "mau", "baocao::kind": "thu"})
    result = validate_upload(data, "mau.xlsx")
    assert [(p.sheet, p.row, p.column) for p in result.problems] == [
        ("settings", None, "baocao::kind"), ("survey", 2, "baocao::rollup"),
        ("survey", 3, "baocao::min")]
    assert "giá trị 'tong' không hợp lệ; dùng một trong: 'sum', 'ratio_of_sums'" in (
        result.problems[1].message)
