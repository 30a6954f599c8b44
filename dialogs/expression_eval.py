"""Evaluating a checked expression (:mod:`dialogs.expressions`) over the answers.

The tree is interpreted by walking it: Python ``eval``/``exec``/``compile`` of
code objects is never used and attributes of Python objects are never looked up.
Numbers stay small (limits on exponents, integer size and text length).

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
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dialogs.expressions import (
    CONSTANT_NAMES,
    MAX_EXPONENT,
    Expression,
    ExpressionError,
    compile_expression,
    dotted_path,
    is_number,
)

__all__ = ["evaluate"]

MAX_INT_BITS = 4096
MAX_STRING_LENGTH = 10_000

Number = int | float


def evaluate(expression: Expression | str, env: Mapping[str, Any]) -> Any:
    """Evaluate over ``env`` (question id → answer; ``value`` → the answer checked).

    Source text is compiled first (cached); raise :class:`ExpressionError` when it
    is not allowed or its result cannot be given safely.
    """
    expr = expression if isinstance(expression, Expression) else compile_expression(expression)
    tree = expr.tree if expr.tree is not None else compile_expression(expr.source).tree
    assert tree is not None
    return _finite(_Evaluator(env).eval(tree.body))


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
        if not is_number(item):
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
    if is_number(a) and is_number(b) and (isinstance(a, float) or isinstance(b, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


class _Evaluator:
    def __init__(self, env: Mapping[str, Any]) -> None:
        self.env = env

    def eval(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in CONSTANT_NAMES:
                return CONSTANT_NAMES[node.id]
            return self.env.get(node.id)
        if isinstance(node, ast.Attribute):
            path = dotted_path(node)
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
        if not (is_number(a) and is_number(b)):
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
        if not is_number(x):
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
        if is_number(a) and is_number(b):
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
    if not is_number(x) or not isinstance(digits, int) or isinstance(digits, bool):
        raise ExpressionError("round() expects a number and a whole number of digits")
    if not -10 <= digits <= 10:
        raise ExpressionError("round() digits must be between -10 and 10")
    if isinstance(x, float) and math.isinf(x):
        return x
    return _round_half_up(x, digits)


def _fn_abs(x: Any) -> Number | None:
    if x is None:
        return None
    if not is_number(x):
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
