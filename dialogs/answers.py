"""Derived values over stored answers: computed questions, relevance, rule checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dialogs.expression_eval import evaluate
from dialogs.expressions import Expression, compile_expression
from dialogs.schema import Question, QuestionType, Section, Template


def table_with_computed(question: Question, table: Mapping[str, Any] | None) -> dict[str, Any]:
    """A table answer with every computed column evaluated per row."""
    out: dict[str, Any] = {}
    for row in question.rows:
        cells = dict((table or {}).get(row.id) or {})
        for col in question.columns:
            if col.type == QuestionType.COMPUTED and col.expression:
                cells[col.id] = evaluate(col.expression, cells)
        out[row.id] = cells
    return out


def with_computed(template: Template, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers plus every computed question and computed table column.

    Computed questions are evaluated repeatedly until stable, so their order in
    the template does not matter (the loader rejects cycles).
    """
    env: dict[str, Any] = dict(answers)
    tables, computed = _computing(template)
    for q in tables:
        if q.id in env:
            env[q.id] = table_with_computed(q, env[q.id])
    for _ in range(len(computed) + 1):
        changed = False
        for question_id, expression in computed:
            value = evaluate(expression, env)
            if env.get(question_id) != value:
                env[question_id] = value
                changed = True
        if not changed:
            break
    return env


def _computing(
    template: Template,
) -> tuple[tuple[Question, ...], tuple[tuple[str, Expression], ...]]:
    """The template's tables and its computed questions with their compiled
    expressions, found once per template."""
    found = template.derived.get("computing")
    if found is None:
        questions = template.iter_questions()
        found = template.derived["computing"] = (
            tuple(q for q in questions if q.type == QuestionType.TABLE),
            tuple((q.id, compile_expression(q.expression)) for q in questions
                  if q.type == QuestionType.COMPUTED and q.expression),
        )
    return found


def is_true_or_unknown(expression: str | None, env: Mapping[str, Any]) -> bool:
    """Relevance: an absent expression or one that cannot be decided yet is true."""
    if not expression:
        return True
    result = evaluate(expression, env)
    return result is None or bool(result)


def relevant_questions(template: Template, env: Mapping[str, Any]) -> set[str]:
    """Ids of the questions that apply given the answers (section relevance included)."""
    out: set[str] = set()

    def walk(items: list[Question | Section]) -> None:
        for item in items:
            if isinstance(item, Section):
                if is_true_or_unknown(item.relevant, env):
                    walk(list(item.items))
            elif is_true_or_unknown(item.relevant, env):
                out.add(item.id)

    walk(list(template.sections))
    if template.appendix is not None:
        walk(list(template.appendix.items))
    return out


def is_answered(question: Question, value: Any) -> bool:
    if value is None or value == "" or value == []:
        return False
    if question.type == QuestionType.TABLE:
        return all(
            (value.get(row.id) or {}).get(col.id) is not None
            for row in question.rows
            for col in question.columns
            if col.type != QuestionType.COMPUTED and col.required
        )
    return True


def constraint_holds(question: Question, value: Any, env: Mapping[str, Any]) -> bool:
    """The question's constraint with ``value`` bound; undecidable counts as holding."""
    if not question.constraint:
        return True
    scope = dict(env)
    scope["value"] = value
    result = evaluate(question.constraint, scope)
    return result is None or bool(result)


@dataclass(frozen=True, slots=True)
class Problem:
    question: Question
    reason: str  # "missing" | "constraint" | "too_few"


def find_problems(template: Template, answers: Mapping[str, Any]) -> list[Problem]:
    """What stops a submission: missing required answers and broken constraints."""
    env = with_computed(template, answers)
    relevant = relevant_questions(template, env)
    problems: list[Problem] = []
    for q in template.iter_questions():
        if q.id not in relevant or q.type in (QuestionType.COMPUTED, QuestionType.NOTE):
            continue
        value = env.get(q.id)
        if q.type == QuestionType.REPEAT:
            count = len(value or [])
            if q.min_items and count < q.min_items:
                problems.append(Problem(q, "too_few"))
                continue
            if q.required and value is None:
                problems.append(Problem(q, "missing"))
                continue
        elif q.required and not is_answered(q, value):
            problems.append(Problem(q, "missing"))
            continue
        if value is not None and not constraint_holds(q, value, env):
            problems.append(Problem(q, "constraint"))
    return problems
