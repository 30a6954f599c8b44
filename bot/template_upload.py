"""Check an uploaded template file (YAML or XLSForm) and list every problem at once.

What a clerk is told, in Vietnamese, with the sheet/row/column (XLSForm) or the
question id (YAML): a file over 5 MB (refused before it is parsed), a file that
is neither XLSX nor YAML, a YAML alias bomb, an unknown type, a missing choices
list, an expression naming an unknown field, a term that cannot be translated, a
cycle between calculations, a duplicate name, a pattern that is invalid or could
backtrack catastrophically. Nothing is stored here: the caller publishes only a
file without problems.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any, Literal

from dialogs.loader import ID_RE, TemplateError, TemplateErrors, load_template_text
from dialogs.patterns import PatternProblem, check_pattern
from dialogs.schema import Template
from dialogs.xlsform_expr import UntranslatableTerm, from_xlsform

__all__ = [
    "MAX_UNZIPPED_BYTES", "MAX_UPLOAD_BYTES", "Problem", "SourceFormat", "UploadResult",
    "validate_upload",
]

#: Files above this size are refused before they are parsed.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024

SourceFormat = Literal["yaml", "xlsform"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of an uploaded file, in Vietnamese, with where it is.

    ``sheet``/``row``/``column`` are set for XLSForm (row as numbered in Excel);
    ``question_id`` for YAML (and for XLSForm when the row has a name).
    """

    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    question_id: str | None = None

    @property
    def text(self) -> str:
        """The problem as one line: where, then what."""
        where: list[str] = []
        if self.sheet:
            where.append(f"Trang {self.sheet}")
        if self.row:
            where.append(f"dòng {self.row}")
        if self.column:
            where.append(f"cột {self.column}")
        if self.question_id and not self.row:
            where.append(f"câu '{self.question_id}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True, slots=True)
class UploadResult:
    """Either a template (``problems`` empty) or every problem found."""

    template: Template | None
    problems: list[Problem] = field(default_factory=list)
    format: SourceFormat | None = None


#: An XLSX is a zip; refuse one that unpacks to more than this (a zip bomb).
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024

_XLSX_EXT = (".xlsx",)
_YAML_EXT = (".yaml", ".yml")
_SIMPLE_TYPES = {"integer", "int", "decimal", "text", "date", "calculate", "note"}
_BEGIN = {"begin_group", "begin group", "begin_repeat", "begin repeat"}
_END = {"end_group", "end group", "end_repeat", "end repeat"}
_SELECT_RE = re.compile(r"^(select_one|select_multiple|select one|select multiple)\s+(\S+)$")
_REF_RE = re.compile(r"\$\{([^}]*)\}")
_EXPRESSION_COLUMNS = ("constraint", "relevant", "calculation")


def validate_upload(data: bytes, filename: str) -> UploadResult:
    """Check an uploaded YAML or XLSForm file; list every problem at once.

    A file over :data:`MAX_UPLOAD_BYTES` is refused before it is parsed.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        return _fail(f"Tệp lớn hơn {MAX_UPLOAD_BYTES // (1024 * 1024)} MB "
                     f"({len(data) / (1024 * 1024):.1f} MB): không đọc.")
    name = (filename or "").lower().strip()
    is_zip = data[:4] == b"PK\x03\x04"
    if name.endswith(_XLSX_EXT) or (is_zip and not name.endswith(_YAML_EXT)):
        if not is_zip:
            return _fail("Tệp không phải là tệp Excel .xlsx hợp lệ.", fmt="xlsform")
        return _validate_xlsform(data, filename)
    if name.endswith(_YAML_EXT):
        return _validate_yaml(data, filename)
    return _fail("Tệp không phải XLSX (XLSForm) hay YAML: hãy tải lên tệp .xlsx, .yaml "
                 "hoặc .yml.")


def _fail(message: str, fmt: Any = None) -> UploadResult:
    return UploadResult(None, [Problem(message)], fmt)


# --------------------------------------------------------------------------- YAML


def _validate_yaml(data: bytes, filename: str) -> UploadResult:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _fail("Tệp YAML phải được lưu với mã UTF-8.", fmt="yaml")
    try:
        template = load_template_text(text, filename)
    except TemplateErrors as exc:
        return UploadResult(None, [_problem_of(e) for e in exc.errors], "yaml")
    except TemplateError as exc:
        return UploadResult(None, [_problem_of(exc)], "yaml")
    return UploadResult(template, [], "yaml")


#: The loader's English problems a clerk meets most, in Vietnamese.
_TRANSLATIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(\w+) names unknown question '([^']+)'.*"),
     r"biểu thức ở mục \1 nhắc tới câu hỏi không có: '\2'"),
    (re.compile(r"^(.*) expression names unknown (column|field) '([^']+)'.*"),
     r"biểu thức của \1 nhắc tới cột không có: '\3'"),
    (re.compile(r"^computed questions depend on each other in a cycle: (.*)$"),
     r"các câu tính toán phụ thuộc nhau thành vòng: \1"),
    (re.compile(r"^computed (column|field)s depend on each other: (.*)$"),
     r"các cột tính toán phụ thuộc nhau thành vòng: \2"),
    (re.compile(r"^duplicate id.*"), "mã (id) bị trùng với một câu hỏi hoặc phần khác"),
    (re.compile(r"^id '([^']+)' must be lowercase.*"),
     r"mã '\1' chỉ được gồm chữ thường không dấu, chữ số và dấu gạch dưới, bắt đầu bằng chữ"),
    (re.compile(r"^template id '([^']+)' must match.*"),
     r"mã mẫu '\1' (form_id) chỉ được gồm chữ thường không dấu, chữ số và dấu gạch dưới"),
    (re.compile(r"^missing required key '([^']+)'"), r"thiếu mục bắt buộc '\1'"),
    (re.compile(r"^duplicate (row|column|field) id '([^']+)'"), r"mã '\2' bị trùng"),
    (re.compile(r"^unknown (question|column) type '([^']+)'.*"),
     r"kiểu câu hỏi '\2' không có"),
    (re.compile(r"^(.*)a select question needs choices$"),
     "câu hỏi chọn thiếu danh sách lựa chọn"),
    (re.compile(r"^(.*)pattern '(.*)' can backtrack catastrophically.*"),
     r"mẫu kiểm tra (pattern) '\2' có thể chạy rất lâu (phép lặp lồng trong phép lặp); "
     r"hãy viết lại"),
    (re.compile(r"^(.*)pattern '(.*)' is not a valid regex.*"),
     r"mẫu kiểm tra (pattern) '\2' không hợp lệ"),
    (re.compile(r"^the YAML expands to more than.*"),
     "tệp YAML dùng neo và bí danh (&/*) nở ra quá lớn ('alias bomb'): bị từ chối"),
    (re.compile(r"^YAML syntax error(.*)$"), r"lỗi cú pháp YAML\1"),
    (re.compile(r"^(\w+): syntax error.*"), r"biểu thức ở mục \1 viết sai cú pháp"),
]


def _vietnamese(problem: str) -> str:
    for pattern, replacement in _TRANSLATIONS:
        if pattern.match(problem):
            return pattern.sub(replacement, problem, count=1)
    return f"mẫu không hợp lệ: {problem}"


def _problem_of(exc: TemplateError) -> Problem:
    message = _vietnamese(exc.problem)
    if exc.line:
        message += f" (dòng {exc.line})"
    return Problem(message, question_id=exc.question_id)


# --------------------------------------------------------------------------- XLSForm


def _validate_xlsform(data: bytes, filename: str) -> UploadResult:
    from pyxform import xls2json, xls2json_backends
    from pyxform.errors import PyXFormError

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return _fail("Tệp không phải là tệp Excel .xlsx hợp lệ.", fmt="xlsform")
    if unpacked > MAX_UNZIPPED_BYTES:
        return _fail("Tệp .xlsx giải nén ra quá lớn: không đọc.", fmt="xlsform")
    try:
        workbook = xls2json_backends.get_xlsform(io.BytesIO(data), file_type=".xlsx")
    except Exception:  # pyxform/openpyxl raise many kinds on a damaged file
        return _fail("Không đọc được tệp Excel .xlsx (tệp hỏng hoặc không phải XLSForm).",
                     fmt="xlsform")
    survey: list[dict[str, Any]] = list(getattr(workbook, "survey", None) or [])
    if not survey:
        return _fail("Tệp không có trang 'survey' (danh sách câu hỏi).", fmt="xlsform")
    choices_rows: list[dict[str, Any]] = list(getattr(workbook, "choices", None) or [])
    problems = _precheck(survey, choices_rows)
    if problems:
        return UploadResult(None, problems, "xlsform")

    from dialogs.xlsform import survey_rows_by_path, xlsform_to_template_data

    form_name = re.sub(r"[^a-z0-9_]", "_", filename.rsplit(".", 1)[0].lower()) or "mau"
    try:
        form = xls2json.workbook_to_json(workbook_dict=workbook, form_name=form_name,
                                         default_language="default", warnings=[])
    except PyXFormError as exc:
        return UploadResult(None, [_pyxform_problem(str(exc))], "xlsform")
    except Exception as exc:
        return _fail(f"Không đọc được XLSForm: {exc}", fmt="xlsform")
    rows = survey_rows_by_path(survey)
    template_data, found, row_of_id = xlsform_to_template_data(form, rows)
    problems = [Problem(p.message, p.sheet, p.row, p.column, p.question_id) for p in found]
    if problems:
        return UploadResult(None, problems, "xlsform")
    return _validate_template_data(template_data, row_of_id)


def _validate_template_data(data: dict[str, Any], row_of_id: dict[str, int]) -> UploadResult:
    from pydantic import ValidationError

    from dialogs.loader import template_to_yaml

    try:
        template = Template.model_validate(data)
    except ValidationError as exc:
        problems = [_schema_problem(err, data, row_of_id) for err in exc.errors()[:50]]
        return UploadResult(None, problems, "xlsform")
    try:
        template = load_template_text(template_to_yaml(template), f"{template.id}.xlsx")
    except TemplateError as exc:
        errors = exc.errors if isinstance(exc, TemplateErrors) else [exc]
        problems = []
        for error in errors:
            column = _column_of(error.problem)
            row = row_of_id.get(error.question_id or "")
            problems.append(Problem(_vietnamese(error.problem), "survey" if row else None, row,
                                    column, error.question_id))
        return UploadResult(None, problems, "xlsform")
    return UploadResult(template, [], "xlsform")


#: Template fields and the XLSForm column (or settings entry) they come from.
_FIELD_COLUMNS = {
    "prompt": "label", "title": "label", "help": "hint", "required": "required",
    "default": "default", "label": "baocao::label", "render": "baocao::render",
    "rollup": "baocao::rollup", "type": "baocao::type", "numbering": "baocao::numbering",
    "show_title": "baocao::show_title", "long": "baocao::long", "prefill": "baocao::prefill",
    **{k: f"baocao::{k}" for k in ("min", "max", "min_length", "max_length", "min_items",
                                  "max_items", "unit", "example", "group")},
}


def _schema_problem(err: Any, data: dict[str, Any], row_of_id: dict[str, int]) -> Problem:
    """A pydantic error on the translated data, placed on its row and column."""
    node: Any = data
    owner: str | None = None
    field_name: str | None = None
    for part in err["loc"]:
        if part in ("question", "section") and isinstance(node, dict):
            continue
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            owner = node["id"]
        if isinstance(part, str):
            field_name = part
    value = err.get("input")
    expected = (err.get("ctx") or {}).get("expected")
    allowed = f"; dùng một trong: {expected.replace(' or ', ', ')}" if expected else ""
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "…"
    message = f"giá trị {shown} không hợp lệ{allowed}" if value is not None else (
        f"thiếu {field_name}")
    row = row_of_id.get(owner or "")
    if row is None:  # a settings entry
        return Problem(message, "settings", None, f"baocao::{field_name}" if field_name else None)
    return Problem(message, "survey", row, _FIELD_COLUMNS.get(field_name or ""), owner)


def _column_of(problem: str) -> str | None:
    for prefix, column in (("relevant", "relevant"), ("constraint", "constraint"),
                           ("expression", "calculation"), ("render", "baocao::render"),
                           ("pattern", "baocao::pattern"), ("rollup", "baocao::rollup"),
                           ("choices", "type"), ("min", "baocao::min")):
        if problem.startswith(prefix):
            return column
    return None


_PYXFORM_ROW = re.compile(r"\[row\s*:\s*(\d+)\]")


def _pyxform_problem(message: str) -> Problem:
    match = _PYXFORM_ROW.search(message)
    row = int(match.group(1)) if match else None
    text = _PYXFORM_ROW.sub("", message).strip()
    return Problem(f"XLSForm không hợp lệ (pyxform): {text}", "survey" if row else None, row)


def _precheck(survey: list[dict[str, Any]], choices: list[dict[str, Any]]) -> list[Problem]:
    """Row-level checks that find every problem in one pass (pyxform stops at the first)."""
    problems: list[Problem] = []
    lists = {str(c.get("list_name") or "").strip() for c in choices} - {""}
    global_names: dict[str, int] = {}
    # each open group: (kind, name, names of its direct children when a table/repeat)
    stack: list[tuple[str, str, dict[str, int] | None]] = []
    calculations: dict[str, tuple[int, set[str]]] = {}
    all_names: set[str] = set()
    expressions: list[tuple[int, str, str, str, bool]] = []
    opened: list[int] = []  # Excel rows of the groups still open

    for index, row in enumerate(survey):
        excel_row = index + 2
        raw_type = " ".join(str(row.get("type") or "").split())
        kind = raw_type.lower()
        name = str(row.get("name") or "").strip()
        if not raw_type:
            if any(v not in (None, "") for v in row.values()):
                problems.append(Problem("thiếu kiểu câu hỏi (cột type trống)", "survey",
                                        excel_row, "type", name or None))
            continue
        if kind in _END:
            if stack:
                stack.pop()
                opened.pop()
            else:
                problems.append(Problem(f"'{raw_type}' không có nhóm mở tương ứng", "survey",
                                        excel_row, "type"))
            continue
        select = _SELECT_RE.match(kind)
        if select:
            list_name = select.group(2)
            if list_name not in lists:
                problems.append(Problem(
                    f"danh sách lựa chọn '{list_name}' không có trong trang choices",
                    "survey", excel_row, "type", name or None))
        elif kind not in _SIMPLE_TYPES and kind not in _BEGIN:
            problems.append(Problem(
                f"kiểu '{raw_type}' không có (dùng integer, decimal, text, date, select_one, "
                "select_multiple, calculate, note, begin_group, begin_repeat)",
                "survey", excel_row, "type", name or None))
        if not name:
            problems.append(Problem("thiếu tên (cột name trống)", "survey", excel_row, "name"))
        elif not ID_RE.match(name):
            problems.append(Problem(
                f"tên '{name}' chỉ được gồm chữ thường không dấu, chữ số và dấu gạch dưới, "
                "bắt đầu bằng một chữ (ví dụ so_may_tinh)", "survey", excel_row, "name", name))
        in_record = bool(stack) and stack[-1][2] is not None
        if name:
            scope = stack[-1][2] if in_record else global_names
            assert scope is not None
            if name in scope:
                problems.append(Problem(
                    f"tên '{name}' bị trùng với dòng {scope[name]}", "survey", excel_row,
                    "name", name))
            else:
                scope[name] = excel_row
            all_names.add(name)
        table_list = str(row.get("baocao::table") or "").strip()
        if table_list and table_list not in lists:
            problems.append(Problem(
                f"danh sách '{table_list}' (các dòng của bảng) không có trong trang choices",
                "survey", excel_row, "baocao::table", name or None))
        pattern = str(row.get("baocao::pattern") or "")
        if pattern:
            try:
                check_pattern(pattern)
            except PatternProblem as exc:
                problems.append(Problem(
                    f"mẫu kiểm tra '{pattern}' có thể chạy rất lâu (phép lặp lồng trong phép "
                    "lặp, ví dụ (a+)+); hãy viết lại" if exc.kind == "catastrophic"
                    else f"mẫu kiểm tra '{pattern}' không hợp lệ",
                    "survey", excel_row, "baocao::pattern", name or None))
        for column in _EXPRESSION_COLUMNS:
            source = str(row.get(column) or "").strip()
            if source:
                expressions.append((excel_row, column, source, name, in_record))
        if kind in _BEGIN:
            is_record = "repeat" in kind or bool(table_list)
            stack.append((kind, name, {} if is_record else None))
            opened.append(excel_row)

    for excel_row in opened:
        problems.append(Problem("nhóm mở ở dòng này không có dòng end_group/end_repeat đóng lại",
                                "survey", excel_row, "type"))
    for excel_row, column, source, name, in_record in expressions:
        try:
            from_xlsform(source)
        except UntranslatableTerm as exc:
            problems.append(Problem(f"không dịch được '{exc.term}' trong biểu thức: {exc.reason}",
                                    "survey", excel_row, column, name or None))
            continue
        refs = {r.strip() for r in _REF_RE.findall(source)}
        for ref in sorted(refs - all_names):
            problems.append(Problem(f"biểu thức nhắc tới câu hỏi không có: '${{{ref}}}'",
                                    "survey", excel_row, column, name or None))
        if column == "calculation" and name and not in_record:
            calculations[name] = (excel_row, refs)
    problems.extend(_calculation_cycles(calculations))
    return sorted(problems, key=lambda p: p.row or 0)


def _calculation_cycles(calculations: dict[str, tuple[int, set[str]]]) -> list[Problem]:
    from dialogs.loader import _find_cycle

    graph = {name: {r for r in refs if r in calculations}
             for name, (_, refs) in calculations.items()}
    cycle = _find_cycle(graph)
    if not cycle:
        return []
    row = calculations[cycle[0]][0]
    return [Problem(f"các phép tính phụ thuộc nhau thành vòng: {' → '.join(cycle)}", "survey",
                    row, "calculation", cycle[0])]
