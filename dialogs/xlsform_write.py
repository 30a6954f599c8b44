"""A template written as an XLSForm workbook (openpyxl) that reads back as the
same template (the spelling: :mod:`dialogs.xlsform`)."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from dialogs.schema import Column, Question, QuestionType, Render, Section, Template
from dialogs.xlsform import (
    NUMBER_EXTRAS,
    PLAIN_EXTRAS,
    SETTINGS_LINES,
    SETTINGS_TEXT,
    SURVEY_COLUMNS,
)
from dialogs.xlsform_expr import to_xlsform

__all__ = ["template_to_xlsform"]

_YES_NO_LIST = "co_khong"

_XLS_TYPE = {
    QuestionType.TEXT: "text",
    QuestionType.INTEGER: "integer",
    QuestionType.DECIMAL: "decimal",
    QuestionType.PERCENT: "decimal",
    QuestionType.DATE: "date",
    QuestionType.COMPUTED: "calculate",
    QuestionType.NOTE: "note",
}


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
    for key in SETTINGS_TEXT:
        value = getattr(template, key)
        if value is not None and value != defaults[key].default:
            values[f"baocao::{key}"] = value
    for key in SETTINGS_LINES:
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
        extras = {f"baocao::{k}": _cell(getattr(col, k)) for k in PLAIN_EXTRAS
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
    for key in PLAIN_EXTRAS:
        out[f"baocao::{key}"] = _cell(getattr(q, key))
    for key in NUMBER_EXTRAS:
        out[f"baocao::{key}"] = _cell(getattr(q, key))
    return out
