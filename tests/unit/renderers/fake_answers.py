"""Plausible answers for any template, to render bundled templates end to end."""

from __future__ import annotations

from typing import Any

from dialogs.schema import Column, Question, QuestionType, Template


def _scalar(qtype: QuestionType, choices: list[Any], n: int) -> Any:
    if qtype is QuestionType.INTEGER:
        return 1000 + 37 * n
    if qtype is QuestionType.DECIMAL:
        return 12.5 + n
    if qtype is QuestionType.PERCENT:
        return 93.75
    if qtype is QuestionType.DATE:
        return "2026-04-08"
    if qtype is QuestionType.YES_NO:
        return True
    if qtype is QuestionType.SELECT_ONE:
        return choices[0].value if choices else None
    if qtype is QuestionType.SELECT_MULTIPLE:
        return [c.value for c in choices[:2]]
    return f"Nội dung trả lời số {n}"


def _record(columns: list[Column], n: int) -> dict[str, Any]:
    return {
        c.id: _scalar(c.type, c.choices, n + i)
        for i, c in enumerate(columns)
        if c.type is not QuestionType.COMPUTED
    }


def fake_answers(template: Template) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for n, q in enumerate(template.iter_questions()):
        answers[q.id] = _fake(q, n)
    return {k: v for k, v in answers.items() if v is not None}


def _fake(q: Question, n: int) -> Any:
    if q.type in (QuestionType.COMPUTED, QuestionType.NOTE):
        return None
    if q.type is QuestionType.TABLE:
        return {r.id: _record(q.columns, n + i) for i, r in enumerate(q.rows)}
    if q.type is QuestionType.REPEAT:
        return [_record(q.fields, n + i) for i in range(2)]
    if q.type is QuestionType.TEXT and q.long:
        return f"Đoạn văn thứ nhất của câu {n}.\n- Ý thứ hai;\n+ Ý thứ ba."
    return _scalar(q.type, q.choices, n)
