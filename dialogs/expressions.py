"""A small, safe expression language for template rules.

Used by ``relevant``, ``constraint`` and ``computed`` (question ``expression`` and
computed table columns). Source text is parsed with :func:`ast.parse` in ``eval``
mode and the tree is checked against a whitelist (this module); it is then
interpreted by walking the tree (:mod:`dialogs.expression_eval`). Python
``eval``/``exec``/``compile`` of code objects is never used, attributes of Python
objects are never looked up and nothing can be imported.

The language
============

* literals: integers, decimals, strings (``'...'`` or ``"..."``), ``true``,
  ``false``, ``null`` (``True``/``False``/``None`` too);
* names: question ids (``docs_total``); dotted paths walk nested answers:
  ``docs.van_phong.gui`` reads ``answers["docs"]["van_phong"]["gui"]`` (a
  ``table`` answer is ``{row: {column: value}}``); a dotted path over a list
  (a ``repeat`` answer) collects that field of every item;
* ``value``: the answer being validated (in ``constraint``);
* arithmetic ``+ - * / // % **``, unary ``- + not``, comparisons (chained:
  ``0 <= value <= 100``), ``in``/``not in``, ``and``/``or``, ``a if c else b``;
* functions: ``sum``, ``count``, ``min``, ``max``, ``round``, ``abs``,
  ``if(cond, a, b)`` (alias ``iif``), ``coalesce``, ``empty``, ``selected``,
  ``len``, ``column``.

Missing answers and three-valued logic: see :mod:`dialogs.expression_eval`.
"""

from __future__ import annotations

import ast
import functools
import math
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CONSTANT_NAMES",
    "FUNCTIONS",
    "MAX_EXPONENT",
    "Expression",
    "ExpressionError",
    "compile_expression",
    "dotted_path",
    "is_number",
]

MAX_SOURCE_LENGTH = 2000
MAX_DEPTH = 60
MAX_EXPONENT = 100

CONSTANT_NAMES: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "True": True,
    "False": False,
    "None": None,
}

#: Function names and their (min, max) argument counts; ``None`` = unbounded.
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "sum": (1, None),
    "count": (1, 1),
    "min": (1, None),
    "max": (1, None),
    "round": (1, 2),
    "abs": (1, 1),
    "iif": (3, 3),
    "coalesce": (1, None),
    "empty": (1, 1),
    "selected": (2, 2),
    "len": (1, 1),
    "column": (2, 2),
}

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.Attribute,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.List,
    ast.Tuple,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.USub,
    ast.UAdd,
    ast.Not,
    ast.And,
    ast.Or,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
)

_NODE_NAMES: dict[type[ast.AST], str] = {
    ast.Subscript: "indexing with [...]",
    ast.Lambda: "lambda",
    ast.ListComp: "list comprehensions",
    ast.SetComp: "set comprehensions",
    ast.DictComp: "dict comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.Dict: "dict literals",
    ast.Set: "set literals",
    ast.NamedExpr: "assignment (:=)",
    ast.Starred: "star arguments",
    ast.JoinedStr: "f-strings",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.Slice: "slices",
    ast.Is: "'is' (use == or empty())",
    ast.IsNot: "'is not' (use != or empty())",
    ast.BitAnd: "the & operator",
    ast.BitOr: "the | operator",
    ast.BitXor: "the ^ operator",
    ast.LShift: "the << operator",
    ast.RShift: "the >> operator",
    ast.Invert: "the ~ operator",
    ast.MatMult: "the @ operator",
}



class ExpressionError(ValueError):
    """The expression is not valid, or cannot be evaluated safely."""


@dataclass(frozen=True)
class Expression:
    """A checked expression, ready to evaluate many times
    (:func:`dialogs.expression_eval.evaluate`)."""

    source: str
    #: Referenced top-level names (first part of dotted paths), without
    #: ``value``, constants and function names.
    names: frozenset[str]
    #: Every referenced path, e.g. ``("docs", "van_phong", "gui")`` or ``("staff",)``.
    paths: frozenset[tuple[str, ...]] = frozenset()
    #: The checked tree (:func:`dialogs.expression_eval.evaluate` walks it).
    tree: ast.Expression | None = field(default=None, repr=False, compare=False)


# --------------------------------------------------------------------------- parsing

_IF_CALL = re.compile(r"\bif\s*\(")
_KEYWORDS_BEFORE_OPERAND = frozenset({"and", "or", "not", "else", "if", "in", "is"})


