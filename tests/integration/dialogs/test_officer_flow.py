"""What an officer notices across a whole report: one compact review, old buttons
dead after a later message (and all of them after the submission), an optional
table cell that says so and can be skipped, a command word typed in the wrong place
explained, and an agency's other open reports offered after a submission."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.terminal import TerminalChat
from dialogs import texts
from dialogs.loader import load_template
from storage import admin
from tests.integration.dialogs.conftest import (
    DEFAULT_ROUND,
    HERE,
    World,
    bind,
    fill_all,
    make_world,
)

OPTIONAL_CELL = """
id: cells
version: 1
name: Báo cáo thử nghiệm ô bảng
kind: bao_cao
type_code: BC
subject: Báo cáo của {agency} {period}
opening: "{agency} báo cáo như sau:"
closing: Hết./.
recipients: ["{collector}"]
sections:
  - id: s1
    title: SỐ LIỆU
    items:
      - id: docs
        type: table
        prompt: Số văn bản trong kỳ
        required: true
        rows:
          - {id: paper, label: Văn bản giấy}
        columns:
          - {id: total, label: Tổng}
          - {id: note, label: Ghi chú, type: text, required: false}
"""


async def submit(chat: Any) -> None:
    await fill_all(chat)
    await chat.send("nộp")
    await chat.tap_label("Xác nhận nộp")
    assert "Đã nộp báo cáo (bản 1)" in chat.text


def buttons(messages: list[Any]) -> list[str]:
    return [b.data for m in messages for row in m.buttons for b in row]


async def test_the_review_is_one_message_and_old_buttons_die(world: World) -> None:
    chat = await bind(world)
    first_prompt = chat.last
    await fill_all(chat)
    review = chat.last
    assert len(review) == 1 and "XEM LẠI BÁO CÁO" in review[0].text
    assert len(review[0].text) <= 1800  # one Zalo OA message, with room for its hint
    assert "Đã trả lời 12/12 câu" in review[0].text
    assert "cmd:edit:1" in buttons(review)

    # a button of the first question, long superseded, changes nothing
    chat.last = first_prompt
    await chat.tap("cmd:skip")
    assert "không còn hiệu lực" in chat.text or "câu hỏi trước đó" in chat.text
    assert (await world.answers("SCT"))["staff"] == 56

    await chat.send("nộp")
    confirm = chat.last
    await chat.tap_label("Xác nhận nộp")
    assert "Đã nộp báo cáo (bản 1)" in chat.text
    assert buttons(chat.last) == []  # nothing left to tap after the submission
    for old in (confirm, review):  # and every earlier keyboard is dead
        for data in buttons(old):
            replies = await chat.tap(data)
            assert not any(m.document for m in replies), data  # no DOCX sent again
            assert texts.OLD_BUTTON in "\n".join(m.text for m in replies) or \
                data.startswith("cmd:continue"), data


async def test_an_optional_cell_says_so_and_offers_skip(uow_factory: Any, tmp_path: Path
                                                        ) -> None:
    path = tmp_path / "cells.yaml"
    path.write_text(OPTIONAL_CELL, encoding="utf-8")
    world = await make_world(uow_factory, load_template(path))
    chat = await bind(world)
    assert "cmd:skip" not in buttons(chat.last)  # "Tổng" is required
    await chat.send("12")
    assert "Ghi chú" in chat.text and texts.OPTIONAL_CELL in chat.text
    await chat.tap_label("Bỏ qua")
    assert "XEM LẠI BÁO CÁO" in chat.text
    assert (await world.answers("SCT"))["docs"] == {"paper": {"total": 12}}


async def test_a_repeat_word_on_an_ordinary_question_is_explained(world: World) -> None:
    chat = await bind(world)
    await chat.send("Thêm")
    assert "thêm" in chat.text and "nhiều mục" in chat.text
    assert "Tổng số cán bộ, công chức của đơn vị?" in chat.text  # the question again
    assert "không ở câu hỏi nào" not in chat.text
    await chat.send("xem lại")
    await chat.send("bỏ qua")  # while reviewing: what it is for, and how to go on
    assert "\"bỏ qua\" dùng khi đang trả lời câu hỏi" in chat.text and "tiếp tục" in chat.text


@pytest.fixture
async def two_reports(world: World) -> World:
    """A second open round for the same agencies (another template version's period)."""
    template = load_template(HERE / "mini.yaml")
    async with world.uow_factory() as uow:
        await admin.open_round(
            uow, template_id=template.id, template_version=template.version,
            agency_ids=[a.id for a in world.agencies.values()], now=world.clock.now(),
            **{**DEFAULT_ROUND, "period_label": "6 tháng đầu năm 2026"})
        await uow.commit()
    return world


async def test_after_a_submission_the_next_report_is_offered(two_reports: World) -> None:
    world = two_reports
    chat = await bind(world)
    assert "2 báo cáo đang mở" in chat.text
    await chat.send("2")  # the number as typed
    assert "Câu 1/12" in chat.text
    await submit(chat)
    assert "còn 1 báo cáo đang mở" in chat.text and "1. Báo cáo thử nghiệm" in chat.text
    assert buttons(chat.last) == []
    await chat.send("1")
    assert "Câu 1/12" in chat.text and "đã được nộp" not in chat.text


async def test_start_after_a_submission_goes_on_to_the_other_report(two_reports: World
                                                                    ) -> None:
    world = two_reports
    chat = await bind(world)
    await chat.send("[1]")
    await submit(chat)
    for word in ("/start", "tiếp tục"):
        await chat.send(word)
        assert "Câu 1/12" in chat.text, chat.text
        assert "(bản 1)" not in chat.text
        await chat.send("tạm dừng")


class TerminalOfficer:
    """``baocao chat``'s session, typed into line by line."""

    def __init__(self, chat: TerminalChat) -> None:
        self.chat = chat
        self.last: list[Any] = []

    async def send(self, line: str) -> list[Any]:
        self.last = await self.chat.send_line(line)
        return self.last

    @property
    def text(self) -> str:
        return "\n".join(m.text for m in self.last)


async def test_baocao_chat_goes_straight_on_to_the_next_report(two_reports: World,
                                                               tmp_path: Path) -> None:
    world = two_reports
    boot = SimpleNamespace(engine=world.engine, uow_factory=world.uow_factory,
                           clock=world.clock, settings=SimpleNamespace(exports_dir=tmp_path))
    session = TerminalChat(boot, "SCT")  # type: ignore[arg-type]
    await session.ensure_bound()
    officer = TerminalOfficer(session)
    officer.last = await session.send_callback("cmd:continue")
    assert "2 báo cáo đang mở" in officer.text
    await officer.send("2")
    assert "Câu 1/12" in officer.text
    await fill_all(officer)
    await officer.send("nộp")
    await officer.send("xác nhận")
    assert "Đã nộp báo cáo (bản 1)" in officer.text and "còn 1 báo cáo đang mở" in officer.text
    await officer.send("1")
    assert "Câu 1/12" in officer.text
