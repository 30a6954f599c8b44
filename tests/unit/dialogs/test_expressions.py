"""The template expression language: what template authors can write and what is
refused when it is compiled."""

from __future__ import annotations

import pytest

from dialogs.expressions import Expression, ExpressionError, compile_expression


class TestFunctionCalls:
    def test_wrong_argument_count(self) -> None:
        with pytest.raises(ExpressionError, match=r"if\(\) takes 3"):
            compile_expression("if(a, b)")
        with pytest.raises(ExpressionError, match=r"selected\(\) takes 2"):
            compile_expression("selected(a)")

    def test_selected_needs_a_quoted_option(self) -> None:
        with pytest.raises(ExpressionError, match="quoted string"):
            compile_expression("selected(a, b)")


class TestRejected:
    @pytest.mark.parametrize(
        ("source", "problem"),
        [
            ("().__class__", "attributes"),
            ("x.__class__", "'__class__'"),
            ("__import__('os')", "'__import__'"),
            ("x.__class__.__bases__", "'__class__'"),
            ("open('/etc/passwd')", "unknown function 'open'"),
            ("eval('1')", "unknown function 'eval'"),
            ("x.upper()", "only the built-in functions"),
            ("sum.__call__(1)", "only the built-in functions"),
            ("lambda: 1", "lambda"),
            ("[c for c in x]", "list comprehensions"),
            ("{c for c in x}", "set comprehensions"),
            ("(c for c in x)", "generator expressions"),
            ("'abc'[0]", "indexing"),
            ("x[0:1]", "indexing"),
            ("{'a': 1}", "dict literals"),
            ("f'{x}'", "f-strings"),
            ("(y := 1)", "assignment"),
            ("x is None", "'is'"),
            ("1 << 100", "<<"),
            ("sum(*x)", "star"),
            ("round(x, ndigits=2)", "keyword"),
            ("9 ** 999999", "exponent"),
            ("b'x'", "literal"),
            ("1j", "literal"),
            ("x = 1", "syntax error"),
            ("", "empty"),
            ("1 +", "syntax error"),
        ],
    )
    def test_refused_at_compile_time(self, source: str, problem: str) -> None:
        with pytest.raises(ExpressionError) as info:
            compile_expression(source)
        assert problem in str(info.value)

    def test_overlong_source(self) -> None:
        with pytest.raises(ExpressionError, match="longer"):
            compile_expression("1 + " * 1000 + "1")

    def test_deep_nesting(self) -> None:
        with pytest.raises(ExpressionError):
            compile_expression("-" * 100 + "1")


class TestCompile:
    def test_names_are_top_level_question_ids(self) -> None:
        expr = compile_expression(
            "if(empty(a), 0, sum(column(b, 'n')) + c.row.col) + value + true + null"
        )
        assert isinstance(expr, Expression)
        assert expr.names == frozenset({"a", "b", "c"})
        assert ("c", "row", "col") in expr.paths

    def test_function_names_are_not_question_names(self) -> None:
        assert compile_expression("count(x) + len(y)").names == frozenset({"x", "y"})

    def test_cached(self) -> None:
        assert compile_expression("a + b") is compile_expression("a + b")

    def test_source_kept(self) -> None:
        assert compile_expression("if(a, 1, 2)").source == "if(a, 1, 2)"

    def test_expression_errors_are_value_errors(self) -> None:
        assert issubclass(ExpressionError, ValueError)

