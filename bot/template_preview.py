"""What the dashboard shows of a template before it is published: the question
list as officers will meet it (numbers, sections, the "Câu N/M · section"
progress label, conditions and rules in words), example answers, and a sample
DOCX rendered from them (with the picture of page 1 when LibreOffice is there).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dialogs.cursor import ASKED_TYPES, Outline
from dialogs.domain import Agency, DocumentInfo, Round
from dialogs.schema import Column, Question, QuestionType, Section, Template
from dialogs.values import InvalidAnswer, parse_answer

__all__ = ["example_answers", "outline_rows", "page_png", "sample_docx"]

TYPE_WORDS = {
    QuestionType.TEXT: "văn bản", QuestionType.INTEGER: "số nguyên",
    QuestionType.DECIMAL: "số thập phân", QuestionType.PERCENT: "tỷ lệ phần trăm",
    QuestionType.DATE: "ngày", QuestionType.YES_NO: "có/không",
    QuestionType.SELECT_ONE: "chọn một", QuestionType.SELECT_MULTIPLE: "chọn nhiều",
    QuestionType.REPEAT: "danh sách nhiều mục", QuestionType.TABLE: "bảng",
    QuestionType.COMPUTED: "tự tính", QuestionType.NOTE: "ghi chú",
}
_OPERATORS = (("==", " bằng "), ("!=", " khác "), (">=", " ≥ "), ("<=", " ≤ "),
              (" and ", " và "), (" or ", " hoặc "), ("not ", "không "))
_NAME = re.compile(r"\b[a-z_][a-z0-9_]*\b")


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}".replace(",", ".") if float(value).is_integer() else str(value)


def expression_words(expression: str, names: Mapping[str, str]) -> str:
    """An expression with question ids as "câu N (label)" and operators in words."""
    text = f" {expression.strip()} "
    for symbol, words in _OPERATORS:
        text = text.replace(symbol, words)
    text = _NAME.sub(lambda m: names.get(m.group(0), m.group(0)), text)
    return re.sub(r"\s+", " ", text).strip()


def _rules(spec: Question | Column, names: Mapping[str, str]) -> list[str]:
    rules = []
    if spec.required:
        rules.append("bắt buộc trả lời")
    if spec.min is not None and spec.max is not None:
        rules.append(f"từ {_number(spec.min)} đến {_number(spec.max)}")
    elif spec.min is not None:
        rules.append(f"không nhỏ hơn {_number(spec.min)}")
    elif spec.max is not None:
        rules.append(f"không lớn hơn {_number(spec.max)}")
    if getattr(spec, "min_length", None):
        rules.append(f"ít nhất {spec.min_length} ký tự")  # type: ignore[union-attr]
    if spec.max_length:
        rules.append(f"nhiều nhất {spec.max_length} ký tự")
    if spec.pattern:
        rules.append(spec.pattern_message or f"phải đúng mẫu {spec.pattern}")
    constraint = getattr(spec, "constraint", None)
    if constraint:
        message = getattr(spec, "constraint_message", None)
        words = expression_words(constraint, {**names, "value": "câu trả lời"})
        rules.append(f"điều kiện: {words}"
                     + (f" (nếu sai: “{message}”)" if message else ""))
    if spec.expression:
        rules.append(f"tính bằng: {expression_words(spec.expression, names)}")
    if spec.unit:
        rules.append(f"đơn vị: {spec.unit}")
    return rules


def outline_rows(template: Template) -> list[dict[str, Any]]:
    """Sections and questions in order, as the preview table lists them."""
    outline = Outline.of(template)
    names: dict[str, str] = {}

    def collect(items: list[Question | Section]) -> None:
        for item in items:
            if isinstance(item, Section):
                collect(list(item.items))
            else:
                n = outline.numbers.get(item.id)
                names[item.id] = f"câu {n} ({item.short_label})" if n else f"“{item.short_label}”"

    collect(list(template.sections))
    if template.appendix is not None:
        collect(list(template.appendix.items))
    rows: list[dict[str, Any]] = []

    def walk(items: list[Question | Section], depth: int, conditions: list[str]) -> None:
        for item in items:
            if isinstance(item, Section):
                condition = ([f"phần “{item.title}” chỉ hỏi khi "
                              + expression_words(item.relevant, names)] if item.relevant else [])
                rows.append({"kind": "section", "title": item.title, "depth": depth,
                             "condition": condition[0] if condition else ""})
                walk(list(item.items), depth + 1, conditions + condition)
                continue
            n = outline.numbers.get(item.id)
            condition = list(conditions)
            if item.relevant:
                condition.append("chỉ hỏi khi " + expression_words(item.relevant, names))
            parts = []
            if item.type is QuestionType.TABLE:
                parts.append("hàng: " + "; ".join(r.label for r in item.rows))
                parts.append("cột: " + "; ".join(
                    c.label + (f" ({', '.join(_rules(c, names))})" if _rules(c, names) else "")
                    for c in item.columns))
            if item.type is QuestionType.REPEAT:
                parts.append("mỗi mục gồm: " + "; ".join(f.label for f in item.fields))
            rows.append({
                "kind": "question", "id": item.id, "number": n, "depth": depth,
                "progress": (f"Câu {n}/{outline.total} · {outline.sections.get(item.id, '')}"
                             if n else ""),
                "prompt": item.prompt, "type": TYPE_WORDS.get(item.type, str(item.type)),
                "choices": "; ".join(f"{i}. {c.label}" for i, c in
                                     enumerate(item.choices, start=1)),
                "conditions": condition, "rules": _rules(item, names), "parts": parts,
            })

    for section in template.sections:
        walk([section], 0, [])
    if template.appendix is not None:
        rows.append({"kind": "section", "title": template.appendix.label, "depth": 0,
                     "condition": ""})
        walk(list(template.appendix.items), 1, [])
    return rows


# -- example answers and the sample document -------------------------------------------------


def _scalar(spec: Question | Column, today: dt.date) -> Any:
    qtype = QuestionType(spec.type)
    if qtype is QuestionType.SELECT_ONE:
        return spec.choices[0].value if spec.choices else None
    if qtype is QuestionType.SELECT_MULTIPLE:
        return [spec.choices[0].value] if spec.choices else None
    candidates = [spec.example] if spec.example else []
    low = spec.min if spec.min is not None else None
    candidates += {
        QuestionType.INTEGER: [str(int(low)) if low is not None else "", "12"],
        QuestionType.DECIMAL: [str(low) if low is not None else "", "12,5"],
        QuestionType.PERCENT: ["90%", "90"],
        QuestionType.DATE: [today.strftime("%d/%m/%Y")],
        QuestionType.YES_NO: ["có"],
        QuestionType.TEXT: ["Nội dung mẫu", "ABC-123", "mau"],
    }.get(qtype, [])
    for text in candidates:
        if not text:
            continue
        try:
            return parse_answer(spec, text, today=today)
        except (InvalidAnswer, TypeError, ValueError):
            continue
    return None


def example_answers(template: Template, *, today: dt.date) -> dict[str, Any]:
    """Plausible answers for every asked question (its example, else a value its
    rules accept), to render the sample document."""
    answers: dict[str, Any] = {}

    def walk(items: list[Question | Section]) -> None:
        for item in items:
            if isinstance(item, Section):
                walk(list(item.items))
            elif item.type is QuestionType.TABLE:
                answers[item.id] = {row.id: {c.id: _scalar(c, today) for c in item.columns
                                             if c.type is not QuestionType.COMPUTED}
                                    for row in item.rows}
            elif item.type is QuestionType.REPEAT:
                answers[item.id] = [{f.id: _scalar(f, today) for f in item.fields
                                     if f.type is not QuestionType.COMPUTED}]
            elif item.type in ASKED_TYPES:
                value = _scalar(item, today)
                if value is not None:
                    answers[item.id] = value

    walk(list(template.sections))
    if template.appendix is not None:
        walk(list(template.appendix.items))
    return answers


def sample_docx(template: Template, *, province: str, collector: str, today: dt.date) -> bytes:
    from renderers.report import render_report

    agency = Agency(id=0, name="Sở Mẫu", abbreviation="SM",
                    governing_body=f"UBND TỈNH {province.upper()}", place=province,
                    signer_name="Nguyễn Văn A")
    round_ = Round(id=0, template_id=template.id, template_version=template.version,
                   period_label=f"năm {today.year}", period_start=dt.date(today.year - 1, 12, 15),
                   period_end=dt.date(today.year, 12, 14), deadline=today,
                   province=province, collector=collector)
    return render_report(template, example_answers(template, today=today),
                         DocumentInfo(agency=agency, round=round_))


def page_png(docx: bytes, *, resolution: int = 60) -> bytes | None:
    """Page 1 of the document as PNG, or None without LibreOffice/pdftoppm."""
    from renderers.pdf import PdfError, find_soffice, to_pdf

    if find_soffice() is None:
        return None
    try:
        pdf = to_pdf(docx)
    except PdfError:
        return None
    with tempfile.TemporaryDirectory(prefix="baocao-page-") as tmp:
        source = Path(tmp) / "doc.pdf"
        source.write_bytes(pdf)
        try:
            subprocess.run(["pdftoppm", "-png", "-r", str(resolution), "-f", "1", "-l", "1",
                            "-singlefile", str(source), str(Path(tmp) / "page")],
                           check=True, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            return None
        return (Path(tmp) / "page.png").read_bytes()
