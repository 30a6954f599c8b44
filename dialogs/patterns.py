"""Answer patterns (``pattern:`` of a text question) matched in linear time.

Templates come from DIC clerks' uploads, so a pattern must never stall the
server: patterns are compiled and matched with RE2 (google-re2), whose matching
time is linear in the answer's length whatever the pattern. The loader also
refuses patterns that RE2 cannot run (backreferences, look-arounds) and patterns
that would backtrack catastrophically in a backtracking engine (a repeated group
that itself repeats, e.g. ``^(a+)+$``), so that a template stays safe wherever it
is used.
"""

from __future__ import annotations

import functools
import re

import re2

__all__ = ["PatternProblem", "check_pattern", "full_match"]

_OPTIONS = re2.Options()
_OPTIONS.max_mem = 8 << 20  # 8 MiB per compiled pattern
_OPTIONS.log_errors = False


class PatternProblem(ValueError):
    """Why a pattern cannot be used; ``kind`` is ``"invalid"`` or ``"catastrophic"``."""

    def __init__(self, kind: str, detail: str) -> None:
        self.kind = kind
        self.detail = detail
        super().__init__(detail)


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re2._Regexp:  # type: ignore[name-defined]
    return re2.compile(pattern, options=_OPTIONS)


def full_match(pattern: str, text: str) -> bool:
    """Whether ``text`` matches ``pattern`` entirely (linear time)."""
    return _compiled(pattern).fullmatch(text) is not None


def check_pattern(pattern: str) -> None:
    """Raise :class:`PatternProblem` when ``pattern`` cannot be used safely."""
    try:
        tree = re._parser.parse(pattern)  # type: ignore[attr-defined]
    except (re.error, RecursionError, OverflowError) as exc:
        raise PatternProblem("invalid", str(exc)) from None
    if _nested_repeat(tree):
        raise PatternProblem(
            "catastrophic", "a repeated group contains another repetition (e.g. (a+)+)"
        )
    try:
        _compiled(pattern)
    except re2.error as exc:
        raise PatternProblem("invalid", f"not supported in linear time: {exc}") from None


_REPEATS = {re._constants.MAX_REPEAT, re._constants.MIN_REPEAT}  # type: ignore[attr-defined]
_SUBPATTERN = re._constants.SUBPATTERN  # type: ignore[attr-defined]
_BRANCH = re._constants.BRANCH  # type: ignore[attr-defined]
_POSSESSIVE = getattr(re._constants, "POSSESSIVE_REPEAT", None)  # type: ignore[attr-defined]


def _nested_repeat(tree: object) -> bool:
    """A group repeated more than once whose content starts with a repetition:
    ``(a+)+``, ``(\\w+\\s?)*`` (``(,\\d+)*`` is fine: it starts with a fixed ``,``)."""
    for op, arg in tree:  # type: ignore[attr-defined]
        if op in _REPEATS or op == _POSSESSIVE:
            _low, high, sub = arg
            many = high is re._constants.MAXREPEAT or high > 1  # type: ignore[attr-defined]
            if many and _starts_with_repeat(sub):
                return True
            if _nested_repeat(sub):
                return True
        elif _nested_in_group(op, arg):
            return True
    return False


def _nested_in_group(op: object, arg: object) -> bool:
    if op == _SUBPATTERN:
        return _nested_repeat(arg[-1])  # type: ignore[index]
    if op == _BRANCH:
        return any(_nested_repeat(branch) for branch in arg[1])  # type: ignore[index]
    return False


def _starts_with_repeat(tree: object) -> bool:
    items = list(tree)  # type: ignore[call-overload]
    if not items:
        return False
    op, arg = items[0]
    if op in _REPEATS or op == _POSSESSIVE:
        high = arg[1]
        return high is re._constants.MAXREPEAT or high > 1  # type: ignore[attr-defined]
    if op == re._constants.SUBPATTERN:  # type: ignore[attr-defined]
        return _starts_with_repeat(arg[-1])
    if op == re._constants.BRANCH:  # type: ignore[attr-defined]
        return any(_starts_with_repeat(branch) for branch in arg[1])
    return False
