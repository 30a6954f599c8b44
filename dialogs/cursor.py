"""Where an officer is in a questionnaire: the ordered steps and their keys.

A *step* is one thing asked in one message:

* ``q:<question>`` — a scalar question;
* ``t:<question>:<row>:<column>`` — one input cell of a table question;
* ``r:<question>`` — the gate of a repeat question ("add an item or done?");
* ``f:<question>:<index>:<field>`` — one field of item ``index`` of a repeat.

Field steps live "inside" their gate and are not part of the main order.
Step keys are stored in the conversation, so they must stay stable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dialogs.answers import relevant_questions
from dialogs.schema import Column, Question, QuestionType, Row, Section, Template

ASKED_TYPES = frozenset(QuestionType) - {QuestionType.COMPUTED, QuestionType.NOTE}

_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)


def roman(n: int) -> str:
    """1 -> 'I', 8 -> 'VIII' (section numbering of Decree 30 reports)."""
    out = ""
    for value, letters in _ROMAN:
        count, n = divmod(n, value)
        out += letters * count
    return out


def sentence_case(title: str) -> str:
    """'HẠ TẦNG KỸ THUẬT' -> 'Hạ tầng kỹ thuật'; mixed-case titles are kept."""
    if title.upper() != title:
        return title
    lowered = title.lower()
    return lowered[:1].upper() + lowered[1:]


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    question: Question
    row: Row | None = None
    column: Column | None = None  # the table column or repeat field asked
    index: int | None = None  # repeat item index

    @property
    def kind(self) -> str:
        return self.key[0]

    @property
    def spec(self) -> Question | Column:
        """What the typed answer is parsed against."""
        return self.column if self.column is not None else self.question


@dataclass(frozen=True, slots=True)
class Outline:
    """Static facts about a template used in every prompt: numbers and sections."""

    numbers: dict[str, int]  # question id -> 1-based number among asked questions
    sections: dict[str, str]  # question id -> "II. Hạ tầng kỹ thuật"
    total: int

    @classmethod
    def of(cls, template: Template) -> Outline:
        numbers: dict[str, int] = {}
        sections: dict[str, str] = {}

        def walk(items: list[Question | Section], label: str) -> None:
            for item in items:
                if isinstance(item, Section):
                    walk(list(item.items), label)
                elif item.type in ASKED_TYPES:
                    numbers[item.id] = len(numbers) + 1
                    sections[item.id] = label

        for i, section in enumerate(template.sections, start=1):
            walk(list(section.items), f"{roman(i)}. {sentence_case(section.title)}")
        if template.appendix is not None:
            walk(list(template.appendix.items), template.appendix.label)
        return cls(numbers=numbers, sections=sections, total=len(numbers))


def question_steps(question: Question) -> list[Step]:
    """The main-order steps of one question (fields of repeat items excluded)."""
    if question.type == QuestionType.TABLE:
        return [
            Step(f"t:{question.id}:{row.id}:{col.id}", question, row=row, column=col)
            for row in question.rows
            for col in question.columns
            if col.type != QuestionType.COMPUTED
        ]
    if question.type == QuestionType.REPEAT:
        return [Step(f"r:{question.id}", question)]
    if question.type in ASKED_TYPES:
        return [Step(f"q:{question.id}", question)]
    return []


def main_steps(template: Template, env: Mapping[str, Any]) -> list[Step]:
    """Every step that applies now, in questionnaire order."""
    relevant = relevant_questions(template, env)
    out: list[Step] = []
    for question_id, steps in _all_steps(template):
        if question_id in relevant:
            out.extend(steps)
    return out


def _all_steps(template: Template) -> tuple[tuple[str, tuple[Step, ...]], ...]:
    """Each question's steps in questionnaire order, built once per template (a
    turn asks for them twice: before and after the answer)."""
    steps = template.derived.get("steps")
    if steps is None:
        steps = template.derived["steps"] = tuple(
            (q.id, tuple(question_steps(q))) for q in template.iter_questions())
    return steps


def parse_step(template: Template, key: str) -> Step | None:
    """Rebuild a step from its stored key; None when the template no longer has it."""
    parts = key.split(":")
    try:
        question = template.question(parts[1])
    except (KeyError, IndexError):
        return None
    kind = parts[0]
    if kind == "q" and len(parts) == 2 and question.type in ASKED_TYPES:
        return Step(key, question)
    if kind == "r" and len(parts) == 2 and question.type == QuestionType.REPEAT:
        return Step(key, question)
    if kind == "t" and len(parts) == 4 and question.type == QuestionType.TABLE:
        row = next((r for r in question.rows if r.id == parts[2]), None)
        col = next((c for c in question.columns if c.id == parts[3]), None)
        if row and col:
            return Step(key, question, row=row, column=col)
    if kind == "f" and len(parts) == 4 and question.type == QuestionType.REPEAT:
        field = next((c for c in question.fields if c.id == parts[3]), None)
        if field and parts[2].isascii() and parts[2].isdigit() and len(parts[2]) < 7:
            return Step(key, question, column=field, index=int(parts[2]))
    return None


def field_step(question: Question, index: int, field: Column) -> Step:
    return Step(f"f:{question.id}:{index}:{field.id}", question, column=field, index=index)
