"""Checks of a template beyond its schema, before anyone answers it.

Ids are identifiers and unique (questions and sections share one id space);
select questions have choices; tables have rows and columns; repeats have fields;
computed questions and columns have an expression; every expression compiles and
names only known questions (inside a table's computed column: the row's column
ids; inside a repeat's computed field: the item's field ids); dotted paths name
real rows, columns and fields; computed questions do not depend on each other in a
cycle; render patterns use only known placeholders; min <= max; regex patterns
compile and cannot backtrack catastrophically (the expression checks are in
:mod:`dialogs.template_expressions`). Every problem found is reported, as
one :class:`~dialogs.template_errors.TemplateError` or a
:class:`~dialogs.template_errors.TemplateErrors`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from dialogs.patterns import PatternProblem, check_pattern
from dialogs.schema import (
    NUMERIC_TYPES,
    SCALAR_TYPES,
    Column,
    Question,
    QuestionType,
    Section,
    Template,
)
from dialogs.template_errors import TemplateError, TemplateErrors
from dialogs.template_expressions import (
    check_computed_cycles,
    check_names,
    compile_checked,
    find_cycle,
)
from dialogs.template_yaml import Loc, TemplateSource

__all__ = [
    "ID_RE",
    "ITEM_PLACEHOLDERS",
    "PATTERN_PLACEHOLDERS",
    "TEXT_PLACEHOLDERS",
    "check_template",
]

ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")

#: Placeholders in template-level text (subject, grounds, opening, closing,
#: recipients, addressee, section titles and intros).
TEXT_PLACEHOLDERS = frozenset(
    {
        "agency",
        "agency_upper",
        "period",
        "period_start",
        "period_end",
        "year",
        "province",
        "collector",
        "rest_of_year",
        "next_year",
        "next_year_2",
    }
)
#: Placeholders in a question's ``render.pattern`` and ``render.empty``.
PATTERN_PLACEHOLDERS = TEXT_PLACEHOLDERS | {"value", "label", "unit"}
#: Placeholders in ``render.item``: for a repeat also each of its field ids.
ITEM_PLACEHOLDERS = TEXT_PLACEHOLDERS | {"value", "label", "index"}

_SELECT_TYPES = frozenset({QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE})
_COLUMN_TYPES = SCALAR_TYPES | {QuestionType.COMPUTED}
_SUM_TYPES = NUMERIC_TYPES | {QuestionType.COMPUTED, QuestionType.TABLE}


def check_template(template: Template, source: TemplateSource) -> None:
    """Raise :class:`TemplateError` (or :class:`TemplateErrors`) naming every problem
    of a schema-valid ``template`` read from ``source``."""
    _TemplateChecker(source).check(template)


@dataclass(frozen=True)
class _Located:
    """A question with the key path of its YAML mapping, for line numbers."""

    question: Question
    loc: Loc


class _TemplateChecker:
    def __init__(self, source: TemplateSource) -> None:
        self.source = source
        self.error = source.error
        self.section_ids: set[str] = set()

    def check(self, template: Template) -> None:
        if not ID_RE.match(template.id):
            raise self.error(f"template id '{template.id}' must match {ID_RE.pattern}")
        problems: list[TemplateError] = []

        def attempt(check: Any, *args: Any) -> None:
            try:
                check(*args)
            except TemplateErrors as exc:
                problems.extend(exc.errors)
            except TemplateError as exc:
                problems.append(exc)

        attempt(self._check_text_placeholders, template)
        located: list[_Located] = []
        attempt(lambda: located.extend(self._iter_located(template, problems)))
        questions = {lq.question.id: lq.question for lq in located}
        for lq in located:
            attempt(self._check_question, lq.question)
        for lq in located:
            attempt(self._check_expressions, lq.question, questions)
        attempt(self._check_sections, template, questions)
        attempt(check_computed_cycles, self.source, questions)
        if len(problems) == 1:
            raise problems[0]
        if problems:
            raise TemplateErrors(problems)

    def _iter_located(
        self, template: Template, problems: list[TemplateError] | None = None
    ) -> Iterator[_Located]:
        """Every question with where it is; bad and duplicate ids go to ``problems``
        (raised at once when None) and the walk goes on."""
        seen: dict[str, str] = {}

        def report(exc: TemplateError) -> None:
            if problems is None:
                raise exc
            problems.append(exc)

        def walk(
            items: Iterable[Question | Section], loc: tuple[str | int, ...]
        ) -> Iterator[_Located]:
            for index, item in enumerate(items):
                item_loc = (*loc, index)
                kind = "section" if isinstance(item, Section) else "question"
                if not ID_RE.match(item.id):
                    report(self.error(
                        f"id '{item.id}' must be lowercase letters, digits and '_', "
                        "starting with a letter",
                        item.id,
                        loc=item_loc,
                        item_kind=kind,
                    ))
                    continue
                if item.id in seen:
                    first = self.source.line(self.source.loc_by_id.get(item.id, ()))
                    at = f" at line {first}" if first else ""
                    report(self.error(
                        f"duplicate id (already used by a {seen[item.id]}{at})",
                        item.id,
                        loc=item_loc,
                        item_kind=kind,
                    ))
                    continue
                seen[item.id] = kind
                self.source.loc_by_id[item.id] = item_loc
                if isinstance(item, Section):
                    self.section_ids.add(item.id)
                    yield from walk(item.items, (*item_loc, "items"))
                else:
                    yield _Located(item, item_loc)

        yield from walk(template.sections, ("sections",))
        if template.appendix is not None:
            yield from walk(template.appendix.items, ("appendix", "items"))

    def _check_question(self, q: Question) -> None:
        qtype = q.type
        self._check_bounds(q.id, "min", q.min, "max", q.max)
        self._check_bounds(q.id, "min_length", q.min_length, "max_length", q.max_length)
        self._check_bounds(q.id, "min_items", q.min_items, "max_items", q.max_items)
        if q.pattern is not None:
            self._check_pattern(q.id, "pattern", q.pattern)
        if qtype in _SELECT_TYPES:
            self._check_choices(q.id, "choices", q)
        if qtype == QuestionType.TABLE:
            if not q.rows:
                raise self.error("table has no rows", q.id)
            if not q.columns:
                raise self.error("table has no columns", q.id)
            self._check_unique_ids(q.id, "row", [r.id for r in q.rows])
            self._check_columns(q, q.columns, "column")
        if qtype == QuestionType.REPEAT:
            if not q.fields:
                raise self.error("repeat has no fields", q.id)
            self._check_columns(q, q.fields, "field")
        if qtype == QuestionType.COMPUTED and not (q.expression and q.expression.strip()):
            raise self.error("computed question has no expression", q.id)
        if q.rollup == "sum" and qtype not in _SUM_TYPES:
            raise self.error(f"rollup 'sum' needs a number, but the type is '{qtype}'", q.id)
        if q.rollup == "ratio_of_sums" and qtype != QuestionType.COMPUTED:
            raise self.error("rollup 'ratio_of_sums' is only for computed questions", q.id)
        self._check_render(q)

    def _check_pattern(self, qid: str, where: str, pattern: str) -> None:
        try:
            check_pattern(pattern)
        except PatternProblem as exc:
            if exc.kind == "catastrophic":
                problem = (f"{where} {pattern!r} can backtrack catastrophically: "
                           f"{exc.detail}; rewrite it without a repeated repetition")
            else:
                problem = f"{where} {pattern!r} is not a valid regex: {exc.detail}"
            raise self.error(problem, qid) from None

    def _check_bounds(self, qid: str, lo_name: str, lo: Any, hi_name: str, hi: Any) -> None:
        if lo is not None and hi is not None and lo > hi:
            raise self.error(f"{lo_name} ({lo}) is greater than {hi_name} ({hi})", qid)

    def _check_unique_ids(self, qid: str, what: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for ident in ids:
            if not ID_RE.match(ident):
                raise self.error(f"{what} id '{ident}' must match {ID_RE.pattern}", qid)
            if ident in seen:
                raise self.error(f"duplicate {what} id '{ident}'", qid)
            seen.add(ident)

    def _check_choices(self, qid: str, where: str, item: Question | Column) -> None:
        if not item.choices:
            raise self.error(f"{where}: a select question needs choices", qid)
        values = [c.value for c in item.choices]
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise self.error(f"{where}: duplicate choice value '{duplicates[0]}'", qid)

    def _check_columns(self, q: Question, columns: list[Column], what: str) -> None:
        self._check_unique_ids(q.id, what, [c.id for c in columns])
        ids = {c.id for c in columns}
        scope = "the row's column ids" if what == "column" else "the item's field ids"
        graph: dict[str, set[str]] = {}
        for col in columns:
            where = f"{what} '{col.id}'"
            if col.type not in _COLUMN_TYPES:
                raise self.error(f"{where}: type '{col.type}' cannot be used in a {what}", q.id)
            self._check_bounds(q.id, f"{where} min", col.min, "max", col.max)
            if col.type in _SELECT_TYPES:
                self._check_choices(q.id, where, col)
            if col.pattern is not None:
                self._check_pattern(q.id, f"{where} pattern", col.pattern)
            if col.type == QuestionType.COMPUTED:
                if not (col.expression and col.expression.strip()):
                    raise self.error(f"{where}: computed {what} has no expression", q.id)
                expr = compile_checked(self.source, q.id, f"{where} expression", col.expression)
                bad_value = "value" in {p[0] for p in expr.paths}
                unknown = sorted((expr.names - ids) | ({"value"} if bad_value else set()))
                if unknown:
                    raise self.error(
                        f"{where} expression names unknown {what} '{unknown[0]}' "
                        f"(it may use only {scope}: {', '.join(sorted(ids))})",
                        q.id,
                    )
                graph[col.id] = {n for n in expr.names if n in ids}
            elif col.expression is not None:
                raise self.error(f"{where}: only computed {what}s take an expression", q.id)
            if col.rollup == "ratio_of_sums" and col.type != QuestionType.COMPUTED:
                raise self.error(f"{where}: rollup 'ratio_of_sums' is only for computed", q.id)
        cycle = find_cycle(graph)
        if cycle:
            raise self.error(f"computed {what}s depend on each other: {' → '.join(cycle)}", q.id)

    def _check_render(self, q: Question) -> None:
        render = q.render
        if render.style == "table" and q.type not in (QuestionType.TABLE, QuestionType.REPEAT):
            raise self.error("render style 'table' is only for table and repeat questions", q.id)
        for name in ("pattern", "empty"):
            text = getattr(render, name)
            if text is not None:
                self._check_placeholders(q.id, f"render {name}", text, PATTERN_PLACEHOLDERS)
        labels = [("label", q.label), *[("row label", r.label) for r in q.rows]]
        labels += [(f"column '{c.id}' label", c.label) for c in (*q.columns, *q.fields)]
        for where, text in labels:
            if text is not None:
                self._check_placeholders(q.id, where, text, TEXT_PLACEHOLDERS)
        if render.item is not None:
            allowed = ITEM_PLACEHOLDERS | {f.id for f in q.fields}
            self._check_placeholders(q.id, "render item", render.item, allowed)

    def _check_placeholders(
        self,
        item_id: str | None,
        where: str,
        text: str,
        allowed: frozenset[str] | set[str],
        item_kind: str = "question",
    ) -> None:
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as exc:
            raise self.error(
                f"{where} {text!r} has unbalanced braces ({exc}); write '{{{{' for a literal '{{'",
                item_id,
                item_kind=item_kind,
            ) from None
        for _, field_name, _spec, conversion in parsed:
            if field_name is None:
                continue
            if field_name not in allowed or conversion is not None:
                shown = ", ".join("{" + a + "}" for a in sorted(allowed))
                raise self.error(
                    f"{where} uses unknown placeholder '{{{field_name}}}' (allowed: {shown})",
                    item_id,
                    item_kind=item_kind,
                )

    def _check_text_placeholders(self, template: Template) -> None:
        texts: list[tuple[str, str | None]] = [
            ("subject", template.subject),
            ("opening", template.opening),
            ("closing", template.closing),
        ]
        texts += [("grounds", g) for g in template.grounds]
        texts += [("recipients", r) for r in template.recipients]
        texts += [("addressee", a) for a in template.addressee]
        if template.appendix is not None:
            texts.append(("appendix title", template.appendix.title))
        for where, text in texts:
            if text is not None:
                self._check_placeholders(None, where, text, TEXT_PLACEHOLDERS)

    def _check_sections(self, template: Template, questions: dict[str, Question]) -> None:
        def walk(items: Iterable[Question | Section]) -> None:
            for item in items:
                if not isinstance(item, Section):
                    continue
                for where, text in (("title", item.title), ("intro", item.intro)):
                    if text is not None:
                        self._check_placeholders(
                            item.id, where, text, TEXT_PLACEHOLDERS, item_kind="section"
                        )
                if item.relevant is not None:
                    expr = compile_checked(self.source, item.id, "relevant", item.relevant,
                                           "section")
                    check_names(self.source, item.id, "relevant", expr, questions,
                                self.section_ids, None, "section")
                walk(item.items)

        walk(template.sections)
        if template.appendix is not None:
            walk(template.appendix.items)

    def _check_expressions(self, q: Question, questions: dict[str, Question]) -> None:
        for where in ("relevant", "constraint", "expression"):
            source = getattr(q, where)
            if source is None:
                continue
            expr = compile_checked(self.source, q.id, where, source)
            value_of = q if where == "constraint" else None
            check_names(self.source, q.id, where, expr, questions, self.section_ids, value_of)
