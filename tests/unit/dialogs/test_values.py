"""Validating one typed answer: accepted values, stored shapes and the Vietnamese replies."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.schema import Choice, Column, Question, QuestionType, Row
from dialogs.values import InvalidAnswer, display_value, parse_answer

LEVELS = [
    Choice(value="l1", label="Cấp độ 1"),
    Choice(value="l2", label="Cấp độ 2"),
    Choice(value="l3", label="Cấp độ 3"),
    Choice(value="unknown", label="Chưa xác định"),
]
SOFTWARE = [
    Choice(value="qlvb", label="Quản lý văn bản"),
    Choice(value="email", label="Thư điện tử"),
    Choice(value="meeting", label="Họp trực tuyến"),
    Choice(value="other", label="Khác"),
]


def q(qtype: str, **kwargs: Any) -> Question:
    return Question(id="q", type=QuestionType(qtype), prompt="Câu hỏi?", **kwargs)


def ok(spec: Question | Column, text: str, **kwargs: Any) -> Any:
    return parse_answer(spec, text, **kwargs)


def refused(spec: Question | Column, text: str) -> str:
    with pytest.raises(InvalidAnswer) as info:
        parse_answer(spec, text)
    message = info.value.message
    assert message == str(info.value)
    return message


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("spec", "text", "expected"),
    [
        (q("text"), "  Sở Công Thương  ", "Sở Công Thương"),
        (q("text"), "Sở\x00 Công\x07 Thương", "Sở Công Thương"),
        (q("text"), "Sở   Công\nThương", "Sở Công Thương"),  # short text is one line
        (q("text"), "Nguye\u0302\u0303n", "Nguyễn"),  # decomposed input stored composed
        (q("text"), "Tốt 👍", "Tốt 👍"),
        (q("text", long=True), "Dòng 1  \r\n- Dòng 2\r+ ý\t3\n", "Dòng 1\n- Dòng 2\n+ ý\t3"),
        (q("text", max_length=5), "abcde", "abcde"),
        (q("text", pattern=r"\d+/[A-Z]+-[A-Z]+"), "451/SCT-VP", "451/SCT-VP"),
    ],
)
def test_text_accepted(spec: Question, text: str, expected: str) -> None:
    assert ok(spec, text) == expected


def test_text_refusals_are_specific() -> None:
    assert refused(q("text"), " \n\x00 ") == "Vui lòng nhập câu trả lời (không để trống)."
    assert (
        refused(q("text", max_length=5), "abcdefgh")
        == "Câu trả lời quá dài (8 ký tự), tối đa 5 ký tự."
    )
    assert refused(q("text"), "a" * 1_001) == (
        "Câu trả lời quá dài (1.001 ký tự), tối đa 1.000 ký tự."
    )
    assert ok(q("text", long=True), "a" * 20_000) == "a" * 20_000
    assert "tối đa 20.000 ký tự" in refused(q("text", long=True), "a" * 20_001)
    assert refused(q("text", min_length=10), "ngắn") == (
        "Câu trả lời quá ngắn (4 ký tự), cần ít nhất 10 ký tự."
    )
    numbered = q(
        "text",
        pattern=r"\d+/[A-Z]+-[A-Z]+",
        pattern_message="Vui lòng nhập số hiệu văn bản.",
        example="451/SCT-VP",
    )
    assert refused(numbered, "công văn 451") == (
        "Vui lòng nhập số hiệu văn bản, ví dụ: 451/SCT-VP."
    )
    assert refused(q("text", pattern=r"\d+"), "abc") == "Câu trả lời không đúng định dạng."


# --------------------------------------------------------------------------- integer


@pytest.mark.parametrize(
    ("spec", "text", "expected"),
    [
        (q("integer"), "25.430", 25430),
        (q("integer"), "25430", 25430),
        (q("integer"), "25 430", 25430),
        (q("integer"), "1.234.567", 1234567),
        (q("integer"), "12,0", 12),
        (q("integer"), "-0", 0),
        (q("integer"), "-5", -5),
        (q("integer", unit="máy"), "64 máy", 64),
        (q("integer", unit="máy"), "64 MAY", 64),
        (q("integer", unit="máy tính"), "1.200 máy tính", 1200),
        (q("integer", min=0, max=100), "100", 100),
        (q("integer", min=0), "0", 0),
        (Column(id="c", label="Số máy"), "7", 7),
    ],
)
def test_integer_accepted(spec: Question | Column, text: str, expected: int) -> None:
    value = ok(spec, text)
    assert value == expected
    assert type(value) is int


@pytest.mark.parametrize(
    ("spec", "text", "expected"),
    [
        (q("integer"), "12,5", "Vui lòng nhập số nguyên (không có phần thập phân), ví dụ: 25.430."),
        (q("integer"), "mười hai", "Vui lòng nhập một số nguyên, ví dụ: 25.430."),
        (q("integer"), "", "Vui lòng nhập một số nguyên, ví dụ: 25.430."),
        (q("integer", example="64"), "abc", "Vui lòng nhập một số nguyên, ví dụ: 64."),
        (q("integer"), "64 máy", "Vui lòng nhập một số nguyên, ví dụ: 25.430."),
        (
            q("integer", unit="máy"),
            "64 cái",
            "Vui lòng chỉ nhập số (đơn vị tính: máy), ví dụ: 25.430.",
        ),
        (q("integer", min=0), "-3", "Giá trị phải từ 0 trở lên."),
        (q("integer", min=0, max=100), "101", "Giá trị phải trong khoảng từ 0 đến 100."),
        (q("integer", min=1000, max=50000), "5", "Giá trị phải trong khoảng từ 1.000 đến 50.000."),
        (q("integer", max=10), "11", "Giá trị không được lớn hơn 10."),
        (q("integer"), "1" * 16, "Số quá lớn, vui lòng kiểm tra lại."),
        (q("integer"), "1.000.000.000.000.000", "Số quá lớn, vui lòng kiểm tra lại."),
        (q("integer"), "nan", "Vui lòng nhập một số nguyên, ví dụ: 25.430."),
        (q("integer"), "inf", "Vui lòng nhập một số nguyên, ví dụ: 25.430."),
        (q("integer"), "1e5", "Vui lòng nhập một số nguyên, ví dụ: 25.430."),
        (q("integer"), "1,234.5", "Vui lòng nhập một số nguyên, ví dụ: 25.430."),
    ],
)
def test_integer_refused(spec: Question, text: str, expected: str) -> None:
    assert refused(spec, text) == expected


# --------------------------------------------------------------------------- decimal, percent


@pytest.mark.parametrize(
    ("spec", "text", "expected"),
    [
        (q("decimal"), "12,5", 12.5),
        (q("decimal"), "12.5", 12.5),
        (q("decimal"), "1.234,5", 1234.5),
        (q("decimal"), "1,23456", 1.2346),
        (q("decimal"), "-0,00001", 0.0),
        (q("decimal", unit="Mbps"), "100 Mbps", 100.0),
        (q("percent"), "93,75", 93.75),
        (q("percent"), "93,75%", 93.75),
        (q("percent"), "93.75 %", 93.75),
        (q("percent"), "100%", 100.0),
        (q("percent"), "0", 0.0),
        (q("percent", max=200), "150%", 150.0),
    ],
)
def test_decimal_and_percent_accepted(spec: Question, text: str, expected: float) -> None:
    value = ok(spec, text)
    assert value == expected
    assert type(value) is float


@pytest.mark.parametrize(
    ("spec", "text", "expected"),
    [
        (q("decimal"), "12,5,3", "Vui lòng nhập một số, ví dụ: 12,5."),
        (q("decimal", min=0, max=10), "10,5", "Giá trị phải trong khoảng từ 0 đến 10."),
        (q("decimal", min=0.5), "0,25", "Giá trị phải từ 0,5 trở lên."),
        (q("percent"), "101", "Giá trị phải trong khoảng từ 0% đến 100%."),
        (q("percent"), "-1%", "Giá trị phải trong khoảng từ 0% đến 100%."),
        (q("percent"), "nhiều", "Vui lòng nhập tỷ lệ phần trăm, ví dụ: 93,75%."),
        (q("percent"), "50%%", "Vui lòng nhập tỷ lệ phần trăm, ví dụ: 93,75%."),
        (q("percent", min=50), "40", "Giá trị phải trong khoảng từ 50% đến 100%."),
    ],
)
def test_decimal_and_percent_refused(spec: Question, text: str, expected: str) -> None:
    assert refused(spec, text) == expected


# --------------------------------------------------------------------------- date, yes/no


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08/4/2020", "2020-04-08"),
        ("8-4-2020", "2020-04-08"),
        ("08.04.2020", "2020-04-08"),
        ("2020-04-08", "2020-04-08"),
        ("ngày 08 tháng 4 năm 2020", "2020-04-08"),
        ("29/2/2024", "2024-02-29"),
        ("8/4/21", "2021-04-08"),
    ],
)
def test_date_accepted_and_stored_iso(text: str, expected: str) -> None:
    assert ok(q("date"), text) == expected


def test_date_uses_today_when_given() -> None:
    assert ok(q("date"), "hôm nay", today=dt.date(2026, 2, 5)) == "2026-02-05"


def test_date_refusals() -> None:
    assert refused(q("date"), "31/2/2021") == (
        "Ngày “31/2/2021” không có thật, vui lòng kiểm tra lại, ví dụ: 08/4/2020."
    )
    assert refused(q("date"), "tuần trước") == (
        "Vui lòng nhập ngày theo dạng ngày/tháng/năm, ví dụ: 08/4/2020."
    )
    assert refused(q("date", example="15/12/2025"), "x").endswith("ví dụ: 15/12/2025.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Có", True), ("co", True), ("Đúng", True), ("x", True), ("Không", False), ("ko", False)],
)
def test_yes_no(text: str, expected: bool) -> None:
    assert ok(q("yes_no"), text) is expected


@pytest.mark.parametrize("text", ["có thể", "", "2", "🙂"])
def test_yes_no_refused(text: str) -> None:
    assert refused(q("yes_no"), text) == "Vui lòng trả lời Có hoặc Không."


# --------------------------------------------------------------------------- select_one


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", "l2"),
        ("2.", "l2"),
        (" 3) ", "l3"),
        ("l1", "l1"),
        ("Cấp độ 3", "l3"),
        ("cap do 3", "l3"),
        ("CẤP ĐỘ 1", "l1"),
        ("chưa", "unknown"),  # a unique prefix of a label
        ("Chua xac dinh", "unknown"),
    ],
)
def test_select_one_accepted(text: str, expected: str) -> None:
    assert ok(q("select_one", choices=LEVELS), text) == expected


def test_select_one_refusal_lists_numbered_options() -> None:
    options = "\n1. Cấp độ 1\n2. Cấp độ 2\n3. Cấp độ 3\n4. Chưa xác định"
    spec = q("select_one", choices=LEVELS)
    assert refused(spec, "5") == (
        "Vui lòng chọn một trong các phương án sau (nhập số thứ tự hoặc tên):" + options
    )
    assert refused(spec, "0").endswith(options)
    assert refused(spec, "cấp độ 4").endswith(options)
    assert refused(spec, "cấp").startswith("“cấp” khớp với nhiều phương án.")


# --------------------------------------------------------------------------- select_multiple


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1, 3", ["qlvb", "meeting"]),
        ("1 3", ["qlvb", "meeting"]),
        ("1;3", ["qlvb", "meeting"]),
        ("3,1", ["qlvb", "meeting"]),  # choice order, not typing order
        ("2, 2, 2", ["email"]),
        ("Họp trực tuyến, quản lý văn bản", ["qlvb", "meeting"]),
        ("thu dien tu; 4", ["email", "other"]),
        ("Khác", ["other"]),
        ("2", ["email"]),
        ("tất cả", ["qlvb", "email", "meeting", "other"]),
        ("không", []),
        ("Không có", []),
        ("0", []),
    ],
)
def test_select_multiple_accepted(text: str, expected: list[str]) -> None:
    assert ok(q("select_multiple", choices=SOFTWARE), text) == expected


def test_select_multiple_refusals() -> None:
    spec = q("select_multiple", choices=SOFTWARE)
    message = refused(spec, "1, 7")
    assert message.startswith("“7” không có trong danh sách.")
    assert message.endswith("\n1. Quản lý văn bản\n2. Thư điện tử\n3. Họp trực tuyến\n4. Khác")
    assert refused(spec, "1, zalo").startswith("“zalo” không có trong danh sách.")
    assert refused(q("select_multiple", choices=SOFTWARE, required=True), "không").startswith(
        "Câu hỏi này cần chọn ít nhất một phương án."
    )


def test_select_multiple_prefers_a_choice_named_like_none() -> None:
    choices = [Choice(value="yes", label="Có"), Choice(value="none", label="Không")]
    assert ok(q("select_multiple", choices=choices), "không") == ["none"]


# --------------------------------------------------------------------------- other types


@pytest.mark.parametrize("qtype", ["repeat", "table", "computed", "note"])
def test_structured_types_are_not_parsed_here(qtype: str) -> None:
    with pytest.raises(TypeError):
        parse_answer(q(qtype), "1")


# --------------------------------------------------------------------------- display_value


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        (q("text"), "Sở Công Thương", "Sở Công Thương"),
        (q("integer"), 25430, "25.430"),
        (q("decimal"), 12.5, "12,5"),
        (q("percent"), 93.75, "93,75%"),
        (q("percent"), 98.876, "98,87%"),
        (q("date"), "2020-04-08", "08/4/2020"),
        (q("yes_no"), True, "Có"),
        (q("yes_no"), False, "Không"),
        (q("select_one", choices=LEVELS), "l2", "Cấp độ 2"),
        (q("select_one", choices=LEVELS), "gone", "gone"),
        (
            q("select_multiple", choices=SOFTWARE),
            ["qlvb", "meeting"],
            "Quản lý văn bản, Họp trực tuyến",
        ),
        (q("select_multiple", choices=SOFTWARE), [], ""),
        (q("repeat"), [{"a": 1}, {"a": 2}, {"a": 3}], "3 mục"),
        (
            q("table", rows=[Row(id="r1", label="A"), Row(id="r2", label="B")]),
            {"r1": {"c": 5}, "r2": {"c": None}},
            "1/2 dòng đã nhập",
        ),
        (q("computed"), 93.75, "93,75"),
        (q("note"), "x", ""),
        (q("integer"), None, ""),
        (q("integer"), "not a number", "not a number"),  # old data never crashes review
        (q("date"), "08/04/2020", "08/04/2020"),
    ],
)
def test_display_value(spec: Question, value: Any, expected: str) -> None:
    assert display_value(spec, value) == expected


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (q("integer"), "1.234.567"),
        (q("decimal"), "1.234,56"),
        (q("percent"), "98,88%"),
        (q("date"), "18/01/2021"),
        (q("yes_no"), "Có"),
        (q("select_one", choices=LEVELS), "Cấp độ 2"),
        (q("select_multiple", choices=SOFTWARE), "Quản lý văn bản, Khác"),
    ],
)
def test_displayed_value_parses_back(spec: Question, text: str) -> None:
    value = parse_answer(spec, text)
    shown = display_value(spec, value)
    assert shown == text
    assert parse_answer(spec, shown) == value


# --------------------------------------------------------------------------- hostile input

NASTY = [
    "x" * 100_000,
    "1" * 100_000,
    "1," * 50_000,
    "🙂" * 30_000,
    "\x00\x01\x1b[31m\x7f",
    "\ud800",  # a lone surrogate
    "Ⅻ ٣ １２ ¹",
    "中文 العربية Русский",
    "\u202e1,5",
    "1/1/1" * 1000,
    "  ",
]
SCALAR_SPECS = [
    q("text"),
    q("text", long=True),
    q("text", min_length=3, max_length=50, pattern=r"[^0-9]*"),
    q("integer", min=0, unit="máy"),
    q("integer", min=-10, max=10),
    q("decimal", min=0, max=1000),
    q("percent"),
    q("date"),
    q("yes_no"),
    q("select_one", choices=LEVELS),
    q("select_multiple", choices=SOFTWARE, required=True),
    q("select_multiple", choices=SOFTWARE),
    Column(id="c", label="Số lượng", min=0),
]


def _check(spec: Question | Column, value: Any) -> None:
    """What any accepted value must satisfy."""
    qtype = QuestionType(spec.type)
    low, high = getattr(spec, "min", None), getattr(spec, "max", None)
    if qtype == QuestionType.PERCENT:
        low = 0 if low is None else low
        high = 100 if high is None else high
    if qtype == QuestionType.TEXT:
        assert isinstance(value, str)
        assert value and value == value.strip()
        limit = spec.max_length or (20_000 if spec.long else 1_000)
        assert len(value) <= limit
        assert len(value) >= (spec.min_length or 1)
        assert all(ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs") for ch in value)
        value.encode("utf-8")
    elif qtype == QuestionType.INTEGER:
        assert type(value) is int
    elif qtype in (QuestionType.DECIMAL, QuestionType.PERCENT):
        assert type(value) is float
        assert value == round(value, 4)
    elif qtype == QuestionType.DATE:
        assert dt.date.fromisoformat(value).isoformat() == value
    elif qtype == QuestionType.YES_NO:
        assert type(value) is bool
    elif qtype == QuestionType.SELECT_ONE:
        assert value in [c.value for c in spec.choices]
    elif qtype == QuestionType.SELECT_MULTIPLE:
        order = [c.value for c in spec.choices]
        assert value == [v for v in order if v in value]
        assert len(set(value)) == len(value)
        if spec.required:
            assert value
    if qtype in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.PERCENT):
        assert abs(value) < 10**15
        if low is not None:
            assert value >= low
        if high is not None:
            assert value <= high


@pytest.mark.parametrize("spec", SCALAR_SPECS, ids=lambda s: f"{s.type}")
@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_hostile_input_is_refused_politely_or_accepted_validly(
    spec: Question | Column, text: str
) -> None:
    try:
        value = parse_answer(spec, text)
    except InvalidAnswer as exc:
        assert exc.message
        return
    _check(spec, value)


numberish = st.text(alphabet="0123456789.,-+ %\u00a0máyMAY", max_size=25)
choiceish = st.lists(
    st.sampled_from(["1", "2", "3", "4", "5", "0", "cấp", "Cấp độ 2", "khác", "không", "x"]),
    max_size=4,
).flatmap(lambda parts: st.sampled_from([", ", " ", ";", "\n"]).map(lambda s: s.join(parts)))
dateish = st.text(alphabet="0123456789/.- ngàytháng", max_size=25)


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=st.sampled_from(SCALAR_SPECS),
    text=st.one_of(st.text(max_size=300), numberish, choiceish, dateish),
)
def test_any_text_gives_a_valid_value_or_invalid_answer(spec: Question | Column, text: str) -> None:
    try:
        value = parse_answer(spec, text, today=dt.date(2026, 2, 5))
    except InvalidAnswer as exc:
        assert exc.message.strip()
        return
    _check(spec, value)
    assert isinstance(display_value(spec, value), str)


@given(st.integers(min_value=-(10**14), max_value=10**14))
def test_integer_answers_round_trip_through_display(n: int) -> None:
    spec = q("integer")
    assert parse_answer(spec, display_value(spec, n)) == n


@given(st.integers(min_value=0, max_value=10_000).map(lambda n: n / 100))
def test_percent_answers_round_trip_through_display(x: float) -> None:
    spec = q("percent")
    assert parse_answer(spec, display_value(spec, x)) == x
