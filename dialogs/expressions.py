"""A small, safe expression language for template rules.

Used by ``relevant``, ``constraint`` and ``computed`` (question ``expression`` and
computed table columns). Source text is parsed with :func:`ast.parse` in ``eval``
mode and the tree is checked against a whitelist; it is then interpreted by
walking the tree. Python ``eval``/``exec``/``compile`` of code objects is never
used, attributes of Python objects are never looked up and nothing can be
imported.

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

Missing answers
===============

A missing answer is ``None`` and ``None`` spreads: arithmetic or a comparison with
``None`` gives ``None`` (so a computed value stays ``None`` until its inputs exist);
division by zero gives ``None``. A result that overflows (infinite or not a number)
raises :class:`ExpressionError`: it is never stored or printed.
``and``/``or``/``not`` follow three-valued logic (``false and null`` is ``false``,
``true and null`` is ``null``). **Callers treat a ``None`` result of ``relevant`` as
true** (ask the question when it cannot be decided yet) and a ``None`` result of
``constraint`` as satisfied (nothing to check yet). Use ``empty(x)`` to test for a
missing answer. Percent answers are stored 0-100.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = ["FUNCTIONS", "Expression", "ExpressionError", "compile_expression", "evaluate"]

MAX_SOURCE_LENGTH = 2000
MAX_DEPTH = 60
MAX_EXPONENT = 100
MAX_INT_BITS = 4096
MAX_STRING_LENGTH = 10_000

_CONSTANT_NAMES: dict[str, Any] = {
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

Number = int | float


class ExpressionError(ValueError):
    """The expression is not valid, or cannot be evaluated safely."""


@dataclass(frozen=True)
class Expression:
    """A checked expression, ready to evaluate many times."""

    source: str
    #: Referenced top-level names (first part of dotted paths), without
    #: ``value``, constants and function names.
    names: frozenset[str]
    #: Every referenced path, e.g. ``("docs", "van_phong", "gui")`` or ``("staff",)``.
    paths: frozenset[tuple[str, ...]] = frozenset()
    _tree: ast.Expression | None = field(default=None, repr=False, compare=False)

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        """Evaluate over ``env`` (question id → answer; ``value`` → the answer checked)."""
        tree = self._tree if self._tree is not None else compile_expression(self.source)._tree
        assert tree is not None
        return _finite(_Evaluator(env).eval(tree.body))


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


def _dotted_path(node: ast.AST) -> tuple[str, ...] | None:
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
            if node.id not in _CONSTANT_NAMES:
                self.paths.add((node.id,))
            return
        if isinstance(node, ast.Attribute):
            path = _dotted_path(node)
            if path is None:
                raise self.fail("attributes are only allowed on question ids (a.b.c)")
            for part in path:
                self._check_name(part)
            if path[0] in _CONSTANT_NAMES:
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
            and _is_number(node.right.value)
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
    return Expression(source=source, names=names, paths=paths, _tree=tree)


def evaluate(source: str, env: Mapping[str, Any]) -> Any:
    """Compile (cached) and evaluate ``source`` over ``env``."""
    return compile_expression(source).evaluate(env)


# --------------------------------------------------------------------------- evaluation


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not (isinstance(x, float) and math.isnan(x))


def _is_empty(x: Any) -> bool:
    if x is None:
        return True
    if isinstance(x, str):
        return not x.strip()
    if isinstance(x, list | tuple | dict | Mapping):
        return len(x) == 0
    return False


def _truth(x: Any) -> bool | None:
    if x is None:
        return None
    return bool(x)


def _values(args: Sequence[Any]) -> list[Any] | None:
    """Arguments of sum/min/max: one list/dict argument, or several scalars."""
    if len(args) == 1:
        only = args[0]
        if only is None:
            return None
        if isinstance(only, Mapping):
            return list(only.values())
        if isinstance(only, list | tuple):
            return list(only)
        return [only]
    return list(args)


def _numbers(fn: str, items: Sequence[Any]) -> list[Number]:
    out: list[Number] = []
    for item in items:
        if item is None or (isinstance(item, str) and not item.strip()):
            continue
        if not _is_number(item):
            raise ExpressionError(f"{fn}() expects numbers, got {item!r}")
        out.append(item)
    return out


def _round_half_up(x: Number, digits: int) -> Number:
    q = Decimal(1).scaleb(-digits)
    result = Decimal(str(x)).quantize(q, rounding=ROUND_HALF_UP)
    return int(result) if digits <= 0 else float(result)


_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


def _equal(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b) and (isinstance(a, float) or isinstance(b, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


class _Evaluator:
    def __init__(self, env: Mapping[str, Any]) -> None:
        self.env = env

    def eval(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in _CONSTANT_NAMES:
                return _CONSTANT_NAMES[node.id]
            return self.env.get(node.id)
        if isinstance(node, ast.Attribute):
            path = _dotted_path(node)
            assert path is not None
            return self._lookup(path)
        if isinstance(node, ast.BinOp):
            return self._binop(node.op, self.eval(node.left), self.eval(node.right))
        if isinstance(node, ast.UnaryOp):
            return self._unary(node.op, self.eval(node.operand))
        if isinstance(node, ast.BoolOp):
            return self._boolop(node)
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.IfExp):
            return self._choose(self.eval(node.test), node.body, node.orelse)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.List | ast.Tuple):
            return [self.eval(e) for e in node.elts]
        raise ExpressionError(f"cannot evaluate {type(node).__name__}")  # pragma: no cover

    def _lookup(self, path: tuple[str, ...]) -> Any:
        current: Any = self.env.get(path[0])
        for part in path[1:]:
            current = _field(current, part)
        return current

    def _binop(self, op: ast.operator, a: Any, b: Any) -> Any:
        if a is None or b is None:
            return None
        if isinstance(op, ast.Add) and isinstance(a, str) and isinstance(b, str):
            if len(a) + len(b) > MAX_STRING_LENGTH:
                raise ExpressionError("text result is too long")
            return a + b
        if not (_is_number(a) and _is_number(b)):
            raise ExpressionError(
                f"arithmetic needs numbers, got {type(a).__name__} and {type(b).__name__}"
            )
        if isinstance(op, ast.Div | ast.FloorDiv | ast.Mod) and b == 0:
            return None
        try:
            result = self._arithmetic(op, a, b)
        except OverflowError:
            raise ExpressionError("number is too large") from None
        if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
            raise ExpressionError("number is too large")
        return _finite(result)

    def _arithmetic(self, op: ast.operator, a: Number, b: Number) -> Number | None:
        if isinstance(op, ast.Add):
            return a + b
        if isinstance(op, ast.Sub):
            return a - b
        if isinstance(op, ast.Mult):
            return a * b
        if isinstance(op, ast.Div):
            return a / b
        if isinstance(op, ast.FloorDiv):
            return a // b
        if isinstance(op, ast.Mod):
            return a % b
        return self._power(a, b)  # ast.Pow

    @staticmethod
    def _power(a: Number, b: Number) -> Number | None:
        if abs(b) > MAX_EXPONENT:
            raise ExpressionError(f"exponent {b} is too large (at most {MAX_EXPONENT})")
        if isinstance(a, int) and isinstance(b, int) and b >= 0:
            if a.bit_length() * b > MAX_INT_BITS:
                raise ExpressionError("number is too large")
            return a**b
        if a == 0 and b < 0:
            return None
        try:
            result = float(a) ** float(b)
        except OverflowError:
            raise ExpressionError("number is too large") from None
        if isinstance(result, complex):
            return None
        return result

    @staticmethod
    def _unary(op: ast.unaryop, x: Any) -> Any:
        if isinstance(op, ast.Not):
            t = _truth(x)
            return None if t is None else not t
        if x is None:
            return None
        if not _is_number(x):
            raise ExpressionError(f"sign needs a number, got {type(x).__name__}")
        return -x if isinstance(op, ast.USub) else +x

    def _boolop(self, node: ast.BoolOp) -> bool | None:
        is_and = isinstance(node.op, ast.And)
        unknown = False
        for value_node in node.values:
            t = _truth(self.eval(value_node))
            if t is None:
                unknown = True
            elif t is not is_and:  # false in an "and", true in an "or": decided
                return t
        return None if unknown else is_and

    def _compare(self, node: ast.Compare) -> bool | None:
        left = self.eval(node.left)
        result: bool | None = True
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.eval(right_node)
            outcome = self._compare_one(op, left, right)
            if outcome is False:
                return False
            if outcome is None:
                result = None
            left = right
        return result

    @staticmethod
    def _compare_one(op: ast.cmpop, a: Any, b: Any) -> bool | None:
        if isinstance(op, ast.In | ast.NotIn):
            if a is None or b is None:
                return None
            if not isinstance(b, str | list | tuple | Mapping):
                raise ExpressionError(f"'in' needs text or a list, got {type(b).__name__}")
            if isinstance(b, str) and not isinstance(a, str):
                raise ExpressionError("'in' on text needs text on the left")
            found = a in b
            return found if isinstance(op, ast.In) else not found
        if a is None or b is None:
            return None
        if isinstance(op, ast.Eq):
            return _equal(a, b)
        if isinstance(op, ast.NotEq):
            return not _equal(a, b)
        if _is_number(a) and _is_number(b):
            return _COMPARE[type(op)](a, b)
        if isinstance(a, str) and isinstance(b, str):
            return _COMPARE[type(op)](a, b)
        raise ExpressionError(f"cannot compare {type(a).__name__} with {type(b).__name__}")

    def _choose(self, test: Any, yes: ast.AST, no: ast.AST) -> Any:
        t = _truth(test)
        if t is None:
            return None
        return self.eval(yes if t else no)

    def _call(self, node: ast.Call) -> Any:
        assert isinstance(node.func, ast.Name)
        name = node.func.id
        if name == "iif":
            return self._choose(self.eval(node.args[0]), node.args[1], node.args[2])
        if name == "coalesce":
            for arg in node.args:
                v = self.eval(arg)
                if not _is_empty(v):
                    return v
            return None
        args = [self.eval(a) for a in node.args]
        return _FUNCTION_IMPLS[name](*args)


def _finite(result: Any) -> Any:
    """An infinite or not-a-number result is an error, never a value."""
    if isinstance(result, float) and not math.isfinite(result):
        raise ExpressionError("number is too large (the result is not a finite number)")
    return result


def _field(container: Any, name: str) -> Any:
    if isinstance(container, Mapping):
        return container.get(name)
    if isinstance(container, list | tuple):
        return [item.get(name) if isinstance(item, Mapping) else None for item in container]
    return None


def _fn_sum(*args: Any) -> Number | None:
    items = _values(args)
    if items is None:
        return None
    return sum(_numbers("sum", items))


def _fn_count(x: Any) -> int:
    if x is None:
        return 0
    if isinstance(x, list | tuple | Mapping):
        return len(x)
    return 1


def _make_extreme(fn: str, pick: Callable[[list[Number]], Number]) -> Callable[..., Any]:
    def impl(*args: Any) -> Number | None:
        items = _values(args)
        if items is None:
            return None
        numbers = _numbers(fn, items)
        return pick(numbers) if numbers else None

    return impl


def _fn_round(x: Any, digits: Any = 0) -> Number | None:
    if x is None or digits is None:
        return None
    if not _is_number(x) or not isinstance(digits, int) or isinstance(digits, bool):
        raise ExpressionError("round() expects a number and a whole number of digits")
    if not -10 <= digits <= 10:
        raise ExpressionError("round() digits must be between -10 and 10")
    if isinstance(x, float) and math.isinf(x):
        return x
    return _round_half_up(x, digits)


def _fn_abs(x: Any) -> Number | None:
    if x is None:
        return None
    if not _is_number(x):
        raise ExpressionError(f"abs() expects a number, got {x!r}")
    return abs(x)


def _fn_selected(x: Any, option: str) -> bool:
    if x is None:
        return False
    if isinstance(x, list | tuple):
        return option in x
    return bool(x == option)


def _fn_len(x: Any) -> int:
    if x is None:
        return 0
    if isinstance(x, str | list | tuple | Mapping):
        return len(x)
    raise ExpressionError(f"len() expects text or a list, got {type(x).__name__}")


def _fn_column(items: Any, name: str) -> list[Any]:
    if items is None:
        return []
    if isinstance(items, Mapping):  # a table: the column over its rows
        return [row.get(name) if isinstance(row, Mapping) else None for row in items.values()]
    if isinstance(items, list | tuple):
        return [item.get(name) if isinstance(item, Mapping) else None for item in items]
    raise ExpressionError(f"column() expects a list of records, got {type(items).__name__}")


_FUNCTION_IMPLS: dict[str, Callable[..., Any]] = {
    "sum": _fn_sum,
    "count": _fn_count,
    "min": _make_extreme("min", min),
    "max": _make_extreme("max", max),
    "round": _fn_round,
    "abs": _fn_abs,
    "empty": _is_empty,
    "selected": _fn_selected,
    "len": _fn_len,
    "column": _fn_column,
}
