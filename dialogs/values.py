"""Validate one typed answer against its question (or a table column / repeat field).

``parse_answer`` turns the text a user typed into the stored value shape described in
``dialogs.schema`` or raises ``InvalidAnswer`` with a specific Vietnamese message;
``display_value`` turns a stored value back into text for chat and review. Number,
date and yes/no parsing and formatting come from ``dialogs.vn`` (Babel, ``vi_VN``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from dialogs import vn
from dialogs.invisible import strip_invisible
from dialogs.patterns import full_match
from dialogs.schema import Choice, Column, Question, QuestionType

__all__ = ["InvalidAnswer", "display_value", "parse_answer"]

Spec = Question | Column

#: Short text answers longer than this are refused unless ``max_length`` says otherwise.
SHORT_TEXT_MAX = 1_000
#: Long (narrative) text answers longer than this are refused unless ``max_length`` says so.
LONG_TEXT_MAX = 20_000
#: Numbers beyond this magnitude are typing mistakes, not report figures.
NUMBER_LIMIT = Decimal(10) ** 15
#: Decimals and percentages are stored rounded to this many places.
STORED_DECIMALS = 4

_DEFAULT_EXAMPLES: dict[QuestionType, str] = {
    QuestionType.INTEGER: "25.430",
    QuestionType.DECIMAL: "12,5",
    QuestionType.PERCENT: "93,75%",
    QuestionType.DATE: "08/4/2020",
}
_NONE_WORDS = frozenset({"khong", "khong co", "0", "none", "khong chon"})
_ALL_WORDS = frozenset({"tat ca", "all"})
_NUMBER_AND_REST_RE = re.compile(r"^([+\-\u2212]?[0-9., \u00a0\u202f\u2009]*[0-9])\s*(.*)$", re.S)
_TOKEN_SPLIT_RE = re.compile(r"[,;\n]+")
_CHOICE_NUMBER_RE = re.compile(r"([0-9]{1,4})\s*[.)]?")


class InvalidAnswer(ValueError):
    """The typed text is not an acceptable answer; ``message`` says why, in Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------- helpers


def _example(spec: Spec, qtype: QuestionType) -> str | None:
    example = getattr(spec, "example", None)
    return example or _DEFAULT_EXAMPLES.get(qtype)


def shown_example(spec: Spec) -> str | None:
    """The spec's example as the officer should read it: a whole number gets its
    thousands separators ("25430" -> "25.430")."""
    example = getattr(spec, "example", None)
    if isinstance(example, str) and example.strip().isdigit():
        return vn.format_number(int(example.strip()))
    return example


def _with_example(message: str, spec: Spec, qtype: QuestionType) -> str:
    example = shown_example(spec) or _DEFAULT_EXAMPLES.get(qtype)
    if not example or "ví dụ" in message:  # the message gives its own example
        return message
    end = "" if example.endswith((".", "!", "?")) else "."
    return f"{message.rstrip('.')}, ví dụ: {example}{end}"


def _clean_text(text: str, *, keep_lines: bool) -> str:
    """NFC-normalise, drop control and invisible formatting characters (except
    newline and tab), trim."""
    text = strip_invisible(text)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )
    if keep_lines:
        lines = [line.rstrip() for line in text.split("\n")]
        return "\n".join(lines).strip()
    return " ".join(text.split())


def _fmt_bound(value: float, qtype: QuestionType) -> str:
    if qtype == QuestionType.PERCENT:
        return vn.format_percent(value, decimals=STORED_DECIMALS)
    return vn.format_number(value)


def _range_message(low: float | None, high: float | None, qtype: QuestionType) -> str:
    if low is not None and high is not None:
        return (
            f"Giá trị phải trong khoảng từ {_fmt_bound(low, qtype)} đến {_fmt_bound(high, qtype)}."
        )
    if low is not None:
        return f"Giá trị phải từ {_fmt_bound(low, qtype)} trở lên."
    assert high is not None
    return f"Giá trị không được lớn hơn {_fmt_bound(high, qtype)}."


