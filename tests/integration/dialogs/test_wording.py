"""Every bundled template walked through the chat with its seed's answers: every
prompt, hint, review and section detail an officer reads, and the confirmation,
submission and "already submitted" lines, checked the way a Vietnamese officer
would read them — no word doubled, no English, no raw id or placeholder, no number
without its thousands separator."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

import pytest

from dialogs.loader import load_templates
from dialogs.schema import QuestionType, Template
from dialogs.values import InvalidAnswer, parse_answer
from tests.integration.dialogs.conftest import DEFAULT_AGENCIES, make_world
from tests.support import seed000, seed001, seed002, seed003, seed004

CASES = {
    "covid_cong_van": seed000,
    "cong_van_ngan": seed001,
    "ct02_chu_ky_so": seed002,
    "annual_it": seed003,
    "periodic_it": seed004,
}
#: words that only an English text (or a code) would contain
ENGLISH = {
    "the", "and", "of", "to", "is", "for", "yes", "no", "none", "true", "false", "null",
    "skip", "back", "review", "submit", "edit", "done", "add", "question", "answer", "row",
    "column", "section", "value", "step", "table", "select", "integer", "text", "percent",
    "decimal", "date", "computed", "repeat", "required", "optional", "example", "unit",
}
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
URL = re.compile(r"https?://\S+|\b[\w.-]+\.(?:gov|com|org|net)\.vn\S*")
LONG_NUMBER = re.compile(r"(?<![\d.,/:\w-])\d{5,}(?![\d,/\w])")
PLACEHOLDER = re.compile(r"\{\w*\}")


def ids_of(template: Template) -> set[str]:
    """Identifiers a template uses internally (those with "_" cannot be Vietnamese)."""
    found: set[str] = {template.id}
    for q in template.iter_questions():
        found.add(q.id)
        for column in [*q.columns, *q.fields]:
            found.add(column.id)
            found.update(c.value for c in column.choices)
        found.update(r.id for r in q.rows)
        found.update(c.value for c in q.choices)
    return {i for i in found if "_" in i}


def problems_in(text: str, ids: set[str]) -> list[str]:
    found: list[str] = []
    plain = URL.sub(" ", text)
    for line in plain.splitlines():
        words = WORD.findall(line)
        for a, b in pairwise(words):
            if a.lower() == b.lower() and re.search(rf"\b{re.escape(a)}\s+{re.escape(b)}\b",
                                                    line, re.IGNORECASE):
                found.append(f"doubled {a!r}: {line}")
        tokens = [t.lower() for t in line.split()]  # punctuation keeps words apart
        for i in range(len(tokens) - 3):
            pair = tokens[i:i + 2]
            if pair == tokens[i + 2:i + 4] and all(t.isalpha() for t in pair):
                found.append(f"doubled {' '.join(pair)!r}: {line}")
        if line.lower().count("ví dụ") > 1:
            found.append(f"two examples: {line}")
        english = [w for w in words if w.lower() in ENGLISH]
        if english:
            found.append(f"English {english}: {line}")
        raw = [i for i in ids if re.search(rf"(?<![\w@:]){re.escape(i)}(?![\w@])", line)]
        if raw:
            found.append(f"raw id {raw}: {line}")
        if PLACEHOLDER.search(line):
            found.append(f"placeholder: {line}")
        number = LONG_NUMBER.search(line)
        if number:
            found.append(f"unformatted number {number.group()}: {line}")
    return found


@pytest.mark.parametrize("template_id", sorted(CASES))
async def test_every_prompt_hint_and_review_reads_as_vietnamese(
        uow_factory: Any, template_id: str) -> None:
    template = load_templates()[template_id]
    seed = CASES[template_id]
    agency = getattr(seed, "AGENCY", DEFAULT_AGENCIES[0])
    world = await make_world(uow_factory, template, agencies=[agency],
                             round_fields=getattr(seed, "ROUND", None))
    chat = world.chat("officer")
    seen: list[str] = []

    async def send(text: str) -> Any:
        replies = await chat.send(text)
        seen.extend(m.text for m in replies)
        seen.extend(b.label for m in replies for row in m.buttons for b in row)
        return replies

    async def current_step() -> tuple[str | None, dict[str, Any]]:
        async with world.uow_factory() as uow:
            conv = await uow.conversations.get("web", chat.user_id)
            answers = await uow.answers.get(conv.assignment_id)
        return (conv.step if conv.state == "answering" else None), answers

    await send(world.invites[f"{agency['abbreviation']}0"])
    answer = seed.PLAN.answer_everything if hasattr(seed, "PLAN") else None
    if answer is not None:
        await answer(send, current_step)
    else:
        await seed.answer_everything(send, current_step)
    summary = chat.last[-1]
    sections = [b.data for row in summary.buttons for b in row
                if b.data.startswith("cmd:review:s")]
    for data in sections:  # every section's details, on demand
        replies = await chat.tap(data)
        seen.extend(m.text for m in replies)
    await send("xem lại")
    await send("nộp")
    await send("có")
    await send("tiếp tục")
    asked = [q for q in template.iter_questions()
             if q.type not in (QuestionType.NOTE, QuestionType.COMPUTED)]
    assert len(seen) > len(asked)  # the walk saw the questionnaire

    for q in template.iter_questions():  # what a wrong answer gets back
        for spec in [q, *q.columns, *q.fields]:
            if spec.type in (QuestionType.COMPUTED, QuestionType.NOTE, QuestionType.TABLE,
                             QuestionType.REPEAT):
                continue
            for junk in ("???", "-5", "abc", "1,2,3,99"):
                try:
                    parse_answer(spec, junk)
                except InvalidAnswer as exc:
                    seen.append(exc.message)

    ids = ids_of(template)
    found = [p for text in dict.fromkeys(seen) for p in problems_in(text, ids)]
    assert found == [], "\n".join(found[:40])


def test_the_checks_catch_what_the_issue_found() -> None:
    ids = {"van_ban"}
    assert problems_in("nộp báo cáo Báo cáo kết quả", ids)
    assert problems_in("hằng năm năm 2026", ids)
    assert problems_in("(ví dụ: 25430)", ids)
    assert problems_in("Câu 1/16 · I. Kết quả {period} thực hiện", ids)
    assert problems_in("Tổng van_ban: 2", ids)
    assert problems_in("Review: 2", ids)
    assert problems_in("ví dụ: https://a.gov.vn, ví dụ: https://a.gov.vn.", ids)
    assert not problems_in("Tổng: 28.182 văn bản, ví dụ: https://abc.gov.vn/12345", ids)


PERIODS = ("năm 2026", "6 tháng đầu năm 2026", "9 tháng năm 2026", "quý IV năm 2026",
           "tháng 11 năm 2026")


@pytest.mark.parametrize("template_id", sorted(CASES))
def test_reminders_and_notices_name_the_report_without_doubled_words(template_id: str) -> None:
    import datetime as dt

    from bot.reminders import reminder_message, round_opened_text
    from bot.rollup_service import return_text
    from dialogs import texts
    from dialogs.domain import Agency, Round
    from dialogs.titles import report_title

    template = load_templates()[template_id]
    agency = Agency(id=1, name="Sở Công Thương", abbreviation="SCT",
                    governing_body="UBND TỈNH ĐỒNG NAI", place="Đồng Nai",
                    signer_name="Nguyễn Trí Phương")
    seen: list[str] = []
    for period in PERIODS:
        round_ = Round(id=1, template_id=template.id, template_version=1, period_label=period,
                       period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31),
                       deadline=dt.date(2026, 12, 20))
        for kind in ("before_5", "due_day", "overdue", "nudge"):
            message = reminder_message(kind=kind, template=template, round_=round_,
                                       agency=agency, assignment_id=7, answered=3, total=16,
                                       today=dt.date(2026, 12, 15),
                                       collector="Sở Khoa học và Công nghệ")
            seen.append(message.text)
            seen.extend(b.label for row in message.buttons for b in row)
        seen.append(round_opened_text(template, round_))
        seen.append(texts.DIGEST_ROUND.format(
            title=report_title(template.name, period), deadline="20/12/2026",
            submitted=3, count=12))
        seen.append(return_text("Sở Khoa học và Công nghệ", template.name, period, 2,
                                "Bổ sung số liệu mục II."))
    for text in seen:
        assert "báo cáo báo cáo" not in text.lower(), text
        assert " năm năm" not in text, text
    ids = ids_of(template)
    found = [p for text in dict.fromkeys(seen) for p in problems_in(text, ids)]
    assert found == [], "\n".join(found[:40])
