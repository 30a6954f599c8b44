"""A template's questions as plain data (for ``baocao templates show``)."""

from __future__ import annotations

from typing import Any

from dialogs.cursor import Outline
from dialogs.schema import Column, Question, Section, Template


def _column(column: Column) -> dict[str, Any]:
    return {
        "id": column.id,
        "label": column.label,
        "type": column.type.value,
        "required": column.required,
        "min": column.min,
        "max": column.max,
        "unit": column.unit,
        "example": column.example,
        "expression": column.expression,
        "group": column.group,
        "choices": [{"value": c.value, "label": c.label} for c in column.choices],
    }


def _question(question: Question, path: list[str], number: int | None) -> dict[str, Any]:
    return {
        "number": number,
        "id": question.id,
        "type": question.type.value,
        "prompt": question.prompt,
        "label": question.short_label,
        "section": path,
        "help": question.help,
        "example": question.example,
        "unit": question.unit,
        "rules": {
            "required": question.required,
            "min": question.min,
            "max": question.max,
            "min_length": question.min_length,
            "max_length": question.max_length,
            "pattern": question.pattern,
            "constraint": question.constraint,
            "constraint_message": question.constraint_message,
            "relevant": question.relevant,
            "default": question.default,
            "prefill": question.prefill,
            "min_items": question.min_items,
            "max_items": question.max_items,
            "expression": question.expression,
        },
        "choices": [{"value": c.value, "label": c.label} for c in question.choices],
        "rows": [{"id": r.id, "label": r.label} for r in question.rows],
        "columns": [_column(c) for c in question.columns],
        "fields": [_column(f) for f in question.fields],
    }


def describe_template(template: Template) -> dict[str, Any]:
    """Metadata plus every question in document order, with its section path and rules."""
    outline = Outline.of(template)
    questions: list[dict[str, Any]] = []

    def walk(items: list[Question | Section], path: list[str]) -> None:
        for item in items:
            if isinstance(item, Section):
                walk(list(item.items), [*path, item.title])
            else:
                questions.append(_question(item, path, outline.numbers.get(item.id)))

    walk(list(template.sections), [])
    if template.appendix is not None:
        walk(list(template.appendix.items), [template.appendix.label])
    return {
        "id": template.id,
        "version": template.version,
        "name": template.name,
        "kind": template.kind,
        "period_kind": template.period_kind,
        "asked": outline.total,
        "questions": questions,
    }


def format_template(template: Template) -> str:
    """A readable listing: sections as headings, one line per question."""
    info = describe_template(template)
    lines = [f"{info['name']} ({info['id']} v{info['version']}, {info['asked']} câu hỏi)"]
    current: list[str] = []
    for q in info["questions"]:
        if q["section"] != current:
            current = q["section"]
            lines.append("")
            lines.append(" › ".join(current))
        number = f"{q['number']:>3}." if q["number"] is not None else "   -"
        flags = []
        rules = q["rules"]
        if rules["required"]:
            flags.append("bắt buộc")
        if rules["relevant"]:
            flags.append(f"khi {rules['relevant']}")
        suffix = f" [{', '.join(flags)}]" if flags else ""
        lines.append(f"{number} {q['id']} ({q['type']}){suffix}: {q['label']}")
    return "\n".join(lines)