def _rewrite_if_calls(source: str) -> str:
    """Turn ``if(c, a, b)`` into ``iif(c, a, b)``, leaving ``a if (c) else b`` alone.

    String literals are skipped. An ``if`` directly after an operand (a name, a
    number, a closing bracket or a string) is the conditional expression.
    """
    out: list[str] = []
    i = 0
    n = len(source)
    prev_token = ""  # "operand", "keyword", or "" (start / operator / opening bracket)
    while i < n:
        ch = source[i]
        if ch in "'\"":
            end = i + 1
            while end < n and source[end] != ch:
                end += 2 if source[end] == "\\" else 1
            out.append(source[i : end + 1])
            i = end + 1
            prev_token = "operand"
            continue
        if ch.isalpha() or ch == "_":
            end = i
            while end < n and (source[end].isalnum() or source[end] == "_"):
                end += 1
            word = source[i:end]
            if word == "if" and prev_token != "operand" and _IF_CALL.match(source, i):
                out.append("iif")
                prev_token = "keyword"
            else:
                out.append(word)
                prev_token = "keyword" if word in _KEYWORDS_BEFORE_OPERAND else "operand"
            i = end
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and source[i + 1].isdigit()):
            end = i
            while end < n and (source[end].isalnum() or source[end] in "._"):
                end += 1
            out.append(source[i:end])
            i = end
            prev_token = "operand"
            continue
        out.append(ch)
        if ch in ")]":
            prev_token = "operand"
        elif ch == "." and prev_token == "operand":
            prev_token = "dot"  # attribute follows; keep "if" after a dot as a name
        elif not ch.isspace():
            prev_token = ""
        i += 1
    return "".join(out)


def dotted_path(node: ast.AST) -> tuple[str, ...] | None:
    """``a.b.c`` as ``("a", "b", "c")``; None when it does not start at a name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return tuple(reversed(parts))
    return None


class _Checker:
    """Walks a parsed tree, rejecting anything outside the whitelist."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.paths: set[tuple[str, ...]] = set()

    def fail(self, problem: str) -> ExpressionError:
        return ExpressionError(f"{problem} in expression {self.source!r}")

    def check(self, node: ast.AST, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            raise self.fail("expression is nested too deeply")
        if not isinstance(node, _ALLOWED_NODES):
            what = _NODE_NAMES.get(type(node), type(node).__name__)
            raise self.fail(f"not allowed: {what}")
        if isinstance(node, ast.Constant):
            if not (node.value is None or isinstance(node.value, bool | int | float | str)):
                raise self.fail(f"literal {node.value!r} is not allowed")
            return
        if isinstance(node, ast.Name):
            self._check_name(node.id)
            if node.id not in CONSTANT_NAMES:
                self.paths.add((node.id,))
            return
        if isinstance(node, ast.Attribute):
            path = dotted_path(node)
            if path is None:
                raise self.fail("attributes are only allowed on question ids (a.b.c)")
            for part in path:
                self._check_name(part)
            if path[0] in CONSTANT_NAMES:
                raise self.fail(f"{path[0]!r} has no fields")
            self.paths.add(path)
            return
        if isinstance(node, ast.Call):
            self._check_call(node, depth)
            return
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Pow)
            and isinstance(node.right, ast.Constant)
            and is_number(node.right.value)
            and abs(node.right.value) > MAX_EXPONENT
        ):
            raise self.fail(f"exponent {node.right.value} is too large (at most {MAX_EXPONENT})")
        for child in ast.iter_child_nodes(node):
            self.check(child, depth + 1)

    def _check_name(self, name: str) -> None:
        if name.startswith("_"):
            raise self.fail(f"name {name!r} is not allowed (names may not start with '_')")

    def _check_call(self, node: ast.Call, depth: int) -> None:
        if not isinstance(node.func, ast.Name):
            raise self.fail("only the built-in functions may be called")
        name = node.func.id
        if name not in FUNCTIONS:
            allowed = ", ".join(sorted({*FUNCTIONS, "if"} - {"iif"}))
            raise self.fail(f"unknown function {name!r} (allowed: {allowed})")
        if node.keywords:
            raise self.fail(f"{name}() takes no keyword arguments")
        low, high = FUNCTIONS[name]
        count = len(node.args)
        shown = "if" if name == "iif" else name
        if count < low or (high is not None and count > high):
            expected = f"{low}" if low == high else f"{low} to {high}" if high else f"{low}+"
            raise self.fail(f"{shown}() takes {expected} argument(s), got {count}")
        for arg in node.args:
            self.check(arg, depth + 1)
        if name in ("selected", "column") and not (
            isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
        ):
            raise self.fail(f"{name}() needs a quoted string as its second argument")


@functools.lru_cache(maxsize=4096)
def compile_expression(source: str) -> Expression:
    """Parse and check ``source``; raise :class:`ExpressionError` when it is not allowed."""
    if not isinstance(source, str):
        raise ExpressionError(f"expression must be text, got {type(source).__name__}")
    text = source.strip()
    if not text:
        raise ExpressionError("expression is empty")
    if len(text) > MAX_SOURCE_LENGTH:
        raise ExpressionError(f"expression is longer than {MAX_SOURCE_LENGTH} characters")
    rewritten = _rewrite_if_calls(text)
    try:
        tree = ast.parse(rewritten, mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"syntax error{where} in expression {source!r}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"cannot parse expression {source!r}: {exc}") from None
    checker = _Checker(source)
    checker.check(tree)
    paths = frozenset(checker.paths)
    names = frozenset(p[0] for p in paths if p[0] != "value")
    return Expression(source=source, names=names, paths=paths, tree=tree)


def is_number(x: Any) -> bool:
    """A number (int or float, a bool too) that is not NaN."""
    return isinstance(x, int | float) and not (isinstance(x, float) and math.isnan(x))
