"""Load report templates from YAML and check them before anyone answers one.

Every problem is reported as a :class:`TemplateError` naming the file, the
question (or section) and the problem, e.g.::

    annual_it.yaml: question 'docs_total': constraint names unknown question 'foo' (line 42)

Checks, beyond the pydantic schema: YAML syntax; ids are identifiers and unique
(questions and sections share one id space); select questions have choices;
tables have rows and columns; repeats have fields; computed questions and
columns have an expression; every expression compiles and names only known
questions (inside a table's computed column: the row's column ids; inside a
repeat's computed field: the item's field ids); dotted paths name real rows,
columns and fields; computed questions do not depend on each other in a cycle;
render patterns use only known placeholders; min <= max; regex patterns compile.

A YAML item without ``kind`` is a section when it has ``items`` (or a ``title``
and no ``type``), otherwise a question.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dialogs.expressions import Expression, ExpressionError, compile_expression
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

__all__ = [
    "ITEM_PLACEHOLDERS",
    "PATTERN_PLACEHOLDERS",
    "TEXT_PLACEHOLDERS",
    "TemplateError",
    "TemplateErrors",
    "bundled_template_dir",
    "load_template",
    "load_template_text",
    "load_templates",
    "template_to_yaml",
]

#: libyaml's parser when PyYAML was built with it (about ten times faster).
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: A template has a few thousand values; an alias bomb has billions.
MAX_YAML_NODES = 200_000

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
    }
)
#: Placeholders in a question's ``render.pattern`` and ``render.empty``.
PATTERN_PLACEHOLDERS = TEXT_PLACEHOLDERS | {"value", "label", "unit"}
#: Placeholders in ``render.item``: for a repeat also each of its field ids.
ITEM_PLACEHOLDERS = TEXT_PLACEHOLDERS | {"value", "label", "index"}

_SELECT_TYPES = frozenset({QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE})
_COLUMN_TYPES = SCALAR_TYPES | {QuestionType.COMPUTED}
_SUM_TYPES = NUMERIC_TYPES | {QuestionType.COMPUTED, QuestionType.TABLE}


class TemplateError(ValueError):
    """A template file that cannot be used, with where and why."""

    def __init__(
        self,
        file: str,
        problem: str,
        question_id: str | None = None,
        *,
        line: int | None = None,
        item_kind: str = "question",
    ) -> None:
        self.file = file
        self.question_id = question_id
        self.problem = problem
        self.line = line
        self.item_kind = item_kind
        where = f"{item_kind} '{question_id}': " if question_id else ""
        at = f" (line {line})" if line else ""
        super().__init__(f"{file}: {where}{problem}{at}")


class TemplateErrors(TemplateError):
    """Several problems of one template, all found in one pass (``errors``)."""

    def __init__(self, errors: list[TemplateError]) -> None:
        first = errors[0]
        super().__init__(first.file, first.problem, first.question_id, line=first.line,
                         item_kind=first.item_kind)
        self.errors = errors
        self.args = ("\n".join(str(e) for e in errors),)


def bundled_template_dir() -> Path:
    """The directory of the templates shipped with the package."""
    return Path(__file__).resolve().parent / "templates"


def load_template(path: str | Path) -> Template:
    """Read, validate and return one template; raise :class:`TemplateError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(path.name, f"cannot read the file: {exc}") from None
    return _TemplateLoader(path.name, text).load()


def load_template_text(text: str, name: str = "template.yaml") -> Template:
    """Validate and return a template from YAML text; raise :class:`TemplateError`."""
    return _TemplateLoader(name, text).load()


def template_to_yaml(template: Template) -> str:
    """The template as YAML that :func:`load_template_text` reads back equal."""
    data = template.model_dump(mode="json", exclude_defaults=True)
    data["version"] = template.version
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def load_templates(directory: Path | str | None = None) -> dict[str, Template]:
    """Load every ``*.yaml``/``*.yml`` in ``directory`` (default: the bundled ones).

    The key is the template id; when several files hold the same id the highest
    ``version`` wins. Two files with the same id and version are an error.
    """
    folder = Path(directory) if directory is not None else bundled_template_dir()
    found: dict[str, tuple[Template, str]] = {}
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    for file in files:
        template = load_template(file)
        previous = found.get(template.id)
        if previous is not None:
            other, other_file = previous
            if other.version == template.version:
                raise TemplateError(
                    file.name,
                    f"template id '{template.id}' version {template.version} "
                    f"is also defined in {other_file}",
                )
            if other.version > template.version:
                continue
        found[template.id] = (template, file.name)
    return {tid: template for tid, (template, _) in found.items()}


# --------------------------------------------------------------------------- internals


@dataclass(frozen=True)
class _Located:
    """A question with the key path of its YAML mapping, for line numbers."""

    question: Question
    loc: tuple[str | int, ...]


class _TemplateLoader:
    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.root_node: yaml.Node | None = None
        self.loc_by_id: dict[str, tuple[str | int, ...]] = {}
        self.section_ids: set[str] = set()

    # ---------------------------------------------------------------- errors

    def error(
        self,
        problem: str,
        item_id: str | None = None,
        *,
        loc: Sequence[str | int] | None = None,
        item_kind: str = "question",
    ) -> TemplateError:
        if loc is None and item_id is not None:
            loc = self.loc_by_id.get(item_id)
        line = self._line(loc) if loc is not None else None
        return TemplateError(self.file, problem, item_id, line=line, item_kind=item_kind)

    def _line(self, loc: Sequence[str | int]) -> int | None:
        node = self.root_node
        if node is None:
            return None
        line = node.start_mark.line + 1
        for key in loc:
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode) and isinstance(key, str):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == key:
                        child = v
                        line = k.start_mark.line + 1
                        break
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(key, int)
                and 0 <= key < len(node.value)
            ):
                child = node.value[key]
                line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return line

    # ---------------------------------------------------------------- parsing

    def load(self) -> Template:
        data = self._parse_yaml()
        self._prepare(data)
        try:
            template = Template.model_validate(data)
        except ValidationError as exc:
            problems = self._translate_all(exc, data)
            raise (problems[0] if len(problems) == 1 else TemplateErrors(problems)) from None
        self._check(template)
        return template

    def _parse_yaml(self) -> dict[str, Any]:
        """Parse once (libyaml when available), refuse an alias bomb before the
        values are built, then build them from the same node tree."""
        try:
            try:
                data = self._compose_and_construct(_FAST_LOADER)
            except yaml.YAMLError:
                if _FAST_LOADER is yaml.SafeLoader:
                    raise
                data = self._compose_and_construct(yaml.SafeLoader)  # its messages are clearer
        except RecursionError:
            raise TemplateError(self.file, "the YAML is nested too deeply") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            hint = " (check the indentation)" if "block" in str(problem) else ""
            raise TemplateError(self.file, f"YAML syntax error{where}: {problem}{hint}") from None
        if not isinstance(data, dict):
            raise TemplateError(self.file, "the file must hold a mapping (id:, name:, sections:…)")
        return data

    def _compose_and_construct(self, loader_class: Any) -> Any:
        loader = loader_class(self.text)
        try:
            self.root_node = loader.get_single_node()
            if self.root_node is None:
                return None
            if _expanded_size(self.root_node) > MAX_YAML_NODES:
                raise TemplateError(
                    self.file,
                    f"the YAML expands to more than {MAX_YAML_NODES} values through "
                    "anchors and aliases (&/*): refused (an 'alias bomb')",
                )
            return loader.construct_document(self.root_node)
        finally:
            loader.dispose()

    def _prepare(self, data: dict[str, Any]) -> None:
        """Infer ``kind`` of items and index where every id sits in the file."""

        def walk(items: Any, loc: tuple[str | int, ...]) -> None:
            if not isinstance(items, list):
                return
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                item_loc = (*loc, index)
                if "kind" not in item:
                    is_section = "items" in item or ("title" in item and "type" not in item)
                    item["kind"] = "section" if is_section else "question"
                if isinstance(item.get("id"), str):
                    self.loc_by_id.setdefault(item["id"], item_loc)
                if item["kind"] == "section":
                    walk(item.get("items"), (*item_loc, "items"))

        sections = data.get("sections")
        if isinstance(sections, list):
            for section in sections:
                if isinstance(section, dict):
                    section.setdefault("kind", "section")
            walk(sections, ("sections",))
        appendix = data.get("appendix")
        if isinstance(appendix, dict):
            walk(appendix.get("items"), ("appendix", "items"))

    def _translate_all(self, exc: ValidationError, data: dict[str, Any]) -> list[TemplateError]:
        """One problem per broken item (question, section or the template itself)."""
        # A misspelt key also makes the real key "missing": report the misspelling.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        seen: set[Any] = set()
        out: list[TemplateError] = []
        for err in errors:
            raw_loc = self._raw_loc(tuple(err["loc"]))
            _, owner_loc, _ = self._owner(data, raw_loc)
            if owner_loc in seen:
                continue
            seen.add(owner_loc)
            out.append(self._translate(err, data))
        loc_order = {id(p): i for i, p in enumerate(out)}
        return sorted(out, key=lambda p: (p.line or 0, loc_order[id(p)]))

    @staticmethod
    def _raw_loc(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
        return tuple(
            part
            for i, part in enumerate(loc)
            if not (part in ("question", "section") and i > 0 and isinstance(loc[i - 1], int))
        )

    def _translate(self, err: Any, data: dict[str, Any]) -> TemplateError:
        loc: tuple[str | int, ...] = tuple(err["loc"])
        # Discriminated unions add the tag ("question"/"section") to the location.
        raw_loc = tuple(
            part
            for i, part in enumerate(loc)
            if not (part in ("question", "section") and i > 0 and isinstance(loc[i - 1], int))
        )
        owner, owner_loc, owner_node = self._owner(data, raw_loc)
        rel = raw_loc[len(owner_loc) :] if owner_loc is not None else raw_loc
        field = ".".join(str(p) for p in rel) or "(item)"
        problem = self._describe(err, rel, field, top_level=owner_loc is None)
        owner_kind = "section" if owner_node.get("kind") == "section" else "question"
        if owner is None and owner_loc is not None:
            # No usable id: name the item by its prompt/title and its place.
            label = owner_node.get("prompt") or owner_node.get("title")
            named = f" {str(label)[:60]!r}" if label else ""
            problem = f"{owner_kind}{named} at {_loc_text(owner_loc)}: {problem}"
        return self.error(problem, owner, loc=raw_loc, item_kind=owner_kind)

    @staticmethod
    def _owner(
        data: dict[str, Any], loc: tuple[str | int, ...]
    ) -> tuple[str | None, tuple[str | int, ...] | None, dict[str, Any]]:
        """The innermost question/section on the error path: (id, its loc, its mapping)."""
        node: Any = data
        owner: str | None = None
        owner_loc: tuple[str | int, ...] | None = None
        owner_node: dict[str, Any] = {}
        for i, part in enumerate(loc):
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                break
            here = loc[: i + 1]
            in_items = len(here) >= 2 and here[-2] in ("items", "sections")
            if isinstance(part, int) and in_items and isinstance(node, dict):
                owner_loc = here
                ident = node.get("id")
                owner = ident if isinstance(ident, str) else None
                owner_node = node
        return owner, owner_loc, owner_node

    @staticmethod
    def _describe(err: Any, rel: tuple[str | int, ...], field: str, *, top_level: bool) -> str:
        etype = err["type"]
        value = err.get("input")
        last = rel[-1] if rel else None
        if etype == "missing":
            if last == "id":
                return "missing 'id'"
            return f"missing required key '{field}'"
        if etype == "extra_forbidden":
            known = list(Template.model_fields) if top_level else _known_keys(rel)
            hint = difflib.get_close_matches(str(last), known, n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            return f"unknown key '{field}'{suggestion}"
        if etype == "enum" and last == "type":
            allowed = ", ".join(t.value for t in QuestionType)
            what = "column type" if len(rel) > 1 else "question type"
            return f"unknown {what} '{value}' (allowed: {allowed})"
        if etype in ("literal_error", "enum"):
            expected = err.get("ctx", {}).get("expected", "")
            return f"invalid value {value!r} for '{field}' (allowed: {expected})"
        if etype == "union_tag_invalid":
            return f"invalid kind {value!r} (allowed: 'question', 'section')"
        if etype == "string_type":
            hint = " (quote it in YAML)" if isinstance(value, int | float | bool) else ""
            return f"'{field}' must be text, got {value!r}{hint}"
        return f"'{field}': {err['msg']} (got {value!r})"

    # ---------------------------------------------------------------- semantic checks

    def _check(self, template: Template) -> None:
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
        attempt(self._check_cycles, questions)
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
                    first = self._line(self.loc_by_id.get(item.id, ()))
                    at = f" at line {first}" if first else ""
                    report(self.error(
                        f"duplicate id (already used by a {seen[item.id]}{at})",
                        item.id,
                        loc=item_loc,
                        item_kind=kind,
                    ))
                    continue
                seen[item.id] = kind
                self.loc_by_id[item.id] = item_loc
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
                expr = self._compile(q.id, f"{where} expression", col.expression)
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
        cycle = _find_cycle(graph)
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
                    expr = self._compile(item.id, "relevant", item.relevant, "section")
                    self._check_names(item.id, "relevant", expr, questions, None, "section")
                walk(item.items)

        walk(template.sections)
        if template.appendix is not None:
            walk(template.appendix.items)

    def _compile(self, item_id: str, where: str, source: str, kind: str = "question") -> Expression:
        try:
            return compile_expression(source)
        except ExpressionError as exc:
            raise self.error(f"{where}: {exc}", item_id, item_kind=kind) from None

    def _check_expressions(self, q: Question, questions: dict[str, Question]) -> None:
        for where in ("relevant", "constraint", "expression"):
            source = getattr(q, where)
            if source is None:
                continue
            expr = self._compile(q.id, where, source)
            self._check_names(q.id, where, expr, questions, q if where == "constraint" else None)

    def _check_names(
        self,
        item_id: str,
        where: str,
        expr: Expression,
        questions: dict[str, Question],
        value_of: Question | None,
        kind: str = "question",
    ) -> None:
        for path in sorted(expr.paths):
            root = path[0]
            if root == "value":
                if value_of is None:
                    raise self.error(
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
                what = "section" if root in self.section_ids else "question"
                raise self.error(
                    f"{where} names unknown {what} '{root}'{suggestion}"
                    if what == "question"
                    else f"{where} names section '{root}', which has no value",
                    item_id,
                    item_kind=kind,
                )
            problem = _path_problem(target, path)
            if problem:
                raise self.error(f"{where}: {problem}", item_id, item_kind=kind)

    def _check_cycles(self, questions: dict[str, Question]) -> None:
        graph: dict[str, set[str]] = {}
        for q in questions.values():
            if q.type == QuestionType.COMPUTED and q.expression:
                names = compile_expression(q.expression).names
                graph[q.id] = {
                    n
                    for n in names
                    if n in questions and questions[n].type == QuestionType.COMPUTED
                }
        cycle = _find_cycle(graph)
        if cycle:
            raise self.error(
                f"computed questions depend on each other in a cycle: {' → '.join(cycle)}",
                cycle[0],
            )


def _path_problem(target: Question, path: tuple[str, ...]) -> str | None:
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


def _expanded_size(root: yaml.Node) -> int:
    """How many values the document holds once every alias is expanded."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1  # a recursive alias counts once (safe_load refuses it)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        total = min(total, MAX_YAML_NODES + 1)
        sizes[id(node)] = total
        return total

    return size(root)


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
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


def _loc_text(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _known_keys(rel: tuple[str | int, ...]) -> list[str]:
    """Keys allowed where an unknown key was found, for 'did you mean'."""
    from dialogs.schema import Choice, Render, Row

    parent = rel[:-1]
    if not parent:
        return list(Question.model_fields) + list(Section.model_fields)
    head = parent[0]
    model: Any = {
        "render": Render,
        "choices": Choice,
        "rows": Row,
        "columns": Column,
        "fields": Column,
    }.get(str(head))
    if head in ("columns", "fields") and len(parent) >= 3 and parent[2] == "choices":
        model = Choice
    return list(model.model_fields) if model is not None else []
