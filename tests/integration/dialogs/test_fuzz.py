"""Property-based: whatever an officer types at any question, the bot answers in
Vietnamese, never crashes, and stores nothing that breaks the question's rules."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.cursor import Outline
from dialogs.schema import Column, Question, QuestionType
from tests.integration.dialogs.conftest import World

VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ]", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

texts = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=50),
    st.sampled_from(["0", "-1", "1e309", "NaN", "9" * 40, "25.430", "93,75%", "31/2/2021",
                     "có", "không", "1, 2, 9", "😀" * 10, "\x00\x1b[31m", "Ω≈ç√ 漢字 عربى",
                     "", "   ", "/start", "/edit 999", "sửa 0", "ans:1@q:staff"]),
    st.integers(min_value=-(10**16), max_value=10**16).map(str),
    st.just("x" * 100_000),
)


def check_value(spec: Question | Column, value: Any) -> None:
    """A stored value has its type's shape and obeys min/max/choices/length."""
    t = spec.type
    if t == QuestionType.INTEGER:
        assert isinstance(value, int) and not isinstance(value, bool)
    if t in (QuestionType.DECIMAL, QuestionType.PERCENT):
        assert isinstance(value, int | float) and value == value  # no NaN
    if t in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.PERCENT):
        if spec.min is not None:
            assert value >= spec.min
        if spec.max is not None:
            assert value <= spec.max
    if t == QuestionType.TEXT:
        assert isinstance(value, str) and value.strip() and not CONTROL.search(value)
        assert len(value) <= (getattr(spec, "max_length", None) or 20_000)
    if t == QuestionType.SELECT_ONE:
        assert value in {c.value for c in spec.choices}
    if t == QuestionType.SELECT_MULTIPLE:
        assert set(value) <= {c.value for c in spec.choices}
    if t == QuestionType.YES_NO:
        assert isinstance(value, bool)
    if t == QuestionType.DATE:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)


def check_answers(world: World, answers: dict[str, Any]) -> None:
    template = next(iter(world.engine.templates.values()))
    for qid, value in answers.items():
        q = template.question(qid)
        if q.type == QuestionType.TABLE:
            for cells in value.values():
                for col in q.columns:
                    if cells.get(col.id) is not None:
                        check_value(col, cells[col.id])
        elif q.type == QuestionType.REPEAT:
            for item in value:
                for field in q.fields:
                    if item.get(field.id) is not None:
                        check_value(field, item[field.id])
        else:
            check_value(q, value)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(number=st.integers(min_value=1, max_value=12), text=texts)
async def test_any_text_at_any_question_is_answered_in_vietnamese(
    world: World, number: int, text: str
) -> None:
    chat = world.chat("fuzzer")
    if not (await chat.send("tiếp tục")) or "mã mời" in chat.text:
        await chat.send(world.invites["SCT0"])
    await chat.send(f"sửa {number}")
    replies = await chat.send(text)
    assert replies, f"no reply to {text[:40]!r}"
    reply = unicodedata.normalize("NFC", chat.text)
    assert VIETNAMESE.search(reply), reply[:200]
    assert all(len(m.text) <= 4000 for m in replies)
    check_answers(world, await world.answers("SCT"))


async def test_numbers_at_the_edges_of_their_ranges(world: World) -> None:
    chat = world.chat("edges")
    await chat.send(world.invites["SCT0"])
    outline = Outline.of(next(iter(world.engine.templates.values())))
    for text, stored in (("0", 0), ("-0", 0), ("1.000.000.000", 1_000_000_000)):
        await chat.send(f"sửa {outline.numbers['staff']}")
        await chat.send(text)
        assert (await world.answers("SCT"))["staff"] == stored, chat.text
    for bad in ("-1", "1" * 16, "1e3"):
        await chat.send(f"sửa {outline.numbers['staff']}")
        await chat.send(bad)
        assert (await world.answers("SCT"))["staff"] == 1_000_000_000
        assert "Vui lòng" in chat.text or "quá lớn" in chat.text or "phải" in chat.text