def _bounds(spec: Spec, qtype: QuestionType) -> tuple[float | None, float | None]:
    low = getattr(spec, "min", None)
    high = getattr(spec, "max", None)
    if qtype == QuestionType.PERCENT:
        low = 0.0 if low is None else low
        high = 100.0 if high is None else high
    return low, high


# --------------------------------------------------------------------------- text


def _parse_text(spec: Spec, text: str) -> str:
    long = bool(getattr(spec, "long", False))
    value = _clean_text(text, keep_lines=long)
    if not value:
        raise InvalidAnswer("Vui lòng nhập câu trả lời (không để trống).")
    max_length = getattr(spec, "max_length", None) or (LONG_TEXT_MAX if long else SHORT_TEXT_MAX)
    if len(value) > max_length:
        raise InvalidAnswer(
            f"Câu trả lời quá dài ({vn.format_number(len(value))} ký tự), "
            f"tối đa {vn.format_number(max_length)} ký tự."
        )
    min_length = getattr(spec, "min_length", None)
    if min_length and len(value) < min_length:
        raise InvalidAnswer(
            f"Câu trả lời quá ngắn ({vn.format_number(len(value))} ký tự), "
            f"cần ít nhất {vn.format_number(min_length)} ký tự."
        )
    pattern = getattr(spec, "pattern", None)
    if pattern and not full_match(pattern, value):
        message = getattr(spec, "pattern_message", None) or "Câu trả lời không đúng định dạng."
        raise InvalidAnswer(_with_example(message, spec, QuestionType.TEXT))
    return value


# --------------------------------------------------------------------------- numbers


def _number_message(spec: Spec, qtype: QuestionType) -> str:
    if qtype == QuestionType.INTEGER:
        return _with_example("Vui lòng nhập một số nguyên.", spec, qtype)
    if qtype == QuestionType.PERCENT:
        return _with_example("Vui lòng nhập tỷ lệ phần trăm.", spec, qtype)
    return _with_example("Vui lòng nhập một số.", spec, qtype)


def _split_unit(spec: Spec, text: str, qtype: QuestionType) -> str:
    """Return the number part of ``text``; a trailing word must be the question's unit."""
    if qtype == QuestionType.PERCENT:
        text = text.rstrip()
        text = text.removesuffix("%").rstrip()
    m = _NUMBER_AND_REST_RE.match(text)
    if m is None or not m.group(2):
        return text
    rest = vn.fold(m.group(2)).rstrip(".")
    unit = getattr(spec, "unit", None)
    if rest and unit and rest == vn.fold(unit):
        return m.group(1)
    if unit and any(ch.isalpha() for ch in rest):
        raise InvalidAnswer(
            _with_example(f"Vui lòng chỉ nhập số (đơn vị tính: {unit}).", spec, qtype)
        )
    raise InvalidAnswer(_number_message(spec, qtype))


def _parse_numeric(spec: Spec, text: str, qtype: QuestionType) -> int | float:
    cleaned = _clean_text(text, keep_lines=False)
    if not cleaned:
        raise InvalidAnswer(_number_message(spec, qtype))
    if len(cleaned) > 100:
        raise InvalidAnswer(_number_message(spec, qtype))
    number_text = _split_unit(spec, cleaned, qtype)
    try:
        number = vn.parse_number(number_text)
    except ValueError:
        raise InvalidAnswer(_number_message(spec, qtype)) from None
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise InvalidAnswer("Số quá lớn, vui lòng kiểm tra lại.")

    value: int | float
    if qtype == QuestionType.INTEGER:
        if number != number.to_integral_value():
            raise InvalidAnswer(
                _with_example("Vui lòng nhập số nguyên (không có phần thập phân).", spec, qtype)
            )
        value = int(number)
    else:
        value = float(round(number, STORED_DECIMALS))
        if value == 0:
            value = 0.0  # no "-0.0"

    low, high = _bounds(spec, qtype)
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidAnswer(_range_message(low, high, qtype))
    return value


