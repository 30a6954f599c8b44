"""An officer answers the whole annual report (seed 003) in Telegram: bound by the
deep link's ``/start <invite>``, typed answers and button taps, keyboards closed
after use, the answers stored, and the DOCX delivered by sendDocument."""

from __future__ import annotations

import io
import re
from typing import Any

from docx import Document

from dialogs.answers import with_computed
from dialogs.cursor import Outline, main_steps
from dialogs.loader import load_templates
from renderers.report import document_filename, render_report
from tests.e2e.telegram.conftest import Bots, Officer
from tests.fakes.telegram_api import BotMessage, FakeTelegramAPI
from tests.integration.dialogs.conftest import make_world
from tests.support.seed003 import reply_for

CHAT = 880_001
PROMPT = re.compile(r"^Câu (\d+)/(\d+)(?: \(câu số (\d+)\))? · ", re.MULTILINE)
# typed command -> the button that does the same
COMMAND_BUTTONS = {"bỏ qua": "Bỏ qua", "thêm": "Thêm mục", "xong": "Xong"}


def button_for(prompt: BotMessage, reply: str) -> str | None:
    """The label to tap instead of typing ``reply``, when the keyboard offers it."""
    choices = [label for label, data in prompt.buttons if data.startswith("ans:")]
    if choices and reply.isdigit() and 1 <= int(reply) <= len(choices):
        return choices[int(reply) - 1]  # the seed types the choice's number
    label = COMMAND_BUTTONS.get(reply)
    return label if label in dict(prompt.buttons) else None


async def test_whole_annual_report_in_telegram(
    uow_factory: Any, fake: FakeTelegramAPI, bots: Bots
) -> None:
    template = load_templates()["annual_it"]
    world = await make_world(uow_factory, template, render=render_report)
    world.engine.filename = document_filename
    bot = await bots.start(world.engine, uow_factory, world.clock)
    fake.user(CHAT, "Lan", "Nguyễn Thị")
    officer = Officer(fake, bot, CHAT)

    welcome = await officer.say("/start")
    assert "mã mời" in officer.text(welcome)

    first = await officer.say(f"/start {world.invites['SCT0']}")
    assert "đã được liên kết với Sở Công Thương" in officer.text(first)
    assert "Câu 1/" in officer.text(first)

    async def current() -> tuple[str | None, dict[str, Any]]:
        async with uow_factory() as uow:
            conv = await uow.conversations.get("telegram", str(CHAT))
            answers = await uow.answers.get(conv.assignment_id)
        return (conv.step if conv.state == "answering" else None), answers

    outline = Outline.of(template)
    seen_numbers: set[int] = set()
    for _ in range(400):
        step, answers = await current()
        if step is None:
            break
        prompt = fake.sent(CHAT)[-1]
        match = PROMPT.search(prompt.body)
        assert match, f"the last message is not a question: {prompt.body[:200]}"
        number = int(match.group(3) or match.group(1))
        assert number == outline.numbers[step.split(":")[1]], (step, prompt.body)
        applicable = {s.question.id for s in main_steps(template, with_computed(template, answers))}
        assert int(match.group(2)) == len(applicable)  # only the questions that apply
        seen_numbers.add(number)
        labels = dict(prompt.buttons)
        assert "◀ Quay lại" in labels and "Xem lại" in labels
        live = [m for m in fake.sent(CHAT) if m.buttons]
        assert live == [prompt], "only the newest question keeps its buttons"
        reply = reply_for(step, answers)
        label = button_for(prompt, reply)
        if label is None:
            await officer.say(reply)
            continue
        await officer.press(prompt, label)
        closed = fake.message(CHAT, prompt.message_id)
        assert closed.reply_markup is None
        assert closed.text is not None and closed.text.endswith(f"\n\n✓ {label}")
        assert len(closed.edits) == 1
    else:
        raise AssertionError("the questionnaire did not end")

    answers = await world.answers("SCT")
    relevant = main_steps(template, with_computed(template, answers))
    assert seen_numbers == {outline.numbers[s.question.id] for s in relevant}  # all were asked
    assert len(officer.taps) >= 15 and officer.typed >= 50  # both ways were used

    review = fake.sent(CHAT)[-3:]
    assert "XEM LẠI BÁO CÁO" in officer.text(fake.sent(CHAT)[-10:])
    assert "Tất cả câu bắt buộc đã được trả lời" in officer.text(review)
    confirm = await officer.tap("Nộp báo cáo")
    assert "xác nhận nộp" in officer.text(confirm).lower()
    done = await officer.tap("Xác nhận nộp")
    [document] = [m for m in done if m.document is not None]
    assert document.method == "sendDocument"
    assert document.caption is not None and "Đã nộp báo cáo (bản 1)" in document.caption
    assert document.document is not None and document.document.filename.endswith(".docx")
    live = [m.message_id for m in fake.sent(CHAT)
            if fake.message(CHAT, m.message_id).reply_markup is not None]
    assert live == [], "after the submission no keyboard of the chat can be tapped"

    answers = await world.answers("SCT")
    assert answers["so_may_tinh"] == 64
    assert answers["van_ban"]["van_phong"]["tong"] == 25430
    assert answers["nguon_kinh_phi"] == "chi_thuong_xuyen"  # tapped
    assert [i["loai"] for i in answers["van_ban_chi_dao"]] == ["ke_hoach", "ke_hoach"]
    assert [i["cap_do"] for i in answers["he_thong_thong_tin"]] == ["2", "3", "3", "2", "2"]

    doc = Document(io.BytesIO(document.document.data))
    body = [p.text.strip() for p in doc.paragraphs]
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "BÁO CÁO" in body
    assert "25.430" in "\n".join(body + cells)
    assert "Sở Công Thương" in "\n".join(body + cells)

    refused = [c for c in fake.calls if c.status != 200]
    assert refused == [], [(c.method, c.status) for c in refused]

