"""Vietnamese formatting and parsing of answers: numbers, percentages, dates, yes/no.

Numbers are formatted and finally parsed with Babel (``babel.numbers``, locale
``vi_VN``: "." groups thousands, "," is the decimal mark); this module only decides
which separator a user meant before handing a canonical string to Babel.

Dates follow Decree 30/2020: days below 10 and only the months 1 and 2 get a
leading zero ("ngày 05 tháng 02 năm 2026", "08/4/2020", "18/01/2021").

All functions are pure; nothing here knows about questions or channels.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberFormatError, NumberPattern, parse_decimal, parse_pattern

__all__ = [
    "LOCALE",
    "NonexistentDateError",
    "fold",
    "format_date",
    "format_date_long",
    "format_doc_number",
    "format_number",
    "format_percent",
    "format_place_date",
    "format_yes_no",
    "parse_date",
    "parse_number",
    "parse_yes_no",
]

LOCALE = "vi_VN"

#: Blank number and date of a draft, as in seeds 002 and 003.
DRAFT_NUMBER_GAP = " " * 6
DRAFT_DATE = "ngày … tháng … năm …"

# Floats are shown with at most this many decimals when no precision is asked for
# (stored decimals are rounded to 4; this hides binary noise like 0.30000000000000004).
_FLOAT_MAX_DECIMALS = 6
# Longest text parse_number looks at; longer input is not a number a person typed.
_MAX_NUMBER_CHARS = 64


class NonexistentDateError(ValueError):
    """The text has the shape of a date, but no such day exists (31/2/2021)."""


# --------------------------------------------------------------------------- helpers


def _to_decimal(x: int | float | Decimal) -> Decimal:
    if isinstance(x, Decimal):
        d = x
    elif isinstance(x, int):
        d = Decimal(x)
    else:
        # repr gives the shortest string that round-trips: 93.75 -> "93.75".
        d = Decimal(repr(float(x)))
    if not d.is_finite():
        raise ValueError(f"cannot format a non-finite number: {x!r}")
    return d


def _round(d: Decimal, decimals: int) -> Decimal:
    """Round half away from zero, as people (and Excel) do: 98,875 -> 98,88."""
    return d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _strip_zeros(d: Decimal) -> Decimal:
    if d == d.to_integral_value():
        return d.quantize(Decimal(1))
    return d.normalize()


@lru_cache(maxsize=64)
def _pattern(min_decimals: int, max_decimals: int) -> NumberPattern:
    pattern = "#,##0"
    if max_decimals > 0:
        pattern += "." + "0" * min_decimals + "#" * (max_decimals - min_decimals)
    return parse_pattern(pattern)


_LOCALE = Locale.parse(LOCALE)


def _babel(d: Decimal, min_decimals: int, max_decimals: int) -> str:
    """What ``format_decimal(d, pattern, LOCALE, decimal_quantization=False)`` gives,
    with the pattern and the locale parsed once instead of on every call (reports
    format thousands of figures)."""
    if d.is_zero():
        d = abs(d)  # never print "-0"
    return _babel_text(str(d), min_decimals, max_decimals)


@lru_cache(maxsize=65536)
def _babel_text(d: str, min_decimals: int, max_decimals: int) -> str:
    """Babel's text for a decimal given by its exact ``str`` (so "1.0" and "1.00",
    equal as decimals, stay apart): a roll-up formats the same small figures tens of
    thousands of times."""
    return _pattern(min_decimals, max_decimals).apply(Decimal(d), _LOCALE,
                                                      decimal_quantization=False)


def _day(d: dt.date) -> str:
    return f"{d.day:02d}"


def _month(d: dt.date) -> str:
    return f"{d.month:02d}" if d.month <= 2 else str(d.month)


def _as_date(d: dt.date | str) -> dt.date:
    if isinstance(d, dt.datetime):
        return d.date()
    if isinstance(d, dt.date):
        return d
    return dt.date.fromisoformat(d.strip())


# --------------------------------------------------------------------------- formatting


def format_number(x: int | float | Decimal | None, decimals: int | None = None) -> str:
    """Vietnamese-style number: ``25430 -> "25.430"``, ``93.75 -> "93,75"``, ``4.0 -> "4"``.

    ``decimals`` fixes the number of decimals (``decimals=2``: ``"1.234,50"``);
    without it trailing zeros are dropped. ``None`` gives ``""``. NaN and infinities
    raise ``ValueError``.
    """
    if x is None:
        return ""
    d = _to_decimal(x)
    if decimals is not None:
        d = _round(d, decimals)
        return _babel(d, decimals, decimals)
    if isinstance(x, float):
        d = _round(d, _FLOAT_MAX_DECIMALS)
    d = _strip_zeros(d)
    exponent = d.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return _babel(d, 0, places)


#: How shares lose their digits beyond the decimals printed: cut (the seeds' way,
#: the default) or rounded half up, for a template with ``percent: round``.
_PERCENT_ROUNDING: ContextVar[str] = ContextVar("percent_rounding", default=ROUND_DOWN)


@contextmanager
def percent_rounding(mode: str) -> Iterator[None]:
    """Within the block, :func:`format_percent` cuts (``"cut"``) or rounds
    (``"round"``) the digits it drops."""
    token = _PERCENT_ROUNDING.set(ROUND_HALF_UP if mode == "round" else ROUND_DOWN)
    try:
        yield
    finally:
        _PERCENT_ROUNDING.reset(token)


def percent_rounding_mode() -> str:
    """The rounding (a ``decimal`` constant) :func:`format_percent` uses now."""
    return _PERCENT_ROUNDING.get()


def format_percent(x: float | Decimal | None, decimals: int = 2) -> str:
    """A percentage given on the 0-100 scale: ``93.75 -> "93,75%"``, ``50.0 -> "50%"``.

    Cut (not rounded) to at most ``decimals`` places, trailing zeros dropped, as
    the reports do: 14.659/14.824 = 98,887…% is written ``"98,88%"`` and 23/116 =
    19,827…% ``"19,82%"``, so a share never reads higher than it is (99,999…% is
    not "100%"). Float noise is rounded away first (0,29 × 100 stays 29). Inside
    ``with percent_rounding("round")`` the dropped digits are rounded instead.
    ``None`` gives ``""``.
    """
    if x is None:
        return ""
    d = _round(_to_decimal(x), 9)
    d = _strip_zeros(d.quantize(Decimal(1).scaleb(-decimals),
                                rounding=_PERCENT_ROUNDING.get()))
    exponent = d.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return _babel(d, 0, places) + "%"


def format_date(d: dt.date | str | None) -> str:
    """A date in running text: ``"08/4/2020"``, ``"18/01/2021"``; ISO strings accepted."""
    if d is None or d == "":
        return ""
    day = _as_date(d)
    return f"{_day(day)}/{_month(day)}/{day.year}"


def format_date_long(d: dt.date | str) -> str:
    """``"ngày 08 tháng 4 năm 2020"`` (same zero-padding as the document date)."""
    day = _as_date(d)
    return f"ngày {_day(day)} tháng {_month(day)} năm {day.year}"


def format_place_date(place: str, d: dt.date | str | None) -> str:
    """The header's place and date: ``"Đồng Nai, ngày 05 tháng 02 năm 2026"``.

    A draft (``d is None``) leaves the date blank: ``"Đồng Nai, ngày … tháng … năm …"``.
    """
    if d is None:
        return f"{place}, {DRAFT_DATE}"
    return f"{place}, {format_date_long(d)}"


def format_doc_number(
    number: int | None,
    type_code: str | None,
    agency_abbr: str,
    drafting_unit: str | None = None,
) -> str:
    """The "Số:" line of the header.

    A Báo cáo (``type_code="BC"``): ``"Số: 05/BC-SCT"``; a Công văn (``type_code``
    ``None``): ``"Số: 451/SCT-VP"``. Numbers below 10 get a leading zero; a draft
    (``number is None``) leaves six spaces for the number: ``"Số:      /BC-SCT"``.
    """
    if type_code:
        symbol = f"{type_code}-{agency_abbr}"
    elif drafting_unit:
        symbol = f"{agency_abbr}-{drafting_unit}"
    else:
        symbol = agency_abbr
    if number is None:
        return f"Số:{DRAFT_NUMBER_GAP}/{symbol}"
    if number < 1:
        raise ValueError(f"a document number must be positive, got {number}")
    return f"Số: {number:02d}/{symbol}"


def format_yes_no(v: bool | None) -> str:
    if v is None:
        return ""
    return "Có" if v else "Không"


# --------------------------------------------------------------------------- folding


def fold(text: str) -> str:
    """Lowercase, strip Vietnamese diacritics (đ -> d) and collapse whitespace.

    ``fold("  Không   Có ") == "khong co"``; used to match commands and choices.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFC", bare).casefold().split())