# --------------------------------------------------------------------------- date, yes/no


def _parse_date(spec: Spec, text: str, today: dt.date | None) -> str:
    cleaned = _clean_text(text, keep_lines=False)
    try:
        return vn.parse_date(cleaned, today=today).isoformat()
    except vn.NonexistentDateError:
        raise InvalidAnswer(
            _with_example(
                f"Ngày “{cleaned}” không có thật, vui lòng kiểm tra lại.", spec, QuestionType.DATE
            )
        ) from None
    except ValueError:
        raise InvalidAnswer(
            _with_example("Vui lòng nhập ngày theo dạng ngày/tháng/năm.", spec, QuestionType.DATE)
        ) from None


def _parse_yes_no(text: str) -> bool:
    try:
        return vn.parse_yes_no(_clean_text(text, keep_lines=False))
    except ValueError:
        raise InvalidAnswer("Vui lòng trả lời Có hoặc Không.") from None


# --------------------------------------------------------------------------- choices


def _options_list(choices: Sequence[Choice]) -> str:
    return "\n".join(f"{i}. {choice.label}" for i, choice in enumerate(choices, start=1))


def _match_choice(
    choices: Sequence[Choice], token: str, *, prefix: bool = True
) -> tuple[Choice | None, bool]:
    """Find the choice a token names: its number, value, label, or a unique label prefix.

    Returns the choice (or ``None``) and whether the token was an ambiguous prefix.
    """
    folded = vn.fold(token).strip(" .")
    if not folded:
        return None, False
    if m := _CHOICE_NUMBER_RE.fullmatch(folded):
        index = int(m.group(1))
        return (choices[index - 1] if 1 <= index <= len(choices) else None), False
    for choice in choices:
        if folded in (vn.fold(choice.value), vn.fold(choice.label)):
            return choice, False
    if not prefix:
        return None, False
    prefixed = [c for c in choices if vn.fold(c.label).startswith(folded)]
    if len(prefixed) == 1:
        return prefixed[0], False
    return None, len(prefixed) > 1


def _shown(token: str) -> str:
    return token if len(token) <= 40 else token[:40] + "…"


def _parse_select_one(spec: Spec, text: str) -> str:
    choices = getattr(spec, "choices", None) or []
    cleaned = _clean_text(text, keep_lines=False)
    choice, ambiguous = _match_choice(choices, cleaned) if len(cleaned) <= 500 else (None, False)
    if choice is None:
        lead = f"“{_shown(cleaned)}” khớp với nhiều phương án. " if ambiguous else ""
        raise InvalidAnswer(
            f"{lead}Vui lòng chọn một trong các phương án sau (nhập số thứ tự hoặc tên):\n"
            + _options_list(choices)
        )
    return choice.value


def _select_multiple_message(choices: Sequence[Choice], extra: str = "") -> str:
    return (
        f"{extra}Vui lòng chọn một hoặc nhiều phương án, nhập số thứ tự cách nhau "
        "bằng dấu phẩy (ví dụ: 1, 3):\n" + _options_list(choices)
    )


def _split_tokens(text: str) -> list[str]:
    if _TOKEN_SPLIT_RE.search(text):
        return [t for t in (p.strip() for p in _TOKEN_SPLIT_RE.split(text)) if t]
    words = text.split()
    if words and all(_CHOICE_NUMBER_RE.fullmatch(w) for w in words):
        return words
    return [text]


