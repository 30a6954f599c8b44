"""Decree 09/2019 reporting periods: labels and cut-off dates from the typed text."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from dialogs.periods import Period, PeriodError, parse_period

D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("năm 2026", Period("annual", "năm 2026", D(2025, 12, 15), D(2026, 12, 14))),
        ("2026", Period("annual", "năm 2026", D(2025, 12, 15), D(2026, 12, 14))),
        ("Năm  2027", Period("annual", "năm 2027", D(2026, 12, 15), D(2027, 12, 14))),
        ("6 tháng đầu năm 2026",
         Period("half_year", "6 tháng đầu năm 2026", D(2025, 12, 15), D(2026, 6, 14))),
        ("6 thang dau nam 2026",
         Period("half_year", "6 tháng đầu năm 2026", D(2025, 12, 15), D(2026, 6, 14))),
        ("9 tháng đầu năm 2026",
         Period("nine_months", "9 tháng đầu năm 2026", D(2025, 12, 15), D(2026, 9, 14))),
        ("quý I năm 2026",
         Period("quarter", "quý I năm 2026", D(2025, 12, 15), D(2026, 3, 14))),
        ("quý II năm 2026",
         Period("quarter", "quý II năm 2026", D(2026, 3, 15), D(2026, 6, 14))),
        ("quý III năm 2026",
         Period("quarter", "quý III năm 2026", D(2026, 6, 15), D(2026, 9, 14))),
        ("Quý 4 năm 2026",
         Period("quarter", "quý IV năm 2026", D(2026, 9, 15), D(2026, 12, 14))),
        ("Q3/2026", Period("quarter", "quý III năm 2026", D(2026, 6, 15), D(2026, 9, 14))),
        ("quy iii nam 2026",
         Period("quarter", "quý III năm 2026", D(2026, 6, 15), D(2026, 9, 14))),
    ],
)
def test_period_text_gives_the_canonical_label_and_decree_09_dates(text, expected):
    assert parse_period(text) == expected


def test_the_four_quarters_tile_the_year_without_gaps():
    quarters = [parse_period(f"quý {n} năm 2026") for n in (1, 2, 3, 4)]
    year = parse_period("năm 2026")
    assert quarters[0].start == year.start and quarters[-1].end == year.end
    for before, after in itertools.pairwise(quarters):
        assert after.start == before.end + dt.timedelta(days=1)


@pytest.mark.parametrize("text", ["quý V năm 2026", "tháng 3", "năm hai nghìn", "", "năm 1850"])
def test_unknown_text_is_refused_with_a_vietnamese_example(text):
    with pytest.raises(PeriodError) as info:
        parse_period(text)
    assert "Ví dụ" in str(info.value) or "không hợp lệ" in str(info.value)
