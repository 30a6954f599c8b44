"""Vietnamese formatting and parsing: what the officer types and what the document shows."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs import vn

# --------------------------------------------------------------------------- format_number


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (25430, None, "25.430"),
        (14824, None, "14.824"),
        (1234567, None, "1.234.567"),
        (0, None, "0"),
        (-1234, None, "-1.234"),
        (93.75, None, "93,75"),
        (4.0, None, "4"),
        (0.1 + 0.2, None, "0,3"),
        (-0.0, None, "0"),
        (Decimal("1234.50"), None, "1.234,5"),
        (Decimal("1E+3"), None, "1.000"),
        (1234.5, 2, "1.234,50"),
        (7, 2, "7,00"),
        (2.675, 2, "2,68"),  # half-up, not the float's 2,67
        (1234.5, 0, "1.235"),
        (None, None, ""),
    ],
)
def test_format_number(value: object, decimals: int | None, expected: str) -> None:
    assert vn.format_number(value, decimals) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), Decimal("NaN")])
def test_format_number_refuses_non_finite(bad: float | Decimal) -> None:
    with pytest.raises(ValueError):
        vn.format_number(bad)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (93.75, "93,75%"),
        (100, "100%"),
        (98.876, "98,87%"),  # cut, not rounded: a share never reads higher than it is
        (14659 / 14824 * 100, "98,88%"),  # seed 003
        (23 / 116 * 100, "19,82%"),  # seed 003
        (99.9999, "99,99%"),
        (0.29 * 100, "29%"),  # float noise does not cut 29 to 28,99
        (19.82, "19,82%"),
        (19.8, "19,8%"),
        (50.0, "50%"),
        (0, "0%"),
        (99.999, "99,99%"),
        (None, ""),
    ],
)
def test_format_percent(value: float | None, expected: str) -> None:
    assert vn.format_percent(value) == expected


def test_format_percent_with_other_precision() -> None:
    assert vn.format_percent(93.756, decimals=1) == "93,7%"
    assert vn.format_percent(93.756, decimals=0) == "93%"


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2020, 4, 8), "08/4/2020"),
        (dt.date(2021, 1, 18), "18/01/2021"),
        (dt.date(2021, 2, 9), "09/02/2021"),
        (dt.date(2021, 12, 31), "31/12/2021"),
        ("2020-04-08", "08/4/2020"),
        (dt.datetime(2020, 4, 8, 13, 30), "08/4/2020"),
        (None, ""),
    ],
)
def test_format_date(value: dt.date | str | None, expected: str) -> None:
    assert vn.format_date(value) == expected


def test_format_date_long() -> None:
    assert vn.format_date_long(dt.date(2020, 4, 8)) == "ngày 08 tháng 4 năm 2020"
    assert vn.format_date_long(dt.date(2026, 2, 5)) == "ngày 05 tháng 02 năm 2026"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 2, 5), "Đồng Nai, ngày 05 tháng 02 năm 2026"),
        (dt.date(2026, 1, 15), "Đồng Nai, ngày 15 tháng 01 năm 2026"),
        (dt.date(2020, 4, 8), "Đồng Nai, ngày 08 tháng 4 năm 2020"),
        (dt.date(2021, 12, 20), "Đồng Nai, ngày 20 tháng 12 năm 2021"),
        (dt.date(2021, 10, 1), "Đồng Nai, ngày 01 tháng 10 năm 2021"),
        (None, "Đồng Nai, ngày … tháng … năm …"),
    ],
)
def test_format_place_date(day: dt.date | None, expected: str) -> None:
    assert vn.format_place_date("Đồng Nai", day) == expected


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_place_date_pads_days_below_10_and_only_months_1_and_2(day: dt.date) -> None:
    text = vn.format_place_date("Quảng Trị", day)
    m = re.fullmatch(r"Quảng Trị, ngày (\d+) tháng (\d+) năm (\d{4})", text)
    assert m is not None
    assert m.group(1) == f"{day.day:02d}"
    assert m.group(2) == (f"0{day.month}" if day.month <= 2 else str(day.month))
    assert int(m.group(3)) == day.year


# --------------------------------------------------------------------------- numbers/yes-no


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((5, "BC", "SCT"), "Số: 05/BC-SCT"),
        ((12, "BC", "SCT"), "Số: 12/BC-SCT"),
        ((None, "BC", "SCT"), "Số:      /BC-SCT"),
        ((451, None, "SCT", "VP"), "Số: 451/SCT-VP"),
        ((7, None, "SCT", "VP"), "Số: 07/SCT-VP"),
        ((None, None, "SCT", "VP"), "Số:      /SCT-VP"),
        ((3, "KH", "UBND"), "Số: 03/KH-UBND"),
    ],
)
def test_format_doc_number(args: tuple, expected: str) -> None:
    assert vn.format_doc_number(*args) == expected


def test_format_doc_number_refuses_zero() -> None:
    with pytest.raises(ValueError):
        vn.format_doc_number(0, "BC", "SCT")


def test_format_yes_no() -> None:
    assert [vn.format_yes_no(v) for v in (True, False, None)] == ["Có", "Không", ""]


# --------------------------------------------------------------------------- parse_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25.430", "25430"),
        ("25430", "25430"),
        ("25 430", "25430"),
        ("25\u00a0430", "25430"),
        ("93,75", "93.75"),
        ("93.75", "93.75"),
        ("1.5", "1.5"),
        ("0.125", "0.125"),  # a leading 0 cannot start a thousands group
        ("1234.567", "1234.567"),
        ("1.234.567", "1234567"),
        ("1.234,5", "1234.5"),
        ("1 234,5", "1234.5"),
        ("1,234", "1.234"),  # the comma is always the decimal mark
        (",5", "0.5"),
        ("-5", "-5"),
        ("+7", "7"),
        ("- 3,5", "-3.5"),
        ("\u22123,5", "-3.5"),
        ("  42  ", "42"),
        ("007", "7"),
    ],
)
def test_parse_number_accepts(text: str, expected: str) -> None:
    assert vn.parse_number(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "-",
        "abc",
        "25,",
        "25.",
        "1.2.3",
        "12.34.567",
        "1,2,3",
        "1,234.5",  # English style: refused rather than guessed
        "1e5",
        "1_000",
        "0x10",
        "٣",  # Arabic-Indic digit
        "１２",  # full-width digits
        "12 34",
        "5%",
        "64 máy",
        "nan",
        "Infinity",
        "1" * 65,
    ],
)
def test_parse_number_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        vn.parse_number(text)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_integers_round_trip(n: int) -> None:
    assert vn.parse_number(vn.format_number(n)) == n


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_two_decimal_floats_round_trip(cents: int) -> None:
    x = cents / 100
    assert float(vn.parse_number(vn.format_number(x))) == x


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False))
def test_fixed_two_decimals_round_trip(d: Decimal) -> None:
    text = vn.format_number(d, decimals=2)
    assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*,\d{2}", text)
    assert vn.parse_number(text) == d


@settings(deadline=None)
@given(st.text(max_size=200))
def test_parse_number_raises_only_value_error(text: str) -> None:
    try:
        result = vn.parse_number(text)
    except ValueError:
        return
    assert result.is_finite()


# --------------------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    "text",
    [
        "08/4/2020",
        "8/4/2020",
        "8-4-2020",
        "08.04.2020",
        "08 / 04 / 2020",
        "8/4/20",
        "2020-04-08",
        "2020/4/8",
        "ngày 08 tháng 4 năm 2020",
        "Ngày 8 tháng 04 năm 2020",
        "ngay 8 thang 4 nam 2020",
        "08 tháng 4 năm 2020",
        "08/4/2020.",
    ],
)
def test_parse_date_accepts(text: str) -> None:
    assert vn.parse_date(text) == dt.date(2020, 4, 8)


@pytest.mark.parametrize(
    "text", ["31/2/2021", "29/2/2021", "32/1/2021", "1/13/2021", "0/1/2021", "1/1/1800"]
)
def test_parse_date_refuses_days_that_do_not_exist(text: str) -> None:
    with pytest.raises(vn.NonexistentDateError):
        vn.parse_date(text)


@pytest.mark.parametrize(
    "text", ["", "hôm qua", "8/4", "08-04/2020", "2020", "8/4/202", "tháng 4 năm 2020", "x" * 500]
)
def test_parse_date_refuses_other_text(text: str) -> None:
    with pytest.raises(ValueError):
        vn.parse_date(text)


def test_parse_date_leap_day_and_today() -> None:
    today = dt.date(2026, 3, 1)
    assert vn.parse_date("29/02/2024") == dt.date(2024, 2, 29)
    assert vn.parse_date("hôm nay", today=today) == today
    assert vn.parse_date("8/4", today=today) == dt.date(2026, 4, 8)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_dates_round_trip(day: dt.date) -> None:
    assert vn.parse_date(vn.format_date(day)) == day
    assert vn.parse_date(vn.format_date_long(day)) == day


# --------------------------------------------------------------------------- yes/no, fold


@pytest.mark.parametrize(
    "text", ["có", "Có", "CÓ", "co", "c", "yes", "Y", "đúng", "rồi", "1", "x", " có. ", "Có!"]
)
def test_parse_yes(text: str) -> None:
    assert vn.parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text", ["không", "KHÔNG", "khong", "k", "ko", "no", "N", "chưa", "0", "không có"]
)
def test_parse_no(text: str) -> None:
    assert vn.parse_yes_no(text) is False


@pytest.mark.parametrize("text", ["", "có lẽ", "maybe", "2", "khong biet", "🙂"])
def test_parse_yes_no_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        vn.parse_yes_no(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đồng Nai", "dong nai"),
        ("  Không   Có ", "khong co"),
        ("Cấp độ 3", "cap do 3"),
        ("QUẢNG TRỊ", "quang tri"),
        ("Nghị định\t30", "nghi dinh 30"),
        ("Ủy ban", "uy ban"),
        ("U\u0308y", "uy"),  # decomposed input folds like composed input
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert vn.fold(text) == expected


@given(st.text(max_size=100))
def test_fold_is_idempotent(text: str) -> None:
    assert vn.fold(vn.fold(text)) == vn.fold(text)