def _parse_select_multiple(spec: Spec, text: str) -> list[str]:
    choices = getattr(spec, "choices", None) or []
    required = bool(getattr(spec, "required", False))
    cleaned = _clean_text(text, keep_lines=True)
    if not cleaned or len(cleaned) > 5_000:
        raise InvalidAnswer(_select_multiple_message(choices))
    whole, _ = _match_choice(choices, cleaned, prefix=False)
    if whole is not None:
        return [whole.value]
    folded = vn.fold(cleaned).strip(" .")
    if folded in _NONE_WORDS:
        if required:
            raise InvalidAnswer(
                _select_multiple_message(choices, "Câu hỏi này cần chọn ít nhất một phương án. ")
            )
        return []
    if folded in _ALL_WORDS:
        return [c.value for c in choices]
    whole, _ = _match_choice(choices, cleaned)
    if whole is not None:
        return [whole.value]

    chosen: set[str] = set()
    for token in _split_tokens(cleaned):
        choice, ambiguous = _match_choice(choices, token)
        if choice is None:
            problem = "khớp với nhiều phương án" if ambiguous else "không có trong danh sách"
            raise InvalidAnswer(_select_multiple_message(choices, f"“{_shown(token)}” {problem}. "))
        chosen.add(choice.value)
    return [c.value for c in choices if c.value in chosen]


# --------------------------------------------------------------------------- public API


def parse_answer(spec: Spec, text: str, *, today: dt.date | None = None) -> Any:
    """Parse and validate one typed answer; return the stored value or raise ``InvalidAnswer``.

    ``repeat``, ``table``, ``computed`` and ``note`` are not typed in one message:
    they raise ``TypeError`` (the engine asks for their fields and cells one by one).
    """
    qtype = QuestionType(spec.type)
    if qtype == QuestionType.TEXT:
        return _parse_text(spec, text)
    if qtype in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.PERCENT):
        return _parse_numeric(spec, text, qtype)
    if qtype == QuestionType.DATE:
        return _parse_date(spec, text, today)
    if qtype == QuestionType.YES_NO:
        return _parse_yes_no(text)
    if qtype == QuestionType.SELECT_ONE:
        return _parse_select_one(spec, text)
    if qtype == QuestionType.SELECT_MULTIPLE:
        return _parse_select_multiple(spec, text)
    raise TypeError(f"a {qtype.value} answer is not typed as one message")


def _label_of(choices: Sequence[Choice], value: Any) -> str:
    for choice in choices:
        if choice.value == value:
            return choice.label
    return str(value)


def _table_summary(spec: Spec, value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    rows = getattr(spec, "rows", None) or []
    filled = sum(
        1
        for cells in value.values()
        if isinstance(cells, dict) and any(v not in (None, "") for v in cells.values())
    )
    total = len(rows) or len(value)
    return f"{filled}/{total} dòng đã nhập"


def display_value(spec: Spec, value: Any) -> str:
    """A stored value as the user should read it: ``"25.430"``, ``"93,75%"``, ``"Có"``…

    Missing values give ``""``; a value of an unexpected shape (old data) is shown
    with ``str`` rather than raising.
    """
    if value is None:
        return ""
    qtype = QuestionType(spec.type)
    choices = getattr(spec, "choices", None) or []
    try:
        if qtype == QuestionType.TEXT:
            return str(value)
        if qtype in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.COMPUTED):
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                return str(value)
            if qtype == QuestionType.COMPUTED and getattr(spec, "unit", None) == "%":
                return vn.format_percent(value)
            return vn.format_number(value, 2 if isinstance(value, float) and
                                    qtype == QuestionType.COMPUTED else None)
        if qtype == QuestionType.PERCENT:
            return vn.format_percent(value)
        if qtype == QuestionType.DATE:
            return vn.format_date(value)
        if qtype == QuestionType.YES_NO:
            return vn.format_yes_no(bool(value))
        if qtype == QuestionType.SELECT_ONE:
            return _label_of(choices, value)
        if qtype == QuestionType.SELECT_MULTIPLE:
            return ", ".join(_label_of(choices, v) for v in value)
        if qtype == QuestionType.REPEAT:
            return f"{len(value)} mục"
        if qtype == QuestionType.TABLE:
            return _table_summary(spec, value)
    except (TypeError, ValueError):
        return str(value)
    return ""
