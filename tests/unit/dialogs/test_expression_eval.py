"""Evaluating template expressions: what they compute, how missing answers spread,
and the limits that keep a result small."""

from __future__ import annotations

import pytest

from dialogs.expression_eval import evaluate
from dialogs.expressions import ExpressionError, compile_expression

DOCS = {"van_phong": {"tong": 25430, "gui": 9136, "nhan": 16294, "dt_tong": 23841}}
SYSTEMS = [
    {"ten_he_thong": "Trang TTĐT", "cap_do": "2"},
    {"ten_he_thong": "CSDL ngành", "cap_do": "3"},
    {"ten_he_thong": "Khuyến mại", "cap_do": "3"},
]



class TestArithmetic:
    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ("1 + 2 * 3", 7),
            ("(1 + 2) * 3", 9),
            ("7 / 2", 3.5),
            ("7 // 2", 3),
            ("7 % 4", 3),
            ("2 ** 10", 1024),
            ("-3 + +1", -2),
            ("10 - 2 - 3", 5),
            ("1.5 * 2", 3.0),
        ],
    )
    def test_operators(self, source: str, expected: float) -> None:
        assert evaluate(source, {}) == expected

    def test_share_of_computers_with_names(self) -> None:
        env = {"so_cbcc": 56, "so_cbcc_co_may_tinh": 56}
        assert evaluate("so_cbcc_co_may_tinh / so_cbcc * 100", env) == 100.0

    @pytest.mark.parametrize("source", ["1 / 0", "5 // 0", "5 % 0", "x / y"])
    def test_division_by_zero_is_none(self, source: str) -> None:
        assert evaluate(source, {"x": 3, "y": 0}) is None

    def test_text_times_number_is_refused(self) -> None:
        with pytest.raises(ExpressionError, match="numbers"):
            evaluate("'a' * 1000000", {})

    def test_text_concatenation(self) -> None:
        assert evaluate("a + ' ' + b", {"a": "Sở", "b": "Công Thương"}) == "Sở Công Thương"


class TestMissingAnswers:
    def test_missing_name_is_none(self) -> None:
        assert evaluate("so_may_tinh", {}) is None

    @pytest.mark.parametrize(
        "source", ["x + 1", "x * 2", "-x", "x / 2", "2 ** x", "x > 1", "x == 1"]
    )
    def test_none_spreads_through_arithmetic_and_comparison(self, source: str) -> None:
        assert evaluate(source, {}) is None

    def test_computed_ratio_waits_for_both_inputs(self) -> None:
        expr = compile_expression("dt / tong * 100")
        assert evaluate(expr, {"tong": 200}) is None
        assert evaluate(expr, {"tong": 200, "dt": 150}) == 75.0

    def test_three_valued_logic(self) -> None:
        assert evaluate("x > 1 and false", {}) is False
        assert evaluate("x > 1 and true", {}) is None
        assert evaluate("x > 1 or true", {}) is True
        assert evaluate("x > 1 or false", {}) is None
        assert evaluate("not x", {}) is None

    def test_conditional_with_unknown_test_is_none(self) -> None:
        assert evaluate("1 if x > 0 else 2", {}) is None


class TestComparisons:
    def test_chained(self) -> None:
        assert evaluate("0 <= value <= 100", {"value": 50}) is True
        assert evaluate("0 <= value <= 100", {"value": 101}) is False

    def test_float_equality_is_tolerant(self) -> None:
        assert evaluate("0.1 + 0.2 == 0.3", {}) is True

    def test_in(self) -> None:
        assert evaluate("'a' in x", {"x": ["a", "b"]}) is True
        assert evaluate("'c' not in x", {"x": ["a", "b"]}) is True

    def test_text_and_number_cannot_be_ordered(self) -> None:
        with pytest.raises(ExpressionError):
            evaluate("'a' < 1", {})


class TestDottedPaths:
    def test_table_cell(self) -> None:
        env = {"van_ban": DOCS}
        assert evaluate("van_ban.van_phong.gui + van_ban.van_phong.nhan", env) == 25430
        assert evaluate(
            "van_ban.van_phong.gui + van_ban.van_phong.nhan == van_ban.van_phong.tong", env
        )

    def test_missing_row_or_column_is_none(self) -> None:
        assert evaluate("van_ban.khac.gui", {"van_ban": DOCS}) is None
        assert evaluate("van_ban.van_phong.khong_co", {"van_ban": DOCS}) is None
        assert evaluate("van_ban.van_phong.gui", {}) is None

    def test_path_over_a_scalar_is_none(self) -> None:
        assert evaluate("x.y", {"x": 5}) is None

    def test_path_over_a_repeat_collects_the_field(self) -> None:
        assert evaluate("he_thong.cap_do", {"he_thong": SYSTEMS}) == ["2", "3", "3"]

    def test_value_path(self) -> None:
        expr = "value.ho_so.truc_tuyen + value.ho_so.truc_tiep == value.ho_so.tong"
        ok = {"ho_so": {"tong": 14824, "truc_tuyen": 14659, "truc_tiep": 165}}
        bad = {"ho_so": {"tong": 14824, "truc_tuyen": 14659, "truc_tiep": 163}}
        assert evaluate(expr, {"value": ok}) is True
        assert evaluate(expr, {"value": bad}) is False


