"""The schema's (pydantic's) complaints about a template, reworded for its author.

One :class:`~dialogs.template_errors.TemplateError` per broken item (question,
section or the template itself), naming the item by its id — or, without a usable
id, by its prompt and place — with "did you mean" for a misspelt key and the line
of the file.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from dialogs.schema import Choice, Column, Question, QuestionType, Render, Row, Section, Template
from dialogs.template_errors import TemplateError
from dialogs.template_yaml import Loc, TemplateSource

__all__ = ["schema_problems"]


def schema_problems(
    exc: ValidationError, data: dict[str, Any], source: TemplateSource
) -> list[TemplateError]:
    """One problem per broken item, in the order of the file."""
    # A misspelt key also makes the real key "missing": report the misspelling.
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    seen: set[Any] = set()
    out: list[TemplateError] = []
    for err in errors:
        raw_loc = _raw_loc(tuple(err["loc"]))
        _, owner_loc, _ = _owner(data, raw_loc)
        if owner_loc in seen:
            continue
        seen.add(owner_loc)
        out.append(_translate(err, data, source))
    loc_order = {id(p): i for i, p in enumerate(out)}
    return sorted(out, key=lambda p: (p.line or 0, loc_order[id(p)]))


def _raw_loc(loc: Loc) -> Loc:
    """The key path in the YAML: discriminated unions add the tag ("question" or
    "section") to pydantic's location."""
    return tuple(
        part
        for i, part in enumerate(loc)
        if not (part in ("question", "section") and i > 0 and isinstance(loc[i - 1], int))
    )


def _translate(err: Any, data: dict[str, Any], source: TemplateSource) -> TemplateError:
    raw_loc = _raw_loc(tuple(err["loc"]))
    owner, owner_loc, owner_node = _owner(data, raw_loc)
    rel = raw_loc[len(owner_loc) :] if owner_loc is not None else raw_loc
    field = ".".join(str(p) for p in rel) or "(item)"
    problem = _describe(err, rel, field, top_level=owner_loc is None)
    owner_kind = "section" if owner_node.get("kind") == "section" else "question"
    if owner is None and owner_loc is not None:
        # No usable id: name the item by its prompt/title and its place.
        label = owner_node.get("prompt") or owner_node.get("title")
        named = f" {str(label)[:60]!r}" if label else ""
        problem = f"{owner_kind}{named} at {_loc_text(owner_loc)}: {problem}"
    return source.error(problem, owner, loc=raw_loc, item_kind=owner_kind)


def _owner(data: dict[str, Any], loc: Loc) -> tuple[str | None, Loc | None, dict[str, Any]]:
    """The innermost question/section on the error path: (id, its loc, its mapping)."""
    node: Any = data
    owner: str | None = None
    owner_loc: Loc | None = None
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


def _describe(err: Any, rel: Loc, field: str, *, top_level: bool) -> str:
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


def _loc_text(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _known_keys(rel: Loc) -> list[str]:
    """Keys allowed where an unknown key was found, for 'did you mean'."""
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
