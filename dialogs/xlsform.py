"""Templates as XLSForm workbooks (the authoring convention of ODK and KoboToolbox).

Reading uses **pyxform** (ODK's own library): it reads the workbook, checks it
as an XLSForm and builds the form tree; this module turns that tree into a
:class:`~dialogs.schema.Template`, translating expressions with
:mod:`dialogs.xlsform_expr`. Writing (export) uses openpyxl.

The spelling (README: "Soạn mẫu báo cáo bằng Excel (XLSForm)")
=============================================================

Sheet ``survey`` — one row per question:

* ``type``: ``integer``, ``decimal``, ``text``, ``date``, ``select_one L``,
  ``select_multiple L`` (L: a list of the ``choices`` sheet), ``calculate``
  (a computed figure), ``note``, ``begin_group``/``end_group`` (a section;
  groups inside groups are subsections), ``begin_repeat``/``end_repeat`` (a list
  of items, e.g. documents issued; the rows inside are the item's fields).
* **Tables** are a group with a ``baocao::table`` column naming a choices list:
  the list holds the table's rows, the questions inside the group are its
  columns (a ``calculate`` inside is a computed column over ``${other_column}``).
* Columns: ``name``, ``label`` (the question as asked; a group's title), ``hint``,
  ``required`` (yes), ``constraint`` (``.`` is the answer), ``constraint_message``,
  ``relevant``, ``default``, ``calculation``, ``read_only`` (a row with a
  calculation is computed).
* The project's extra columns: ``baocao::type`` (``percent`` on a ``decimal``,
  ``yes_no`` on a ``select_one``), ``baocao::label`` (short name in reviews and
  roll-ups), ``baocao::unit``, ``baocao::example``, ``baocao::render`` (how the
  answer is printed: ``sentence``, ``paragraphs``, ``bullets``, ``table``,
  ``hidden``, or a mapping such as ``{style: sentence, pattern: "- Số máy: {value}"}``),
  ``baocao::rollup`` (``sum``, ``ratio_of_sums``, ``list_by_agency``, ``compile``,
  ``count``, ``none``), ``baocao::min``/``baocao::max``, ``baocao::min_length``/
  ``baocao::max_length``, ``baocao::min_items``/``baocao::max_items``,
  ``baocao::pattern``/``baocao::pattern_message``, ``baocao::prefill``
  (``previous``), ``baocao::long`` (yes: multi-line text), ``baocao::group``
  (a header over adjacent table columns); on groups ``baocao::numbering``,
  ``baocao::intro``, ``baocao::show_title`` (no), ``baocao::appendix`` (yes: the
  group is the appendix) with ``baocao::summary`` (names of body questions whose
  figures the appendix repeats as one table, separated by spaces).

Sheet ``choices``: ``list_name``, ``name``, ``label``.

Sheet ``settings``: ``form_title`` (the template's name), ``form_id`` (its id),
``version``, and the document layout: ``baocao::kind`` (``bao_cao`` or
``cong_van``), ``baocao::type_code``, ``baocao::period_kind``,
``baocao::subject``, ``baocao::opening``, ``baocao::closing``,
``baocao::description``, and one line per entry in ``baocao::recipients``,
``baocao::addressee``, ``baocao::grounds``.

Without layout columns a sensible default applies: sections as headings,
"label: value" sentences, tables as tables, numbers summed in the roll-up.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from dialogs.loader import _expanded_size
from dialogs.schema import (
    NUMERIC_TYPES,
    Column,
    Question,
    QuestionType,
    Render,
    Section,
    Template,
)
from dialogs.xlsform_expr import UntranslatableTerm, from_xlsform, to_xlsform

__all__ = ["SURVEY_COLUMNS", "XlsformProblem", "template_to_xlsform", "xlsform_to_template_data"]

#: Survey columns written on export, in order.
SURVEY_COLUMNS = [
    "type", "name", "label", "hint", "required", "constraint", "constraint_message",
    "relevant", "default", "calculation", "read_only",
    "baocao::type", "baocao::label", "baocao::unit", "baocao::example", "baocao::render",
    "baocao::rollup", "baocao::min", "baocao::max", "baocao::min_length",
    "baocao::max_length", "baocao::min_items", "baocao::max_items", "baocao::pattern",
    "baocao::pattern_message", "baocao::prefill", "baocao::long", "baocao::table",
    "baocao::group", "baocao::numbering", "baocao::intro", "baocao::show_title",
    "baocao::appendix", "baocao::summary",
]
_SETTINGS_TEXT = ["description", "kind", "type_code", "period_kind", "subject", "opening",
                  "closing", "percent"]
_SETTINGS_LINES = ["addressee", "grounds", "recipients"]
_PLAIN_EXTRAS = ["unit", "example", "pattern", "pattern_message", "prefill"]
_NUMBER_EXTRAS = ["min", "max", "min_length", "max_length", "min_items", "max_items"]
_YES_NO_LIST = "co_khong"
_YES = ("yes", "true", "true()", "1", "có", "co", "x")

_XLS_TYPE = {
    QuestionType.TEXT: "text",
    QuestionType.INTEGER: "integer",
    QuestionType.DECIMAL: "decimal",
    QuestionType.PERCENT: "decimal",
    QuestionType.DATE: "date",
    QuestionType.COMPUTED: "calculate",
    QuestionType.NOTE: "note",
}
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


# =========================================================================== export


def template_to_xlsform(template: Template) -> bytes:
    """The template as an XLSForm workbook that reads back as the same template."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    writer = _Writer()
    for section in template.sections:
        writer.item(section)
    if template.appendix is not None:
        appendix = template.appendix
        writer.row(type="begin_group", name=writer.free_name("phu_luc"), label=appendix.title,
                   **{"baocao::appendix": "yes",
                      "baocao::label": appendix.label if appendix.label != "Phụ lục" else None,
                      "baocao::summary": " ".join(appendix.summary) or None})
        for item in appendix.items:
            writer.item(item)
        writer.row(type="end_group")

    book = Workbook()
    survey = book.active
    survey.title = "survey"
    used = [c for c in SURVEY_COLUMNS if c in ("type", "name", "label")
            or any(r.get(c) not in (None, "") for r in writer.rows)]
    survey.append(used)
    for row in writer.rows:
        survey.append([row.get(c) for c in used])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    for list_name, name, label in writer.choices:
        choices.append([list_name, name, label])
    settings = book.create_sheet("settings")
    values: dict[str, Any] = {"form_title": template.name, "form_id": template.id,
                              "version": str(template.version)}
    defaults = Template.model_fields
    for key in _SETTINGS_TEXT:
        value = getattr(template, key)
        if value is not None and value != defaults[key].default:
            values[f"baocao::{key}"] = value
    for key in _SETTINGS_LINES:
        lines = getattr(template, key)
        if lines:
            if any("\n" in line for line in lines):
                raise ValueError(f"{key}: an entry holds a line break")
            values[f"baocao::{key}"] = "\n".join(lines)
    settings.append(list(values))
    settings.append([str(v) for v in values.values()])
    for sheet in (survey, choices, settings):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class _Writer:
    rows: list[dict[str, Any]] = field(default_factory=list)
    choices: list[tuple[str, str, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    lists: set[str] = field(default_factory=set)

    def row(self, **values: Any) -> None:
        self.rows.append({k: v for k, v in values.items() if v is not None})

    def free_name(self, base: str) -> str:
        name, n = base, 1
        while name in self.names:
            n += 1
            name = f"{base}_{n}"
        self.names.add(name)
        return name

    def add_list(self, base: str, entries: list[tuple[str, str]]) -> str:
        name, n = base, 1
        while name in self.lists:
            n += 1
            name = f"{base}_{n}"
        self.lists.add(name)
        self.choices.extend((name, value, label) for value, label in entries)
        return name

    def item(self, item: Question | Section) -> None:
        if isinstance(item, Section):
            self.names.add(item.id)
            self.row(
                type="begin_group", name=item.id, label=item.title,
                relevant=_expr_out(item.relevant),
                **{"baocao::numbering": item.numbering, "baocao::intro": item.intro,
                   "baocao::show_title": None if item.show_title else "no"},
            )
            for child in item.items:
                self.item(child)
            self.row(type="end_group")
        else:
            self.question(item)

    def question(self, q: Question) -> None:
        self.names.add(q.id)
        common = _common_columns(q)
        if q.type == QuestionType.TABLE:
            rows = self.add_list(f"{q.id}_hang", [(r.id, r.label) for r in q.rows])
            self.row(type="begin_group", **common, **{"baocao::table": rows})
            for col in q.columns:
                self.column(q, col)
            self.row(type="end_group")
            return
        if q.type == QuestionType.REPEAT:
            self.row(type="begin_repeat", **common)
            for col in q.fields:
                self.column(q, col)
            self.row(type="end_repeat")
            return
        self.row(type=self.type_of(q.id, q), **common)

    def column(self, q: Question, col: Column) -> None:
        extras = {f"baocao::{k}": _cell(getattr(col, k)) for k in _PLAIN_EXTRAS
                  if k in Column.model_fields}
        extras.update({f"baocao::{k}": _cell(getattr(col, k)) for k in ("min", "max",
                                                                       "max_length")})
        self.row(
            type=self.type_of(f"{q.id}_{col.id}", col), name=col.id, label=col.label,
            required="yes" if col.required else None,
            calculation=to_xlsform(col.expression, siblings=True) if col.expression else None,
            **{"baocao::type": _project_type(col.type), "baocao::group": col.group,
               "baocao::rollup": col.rollup, **extras},
        )

    def type_of(self, list_base: str, spec: Question | Column) -> str:
        if spec.type == QuestionType.YES_NO:
            if _YES_NO_LIST not in self.lists:
                self.lists.add(_YES_NO_LIST)
                self.choices.extend([(_YES_NO_LIST, "co", "Có"), (_YES_NO_LIST, "khong", "Không")])
            return f"select_one {_YES_NO_LIST}"
        if spec.type in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
            name = self.add_list(list_base, [(c.value, c.label) for c in spec.choices])
            return f"{spec.type.value} {name}"
        return _XLS_TYPE[spec.type]


def _project_type(qtype: QuestionType) -> str | None:
    return qtype.value if qtype in (QuestionType.PERCENT, QuestionType.YES_NO) else None


def _expr_out(source: str | None) -> str | None:
    return to_xlsform(source) if source else None


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _render_out(render: Render) -> str | None:
    data = render.model_dump(exclude_defaults=True)
    if not data:
        return None
    if list(data) == ["style"]:
        return str(data["style"])
    # JSON strings are YAML double-quoted scalars; a run of spaces is written with
    # \u0020 escapes because pyxform collapses runs of spaces in a cell.
    parts = []
    for key, value in data.items():
        text = json.dumps(value, ensure_ascii=False)
        if isinstance(value, str):
            text = re.sub(r"(?<= ) ", r"\\u0020", text)
        parts.append(f"{key}: {text}")
    return "{" + ", ".join(parts) + "}"


def _default_out(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return _cell(value)


def _common_columns(q: Question) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": q.id, "label": q.prompt, "hint": q.help,
        "required": "yes" if q.required else None,
        "constraint": _expr_out(q.constraint), "constraint_message": q.constraint_message,
        "relevant": _expr_out(q.relevant), "default": _default_out(q.default),
        "calculation": _expr_out(q.expression),
        "baocao::type": _project_type(q.type), "baocao::label": q.label,
        "baocao::render": _render_out(q.render), "baocao::rollup": q.rollup,
        "baocao::long": "yes" if q.long else None,
    }
    for key in _PLAIN_EXTRAS:
        out[f"baocao::{key}"] = _cell(getattr(q, key))
    for key in _NUMBER_EXTRAS:
        out[f"baocao::{key}"] = _cell(getattr(q, key))
    return out


# =========================================================================== import


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
    for key in _SETTINGS_TEXT:
        if settings.get(key) not in (None, ""):
            data[key] = str(settings[key])
    for key in _SETTINGS_LINES:
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
    for key in (*_PLAIN_EXTRAS, *_NUMBER_EXTRAS):
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
        small = len(text) <= 5000 and _expanded_size(yaml.compose(text)) <= 1000
        data = yaml.safe_load(text) if small else None
    except (yaml.YAMLError, RecursionError):
        data = None
    if not isinstance(data, dict):
        collect.add("baocao::render phải là một kiểu (sentence, paragraphs, bullets, table, "
                    "hidden) hoặc dạng {style: …, pattern: \"…\"}", path, "baocao::render", qid)
        return None
    return data
