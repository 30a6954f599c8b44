"""A template's expressions check out: each compiles, names only known questions
(``value`` only in a constraint), its dotted paths name real rows, columns and
fields, and computed values do not depend on each other in a cycle."""

from __future__ import annotations

import difflib

from dialogs.expressions import Expression, ExpressionError, compile_expression
from dialogs.schema import Question, QuestionType
from dialogs.template_yaml import TemplateSource

__all__ = [
    "check_computed_cycles",
    "check_names",
    "compile_checked",
    "find_cycle",
    "path_problem",
]


def compile_checked(
    source: TemplateSource, item_id: str, where: str, text: str, kind: str = "question"
) -> Expression:
    """The compiled expression, or a :class:`TemplateError` naming the item."""
    try:
        return compile_expression(text)
    except ExpressionError as exc:
        raise source.error(f"{where}: {exc}", item_id, item_kind=kind) from None


def check_names(
    source: TemplateSource,
    item_id: str,
    where: str,
    expr: Expression,
    questions: dict[str, Question],
    section_ids: set[str],
    value_of: Question | None,
    kind: str = "question",
) -> None:
    """Every path of ``expr`` starts at a question (or ``value``, the answer of
    ``value_of`` in its constraint) and names real rows, columns and fields."""
    for path in sorted(expr.paths):
        root = path[0]
        if root == "value":
            if value_of is None:
                raise source.error(
                    f"{where} uses 'value', which exists only in a constraint",
                    item_id,
                    item_kind=kind,
                )
            target = value_of
        elif root in questions:
            target = questions[root]
        else:
            candidates = [qid for qid in questions if qid != item_id]
            hint = difflib.get_close_matches(root, candidates, n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            what = "section" if root in section_ids else "question"
            raise source.error(
                f"{where} names unknown {what} '{root}'{suggestion}"
                if what == "question"
                else f"{where} names section '{root}', which has no value",
                item_id,
                item_kind=kind,
            )
        problem = path_problem(target, path)
        if problem:
            raise source.error(f"{where}: {problem}", item_id, item_kind=kind)


def check_computed_cycles(source: TemplateSource, questions: dict[str, Question]) -> None:
    """Computed questions do not depend on each other in a cycle."""
    graph: dict[str, set[str]] = {}
    for q in questions.values():
        if q.type == QuestionType.COMPUTED and q.expression:
            names = compile_expression(q.expression).names
            graph[q.id] = {
                n
                for n in names
                if n in questions and questions[n].type == QuestionType.COMPUTED
            }
    cycle = find_cycle(graph)
    if cycle:
        raise source.error(
            f"computed questions depend on each other in a cycle: {' → '.join(cycle)}",
            cycle[0],
        )


def path_problem(target: Question, path: tuple[str, ...]) -> str | None:
    """Why a dotted path into a table/repeat answer cannot exist, or None."""
    rest = path[1:]
    if not rest:
        return None
    name = ".".join(path)
    if target.type == QuestionType.TABLE:
        rows = {r.id for r in target.rows}
        cols = {c.id for c in target.columns}
        if rest[0] in rows:
            if len(rest) >= 2 and rest[1] not in cols:
                return f"'{name}': table '{target.id}' has no column '{rest[1]}'"
            if len(rest) > 2:
                return f"'{name}': a table cell has no fields"
            return None
        return f"'{name}': table '{target.id}' has no row '{rest[0]}'"
    if target.type == QuestionType.REPEAT:
        fields = {f.id for f in target.fields}
        if rest[0] not in fields:
            return f"'{name}': repeat '{target.id}' has no field '{rest[0]}'"
        if len(rest) > 1:
            return f"'{name}': a repeat field has no fields"
        return None
    return f"'{name}': question '{target.id}' ({target.type}) has no fields"




def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A dependency cycle as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