class TestLiterals:
    @pytest.mark.parametrize(
        ("source", "expected"),
        [("true", True), ("false", False), ("null", None), ("True", True), ("None", None)],
    )
    def test_constant_names(self, source: str, expected: object) -> None:
        assert evaluate(source, {"true": 0, "null": 1}) is expected

    def test_list_literal(self) -> None:
        assert evaluate("sum([1, 2, 3])", {}) == 6


class TestFunctions:
    def test_sum(self) -> None:
        assert evaluate("sum(column(ht, 'n'))", {"ht": [{"n": 1}, {"n": None}, {"n": 4}]}) == 5
        assert evaluate("sum(a, b, c)", {"a": 1, "b": 2}) == 3
        assert evaluate("sum(x)", {}) is None
        assert evaluate("sum(t.row)", {"t": {"row": {"a": 1, "b": 2}}}) == 3

    def test_count(self) -> None:
        assert evaluate("count(he_thong)", {"he_thong": SYSTEMS}) == 3
        assert evaluate("count(he_thong)", {}) == 0

    def test_min_max(self) -> None:
        assert evaluate("min(3, x, 1)", {"x": 2}) == 1
        assert evaluate("max([3, 7, null])", {}) == 7
        assert evaluate("max(x)", {}) is None
        assert evaluate("min([])", {}) is None

    def test_round_is_half_up(self) -> None:
        assert evaluate("round(98.875, 2)", {}) == 98.88
        assert evaluate("round(2.5)", {}) == 3
        assert evaluate("round(14659 / 14824 * 100, 2)", {}) == 98.89
        assert evaluate("round(x, 2)", {}) is None

    def test_abs(self) -> None:
        assert evaluate("abs(-4)", {}) == 4
        assert evaluate("abs(x)", {}) is None

    def test_if_function_and_its_alias(self) -> None:
        assert evaluate("if(x > 0, 'co', 'khong')", {"x": 1}) == "co"
        assert evaluate("iif(x > 0, 'co', 'khong')", {"x": 0}) == "khong"
        assert evaluate("if (x > 0, 1, 2) + if(x > 5, 10, 20)", {"x": 1}) == 21

    def test_if_function_is_lazy(self) -> None:
        assert evaluate("if(tong == 0, 0, dt / tong * 100)", {"tong": 0, "dt": 1}) == 0

    def test_python_conditional_still_works_with_parentheses(self) -> None:
        assert evaluate("a if (a > 0) else 0", {"a": 5}) == 5
        assert evaluate("'if(' + x", {"x": "y"}) == "if(y"

    def test_coalesce(self) -> None:
        assert evaluate("coalesce(a, b, 0)", {"b": 7}) == 7
        assert evaluate("coalesce(a, '', 3)", {}) == 3
        assert evaluate("coalesce(a)", {}) is None

    @pytest.mark.parametrize("value", [None, "", "  ", [], {}])
    def test_empty_true(self, value: object) -> None:
        assert evaluate("empty(x)", {"x": value}) is True

    @pytest.mark.parametrize("value", [0, "a", ["a"], {"a": 1}, False])
    def test_empty_false(self, value: object) -> None:
        assert evaluate("empty(x)", {"x": value}) is False

    def test_selected(self) -> None:
        env = {"multi": ["tuong_lua", "sao_luu"], "one": "khac"}
        assert evaluate("selected(multi, 'sao_luu')", env) is True
        assert evaluate("selected(multi, 'khac')", env) is False
        assert evaluate("selected(one, 'khac')", env) is True
        assert evaluate("selected(missing, 'khac')", env) is False

    def test_len(self) -> None:
        assert evaluate("len(x)", {"x": "abc"}) == 3
        assert evaluate("len(x)", {"x": SYSTEMS}) == 3
        assert evaluate("len(x)", {}) == 0

    def test_column(self) -> None:
        assert evaluate("column(ht, 'cap_do')", {"ht": SYSTEMS}) == ["2", "3", "3"]
        assert evaluate("column(ht, 'cap_do')", {}) == []
        assert evaluate("column(t, 'gui')", {"t": DOCS}) == [9136]


class TestRuntimeLimits:
    def test_huge_exponent_computed_at_runtime(self) -> None:
        with pytest.raises(ExpressionError, match="too large"):
            evaluate("x ** y", {"x": 10, "y": 10_000})

    def test_repeated_powers_are_bounded(self) -> None:
        with pytest.raises(ExpressionError, match="too large"):
            evaluate("((99 ** 99) ** 99) ** 99", {})

    def test_env_objects_expose_no_attributes(self) -> None:
        class Secret:
            token = "s3cret"

        assert evaluate("x.token", {"x": Secret()}) is None