# --------------------------------------------------------------------------- parsing

_SIGN_RE = re.compile(r"^([+\-\u2212]?)\s*(.*)$", re.DOTALL)
_SPACES_RE = re.compile(r"[ \u00a0\u202f\u2009]")
_DIGITS = re.compile(r"[0-9]+")
_ONE_GROUP_RE = re.compile(r"[1-9][0-9]{0,2}\.[0-9]{3}")  # "25.430": thousands, not decimals
_GROUPED = {
    ".": re.compile(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+"),
    " ": re.compile(r"[1-9][0-9]{0,2}(?: [0-9]{3})+"),
}


def _integer_part(text: str) -> str:
    """Digits of an integer part written plainly or grouped by "." or spaces."""
    if text == "":
        return "0"  # ",5"
    if _DIGITS.fullmatch(text):
        return text
    for sep, pattern in _GROUPED.items():
        if pattern.fullmatch(text):
            return text.replace(sep, "")
    raise ValueError(f"not a number: {text!r}")


def parse_number(text: str) -> Decimal:
    """Parse a number as a Vietnamese user types it; ``ValueError`` if it is not one.

    The comma is always the decimal mark (``"1,234" -> 1.234``). A dot groups
    thousands when it is followed by exactly three digits (``"25.430" -> 25430``,
    ``"1.234.567"``, ``"1.234,5"``); otherwise a single dot is a decimal point
    (``"1.5"``, ``"93.75"``). Spaces may group thousands (``"25 430"``). A leading
    ``+``/``-`` is allowed. Units and "%" must be removed by the caller.
    """
    s = text.strip()
    if not s or len(s) > _MAX_NUMBER_CHARS:
        raise ValueError(f"not a number: {text[:80]!r}")
    m = _SIGN_RE.match(s)
    assert m is not None  # the pattern matches every string
    sign, body = ("-" if m.group(1) in ("-", "\u2212") else ""), m.group(2)
    body = _SPACES_RE.sub(" ", body)

    if "," in body:
        int_text, sep, frac = body.partition(",")
    elif body.count(".") == 1 and not _ONE_GROUP_RE.fullmatch(body):
        int_text, sep, frac = body.partition(".")  # a decimal point: "1.5", "0.125"
    else:
        int_text, sep, frac = body, "", ""
    if sep and not _DIGITS.fullmatch(frac):
        raise ValueError(f"not a number: {text!r}")  # "25,", "1,2.3", "1,2 3"
    if int_text == "" and not frac:
        raise ValueError(f"not a number: {text!r}")
    digits = _integer_part(int_text)

    canonical = f"{sign}{digits},{frac}" if frac else f"{sign}{digits}"
    try:
        value = parse_decimal(canonical, locale=LOCALE, strict=True)
    except (NumberFormatError, InvalidOperation) as exc:  # pragma: no cover - guarded above
        raise ValueError(f"not a number: {text!r}") from exc
    if not value.is_finite():  # pragma: no cover - digits only
        raise ValueError(f"not a number: {text!r}")
    return value


_DMY_RE = re.compile(r"([0-9]{1,2})\s*([/.\-])\s*([0-9]{1,2})\s*\2\s*([0-9]{2}|[0-9]{4})")
_DM_RE = re.compile(r"([0-9]{1,2})\s*([/.\-])\s*([0-9]{1,2})")
_ISO_RE = re.compile(r"([0-9]{4})\s*([/.\-])\s*([0-9]{1,2})\s*\2\s*([0-9]{1,2})")
_LONG_RE = re.compile(
    r"(?:ngay\s*)?([0-9]{1,2})\s*(?:thang|/)\s*([0-9]{1,2})\s*,?\s*(?:nam|/)\s*([0-9]{2}|[0-9]{4})"
)
_TODAY_WORDS = frozenset({"hom nay", "today"})
_MIN_YEAR, _MAX_YEAR = 1900, 2100


def _make_date(year: int, month: int, day: int, text: str) -> dt.date:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise NonexistentDateError(f"year out of range: {text!r}")
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise NonexistentDateError(f"no such date: {text!r}") from exc


def _full_year(text: str) -> int:
    year = int(text)
    return 2000 + year if len(text) == 2 else year


def parse_date(text: str, today: dt.date | None = None) -> dt.date:
    """Parse a date typed day-first, or in ISO form, or spelled out.

    Accepts ``"08/4/2020"``, ``"8-4-2020"``, ``"08.04.2020"``, ``"8/4/20"``
    (two-digit years are 20xx), ``"2020-04-08"``, ``"ngày 08 tháng 4 năm 2020"``;
    with ``today`` also ``"hôm nay"`` and ``"8/4"`` (this year). Raises
    ``NonexistentDateError`` (a ``ValueError``) for 31/2/2021 or years outside
    1900-2100, ``ValueError`` for anything else.
    """
    if len(text) > 100:
        raise ValueError("not a date: text too long")
    s = fold(text).rstrip(".")
    if today is not None and s in _TODAY_WORDS:
        return today
    if m := _ISO_RE.fullmatch(s):
        return _make_date(int(m.group(1)), int(m.group(3)), int(m.group(4)), text)
    if m := _DMY_RE.fullmatch(s):
        return _make_date(_full_year(m.group(4)), int(m.group(3)), int(m.group(1)), text)
    if m := _LONG_RE.fullmatch(s):
        return _make_date(_full_year(m.group(3)), int(m.group(2)), int(m.group(1)), text)
    if today is not None and (m := _DM_RE.fullmatch(s)):
        return _make_date(today.year, int(m.group(3)), int(m.group(1)), text)
    raise ValueError(f"not a date: {text!r}")


_YES = frozenset({"co", "c", "yes", "y", "dung", "roi", "1", "x", "true", "co roi", "da co"})
_NO = frozenset({"khong", "k", "ko", "kg", "no", "n", "chua", "0", "false", "khong co", "chua co"})
_TRAILING_PUNCT = ".!?,;:"


def parse_yes_no(text: str) -> bool:
    """``"có"``/``"co"``/``"yes"``/``"đúng"``/``"rồi"``/``"1"``/``"x"`` -> True;
    ``"không"``/``"ko"``/``"no"``/``"chưa"``/``"0"`` -> False; ``ValueError`` otherwise.
    """
    if len(text) > 100:
        raise ValueError("not a yes/no answer: text too long")
    s = fold(text).strip(_TRAILING_PUNCT).strip()
    if s in _YES:
        return True
    if s in _NO:
        return False
    raise ValueError(f"not a yes/no answer: {text!r}")
