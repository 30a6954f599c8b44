"""An XLSForm workbook, as pyxform's form tree, turned into template data (the
spelling: :mod:`dialogs.xlsform`); every problem names its sheet, row and column.

The caller (``bot.template_upload``) reads the workbook with pyxform and checks
the data as a template afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from dialogs.schema import NUMERIC_TYPES, QuestionType
from dialogs.template_yaml import expanded_size
from dialogs.xlsform import NUMBER_EXTRAS, PLAIN_EXTRAS, SETTINGS_LINES, SETTINGS_TEXT
from dialogs.xlsform_expr import UntranslatableTerm, from_xlsform

__all__ = ["XlsformProblem", "survey_rows_by_path", "xlsform_to_template_data"]

_YES = ("yes", "true", "true()", "1", "có", "co", "x")

_PYXFORM_TYPE = {
    "text": QuestionType.TEXT,
    "integer": QuestionType.INTEGER,
    "int": QuestionType.INTEGER,
    "decimal": QuestionType.DECIMAL,
    "date": QuestionType.DATE,
    "calculate": QuestionType.COMPUTED,
    "note": QuestionType.NOTE,
    "select one": QuestionType.SELECT_ONE,
    "select all that apply": QuestionType.SELECT_MULTIPLE,
}


@dataclass(frozen=True, slots=True)
class XlsformProblem:
    """A problem of the workbook with where it is (row as numbered in Excel)."""

    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    question_id: str | None = None


class _Collect:
    """Problems found while translating, each with its sheet, row and column."""

    def __init__(self, rows_by_path: dict[tuple[str, ...], int]) -> None:
        self.rows_by_path = rows_by_path
        self.problems: list[XlsformProblem] = []
        self.row_of_id: dict[str, int] = {}

    def add(self, message: str, path: tuple[str, ...], column: str | None,
            question_id: str | None = None) -> None:
        self.problems.append(XlsformProblem(message, "survey", self.rows_by_path.get(path),
                                            column, question_id))


def survey_rows_by_path(survey: list[dict[str, Any]]) -> dict[tuple[str, ...], int]:
    """Excel row number of each named survey row, keyed by its group path."""
    out: dict[tuple[str, ...], int] = {}
    stack: list[str] = []
    for index, row in enumerate(survey):
        kind = str(row.get("type") or "").strip().lower().replace(" ", "_")
        name = str(row.get("name") or "").strip()
        if kind.startswith("end_") or kind in ("end", "end_group", "end_repeat"):
            if stack:
                stack.pop()
            continue
        if name:
            out.setdefault((*stack, name), index + 2)
        if kind.startswith("begin_"):
            stack.append(name)
    return out


def xlsform_to_template_data(
    form: dict[str, Any], rows_by_path: dict[tuple[str, ...], int]
) -> tuple[dict[str, Any], list[XlsformProblem], dict[str, int]]:
    """pyxform's form tree → template data (for ``Template``), the problems found,
    and the Excel row of every question id."""
    collect = _Collect(rows_by_path)
    choices: dict[str, list[dict[str, Any]]] = form.get("choices") or {}
    settings: dict[str, Any] = form.get("baocao") or {}
    data: dict[str, Any] = {
        "id": form.get("id_string") or form.get("name"),
        "name": form.get("title") or form.get("id_string"),
    }
    version = str(form.get("version") or "").strip()
    if version:
        data["version"] = version
    for key in SETTINGS_TEXT:
        if settings.get(key) not in (None, ""):
            data[key] = str(settings[key])
    for key in SETTINGS_LINES:
        if settings.get(key) not in (None, ""):
            data[key] = [line.strip() for line in str(settings[key]).splitlines() if line.strip()]
    data.setdefault("subject", data["name"])
    sections: list[dict[str, Any]] = []
    loose: list[dict[str, Any]] = []
    appendix: dict[str, Any] | None = None
    for child in _children(form):
        if child.get("type") == "group" and (child.get("baocao") or {}).get("appendix"):
            extra = child.get("baocao") or {}
            appendix = {"title": _text(child.get("label")) or "Phụ lục",
                        "items": [_item(c, (child["name"],), choices, collect)
                                  for c in _children(child)]}
            if extra.get("label"):
                appendix["label"] = str(extra["label"])
            if extra.get("summary"):
                appendix["summary"] = str(extra["summary"]).split()
            continue
        item = _item(child, (), choices, collect)
        if item.get("kind") == "section":
            if loose:
                sections.append(_implicit_section(loose, len(sections), data["name"]))
                loose = []
            sections.append(item)
        else:
            loose.append(item)
    if loose:
        sections.append(_implicit_section(loose, len(sections), data["name"]))
    data["sections"] = sections
    if appendix is not None:
        data["appendix"] = appendix
    return data, collect.problems, collect.row_of_id


def _implicit_section(items: list[dict[str, Any]], index: int, title: str) -> dict[str, Any]:
    return {"kind": "section", "id": f"phan_{index + 1}", "title": title, "show_title": False,
            "items": items}


def _children(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for child in node.get("children") or []:
        if child.get("name") == "meta" and (child.get("control") or {}).get("bodyless"):
            continue
        yield child


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):  # translated labels: take the default language
        value = value.get("default") or next(iter(value.values()), None)
    text = str(value).strip()
    return text or None


def _yes(value: Any) -> bool:
    return str(value or "").strip().lower() in _YES


def _expr_in(source: Any, path: tuple[str, ...], column: str, collect: _Collect,
             qid: str | None) -> str | None:
    text = _text(source)
    if text is None:
        return None
    try:
        return from_xlsform(text)
    except UntranslatableTerm as exc:
        collect.add(f"không dịch được '{exc.term}' trong biểu thức: {exc.reason}",
                    path, column, qid)
        return None


def _item(node: dict[str, Any], parent: tuple[str, ...], choices: dict[str, Any],
          collect: _Collect) -> dict[str, Any]:
    name = str(node.get("name") or "")
    path = (*parent, name)
    if path in collect.rows_by_path:
        collect.row_of_id.setdefault(name, collect.rows_by_path[path])
    extra = node.get("baocao") or {}
    bind = node.get("bind") or {}
    kind = node.get("type")
    if kind == "group" and not extra.get("table"):
        section: dict[str, Any] = {
            "kind": "section", "id": name, "title": _text(node.get("label")) or name,
            "items": [_item(c, path, choices, collect) for c in _children(node)],
        }
        relevant = _expr_in(bind.get("relevant"), path, "relevant", collect, name)
        if relevant:
            section["relevant"] = relevant
        if extra.get("numbering"):
            section["numbering"] = str(extra["numbering"]).strip()
        if extra.get("intro"):
            section["intro"] = str(extra["intro"])
        if "show_title" in extra:
            section["show_title"] = _yes(extra["show_title"])
        return section
    q: dict[str, Any] = {"kind": "question", "id": name, "prompt": _text(node.get("label"))}
    if kind == "group":  # a table
        q["type"] = QuestionType.TABLE.value
        rows = choices.get(str(extra["table"]).strip())
        if rows is None:
            collect.add(f"không có danh sách '{extra['table']}' (các dòng của bảng) trong "
                        "trang choices", path, "baocao::table", name)
            rows = []
        q["rows"] = [{"id": str(r.get("name")), "label": _text(r.get("label")) or ""}
                     for r in rows]
        q["columns"] = [_column(c, path, choices, collect) for c in _children(node)]
    elif kind == "repeat":
        q["type"] = QuestionType.REPEAT.value
        q["fields"] = [_column(c, path, choices, collect) for c in _children(node)]
    else:
        q["type"] = _scalar_type(node, path, collect)
        if q["type"] in (QuestionType.SELECT_ONE.value, QuestionType.SELECT_MULTIPLE.value):
            q["choices"] = _choices(node)
    if q["prompt"] is None:
        q["prompt"] = _text(extra.get("label")) or name
    if _text(node.get("hint")):
        q["hint_"] = _text(node.get("hint"))
    if _yes(bind.get("required")):
        q["required"] = True
    for key, column in (("constraint", "constraint"), ("relevant", "relevant"),
                        ("calculate", "calculation")):
        translated = _expr_in(bind.get(key), path, column, collect, name)
        if translated:
            q["expression" if key == "calculate" else key] = translated
    if q.get("expression") and q["type"] not in (QuestionType.TABLE.value,
                                                  QuestionType.REPEAT.value):
        q["type"] = QuestionType.COMPUTED.value
        q.pop("choices", None)
    message = _text(bind.get("jr:constraintMsg"))
    if message:
        q["constraint_message"] = message
    default = _text(node.get("default"))
    if default is not None:
        q["default"] = _default_in(default, q["type"])
    if extra.get("label"):
        q["label"] = str(extra["label"])
    if _yes(extra.get("long")):
        q["long"] = True
    for key in (*PLAIN_EXTRAS, *NUMBER_EXTRAS):
        if extra.get(key) not in (None, ""):
            q[key] = str(extra[key])
    if extra.get("rollup"):
        q["rollup"] = str(extra["rollup"]).strip()
    if extra.get("render"):
        render = _render_in(extra["render"], path, collect, name)
        if render is not None:
            q["render"] = render
    if "hint_" in q:
        q["help"] = q.pop("hint_")
    return q


def _column(node: dict[str, Any], parent: tuple[str, ...], choices: dict[str, Any],
            collect: _Collect) -> dict[str, Any]:
    name = str(node.get("name") or "")
    path = (*parent, name)
    extra = node.get("baocao") or {}
    bind = node.get("bind") or {}
    if node.get("type") in ("group", "repeat"):
        collect.add("một bảng hay danh sách lặp không được chứa nhóm khác", path, "type", name)
        return {"id": name, "label": name}
    col: dict[str, Any] = {"id": name, "label": _text(node.get("label")) or name,
                           "type": _scalar_type(node, path, collect),
                           "required": _yes(bind.get("required"))}
    if col["type"] in (QuestionType.SELECT_ONE.value, QuestionType.SELECT_MULTIPLE.value):
        col["choices"] = _choices(node)
    expression = _expr_in(bind.get("calculate"), path, "calculation", collect, name)
    if expression:
        col["type"] = QuestionType.COMPUTED.value
        col["expression"] = expression
        col.pop("choices", None)
    for key in ("unit", "example", "pattern", "pattern_message", "min", "max", "max_length",
                "group", "rollup"):
        if extra.get(key) not in (None, ""):
            col[key] = str(extra[key])
    return col


def _scalar_type(node: dict[str, Any], path: tuple[str, ...], collect: _Collect) -> str:
    kind = str(node.get("type") or "")
    extra = node.get("baocao") or {}
    wanted = str(extra.get("type") or "").strip()
    qtype = _PYXFORM_TYPE.get(kind)
    if qtype is None:
        collect.add(f"kiểu '{kind}' không dùng được trong mẫu báo cáo (dùng integer, decimal, "
                    "text, date, select_one, select_multiple, calculate, note, begin_group, "
                    "begin_repeat)", path, "type", path[-1])
        return QuestionType.TEXT.value
    if wanted == "percent" and qtype in NUMERIC_TYPES:
        return QuestionType.PERCENT.value
    if wanted == "yes_no" and qtype == QuestionType.SELECT_ONE:
        return QuestionType.YES_NO.value
    if wanted:
        collect.add(f"baocao::type '{wanted}' không hợp lệ ở đây (percent trên decimal, yes_no "
                    "trên select_one)", path, "baocao::type", path[-1])
    return qtype.value


def _choices(node: dict[str, Any]) -> list[dict[str, str]]:
    return [{"value": str(c.get("name")), "label": _text(c.get("label")) or str(c.get("name"))}
            for c in node.get("choices") or []]


def _default_in(text: str, qtype: str) -> Any:
    try:
        if qtype == QuestionType.INTEGER.value:
            return int(float(text)) if float(text).is_integer() else float(text)
        if qtype in (QuestionType.DECIMAL.value, QuestionType.PERCENT.value):
            number = float(text)
            return int(number) if number.is_integer() and "." not in text else number
    except ValueError:
        return text
    if qtype == QuestionType.YES_NO.value:
        return _yes(text)
    if qtype == QuestionType.SELECT_MULTIPLE.value:
        return text.split()
    return text


def _render_in(value: Any, path: tuple[str, ...], collect: _Collect, qid: str) -> Any:
    text = str(value).strip()
    if text in ("sentence", "paragraphs", "bullets", "table", "hidden"):
        return {"style": text}
    try:
        small = len(text) <= 5000 and expanded_size(yaml.compose(text)) <= 1000
        data = yaml.safe_load(text) if small else None
    except (yaml.YAMLError, RecursionError):
        data = None
    if not isinstance(data, dict):
        collect.add("baocao::render phải là một kiểu (sentence, paragraphs, bullets, table, "
                    "hidden) hoặc dạng {style: …, pattern: \"…\"}", path, "baocao::render", qid)
        return None
    return data
