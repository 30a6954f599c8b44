"""Reporting periods of Decree 09/2019/NĐ-CP and their Vietnamese labels.

Report data is cut on the 14th: a year runs from 15 December of the previous
year to 14 December; the first 6 months end on 14 June, the first 9 months on
14 September; a quarter runs from the 15th of the month before it to the 14th
of its last month (quý I: 15/12 → 14/3).

``parse_period("quý III năm 2026")`` gives
``Period("quarter", "quý III năm 2026", date(2026, 6, 15), date(2026, 9, 14))``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from dialogs.vn import fold

PeriodKind = Literal["annual", "half_year", "nine_months", "quarter"]

_QUARTER_NAMES = {1: "I", 2: "II", 3: "III", 4: "IV"}
_QUARTER_NUMBERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_YEAR = r"(?:nam\s*)?(?P<year>\d{4})"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("quarter", re.compile(rf"^(?:quy|q)\s*(?P<q>iv|iii|ii|i|[1-4])\s*(?:[/\-]\s*)?{_YEAR}$")),
    ("half_year", re.compile(r"^(?:6|sau)\s*thang(?:\s*dau)?(?:\s*nam)?\s*(?P<year>\d{4})$")),
    ("nine_months", re.compile(r"^(?:9|chin)\s*thang(?:\s*dau)?(?:\s*nam)?\s*(?P<year>\d{4})$")),
    ("annual", re.compile(rf"^(?:ca\s*)?{_YEAR}$")),
)


class PeriodError(ValueError):
    """The text names no Decree-09 period; the message is Vietnamese."""


@dataclass(frozen=True, slots=True)
class Period:
    kind: PeriodKind
    label: str  # "năm 2026", "6 tháng đầu năm 2026", "9 tháng đầu năm 2026", "quý III năm 2026"
    start: dt.date
    end: dt.date


def annual(year: int) -> Period:
    return Period("annual", f"năm {year}", dt.date(year - 1, 12, 15), dt.date(year, 12, 14))


def half_year(year: int) -> Period:
    return Period(
        "half_year", f"6 tháng đầu năm {year}", dt.date(year - 1, 12, 15), dt.date(year, 6, 14)
    )


def nine_months(year: int) -> Period:
    return Period(
        "nine_months", f"9 tháng đầu năm {year}", dt.date(year - 1, 12, 15), dt.date(year, 9, 14)
    )


def quarter(number: int, year: int) -> Period:
    if number not in _QUARTER_NAMES:
        raise PeriodError(f"Quý phải từ I đến IV, không phải {number}.")
    last_month = number * 3
    start = dt.date(year - 1, 12, 15) if number == 1 else dt.date(year, last_month - 3, 15)
    return Period(
        "quarter", f"quý {_QUARTER_NAMES[number]} năm {year}", start, dt.date(year, last_month, 14)
    )


def parse_period(text: str) -> Period:
    """The period named by ``text`` (diacritics and case optional).

    Accepted: "năm 2026", "2026", "6 tháng đầu năm 2026", "9 tháng đầu năm 2026",
    "quý III năm 2026", "quý 3 năm 2026", "Q3/2026". Raises :class:`PeriodError`.
    """
    folded = fold(text).replace(".", " ").strip()
    folded = " ".join(folded.split())
    for kind, pattern in _PATTERNS:
        match = pattern.match(folded)
        if match is None:
            continue
        year = int(match.group("year"))
        if not 2000 <= year <= 2100:
            raise PeriodError(f"Năm {year} không hợp lệ.")
        if kind == "quarter":
            return quarter(_QUARTER_NUMBERS[match.group("q")], year)
        if kind == "half_year":
            return half_year(year)
        if kind == "nine_months":
            return nine_months(year)
        return annual(year)
    raise PeriodError(
        f"Không hiểu kỳ báo cáo {text!r}. Ví dụ: \"năm 2026\", \"6 tháng đầu năm 2026\", "
        "\"9 tháng đầu năm 2026\", \"quý III năm 2026\"."
    )


__all__ = [
    "Period",
    "PeriodError",
    "PeriodKind",
    "annual",
    "half_year",
    "nine_months",
    "parse_period",
    "quarter",
]
