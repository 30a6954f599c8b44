"""Templates from uploads cannot stall or corrupt anything: patterns run in linear
time, catastrophic ones are refused on load, overflowing results are errors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dialogs.expression_eval import evaluate
from dialogs.expressions import ExpressionError
from dialogs.loader import load_template
from dialogs.patterns import PatternProblem, check_pattern, full_match
from dialogs.schema import Column, QuestionType
from dialogs.template_errors import TemplateError
from dialogs.values import InvalidAnswer, parse_answer

EVIL = "^(a+)+$"


def test_a_backtracking_pattern_is_matched_in_linear_time() -> None:
    started = time.perf_counter()
    assert full_match(EVIL, "a" * 31 + "!") is False
    assert full_match(EVIL, "a" * 100_000 + "!") is False
    assert time.perf_counter() - started < 0.5  # Python's re takes > 15 s on 31 characters


def test_an_answer_is_checked_against_the_pattern_with_re2() -> None:
    spec = Column(id="ma", label="Mã", type=QuestionType.TEXT, pattern=EVIL)
    started = time.perf_counter()
    with pytest.raises(InvalidAnswer):
        parse_answer(spec, "a" * 31 + "!")
    assert time.perf_counter() - started < 0.5
    assert parse_answer(spec, "aaaa") == "aaaa"


@pytest.mark.parametrize("pattern", [EVIL, "(a*)*b", "(\\w+\\s?)+$", "((ab)+)+"])
def test_catastrophic_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(PatternProblem) as caught:
        check_pattern(pattern)
    assert caught.value.kind == "catastrophic"


@pytest.mark.parametrize("pattern", ["^[0-9]{10}$", "\\d+(,\\d+)*", "(a|b)*c", "[A-Z]{2}\\d+"])
def test_ordinary_patterns_are_accepted(pattern: str) -> None:
    check_pattern(pattern)


def test_the_loader_refuses_a_catastrophic_pattern(tmp_path: Path) -> None:
    path = tmp_path / "mau.yaml"
    path.write_text(
        "id: mau\nname: Mẫu\nsubject: S\nsections:\n  - id: p\n    title: P\n    items:\n"
        f"      - {{id: ma, type: text, prompt: 'Mã?', pattern: '{EVIL}'}}\n",
        encoding="utf-8",
    )
    with pytest.raises(TemplateError, match="backtrack catastrophically"):
        load_template(path)


@pytest.mark.parametrize("source", ["a * a", "a * 10", "a + a", "abs(a) * 2", "-a * a"])
def test_an_overflowing_result_is_an_error_not_inf(source: str) -> None:
    with pytest.raises(ExpressionError, match="too large"):
        evaluate(source, {"a": 1e308})


@pytest.mark.parametrize("source", ["a / 3", "a * 1.5"])
def test_an_integer_too_large_for_a_float_is_an_error(source: str) -> None:
    with pytest.raises(ExpressionError, match="too large"):
        evaluate(source, {"a": 10**400})


def test_ordinary_float_results_are_values() -> None:
    assert evaluate("a / b * 100", {"a": 1, "b": 3}) == pytest.approx(33.333333)
