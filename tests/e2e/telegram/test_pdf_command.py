""""tải pdf" in Telegram: once the report is submitted, the officer gets the DOCX again
with the signed "Tải PDF để ký số" link in its caption (real PTB client, fake Bot API);
before that, a Vietnamese explanation and no file."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from bot.signed_reports import pdf_link_text, pdf_to_sign_path
from dialogs.loader import load_template
from renderers.report import render_report
from tests.e2e.telegram.conftest import Bots, Officer
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.integration.dialogs.conftest import HERE, World, fill_all, make_world

CHAT = 770_022
KEY = "k" * 32


@pytest.fixture
async def world(uow_factory: Any) -> World:
    return await make_world(uow_factory, load_template(HERE / "mini.yaml"), render=render_report)


async def test_pdf_to_sign_again_in_telegram(world: World, fake: FakeTelegramAPI,
                                             bots: Bots) -> None:
    bot = await bots.start(world.engine, world.uow_factory, world.clock,
                           pdf_link=partial(pdf_link_text, "http://bot.test", KEY))
    officer = Officer(fake, bot, CHAT)
    await officer.say(f"/start {world.invites['SCT1']}")
    help_text = officer.text(await officer.say("trợ giúp"))
    assert "tải pdf — tải lại bản PDF của báo cáo đã nộp để ký số" in help_text

    before = len(fake.documents(CHAT))
    not_yet = officer.text(await officer.say("tải pdf"))
    assert "chưa được nộp nên chưa có bản PDF để ký số" in not_yet
    assert len(fake.documents(CHAT)) == before

    web = world.chat("sct-web-officer-0002")  # a colleague submits in the web chat
    await web.send(world.invites["SCT0"])
    await fill_all(web)
    await web.send("nộp")
    await web.tap_label("Xác nhận nộp")
    async with world.uow_factory() as uow:
        assignment = (await uow.assignments.list_open(world.agencies["SCT"].id))[0]
        submission = await uow.submissions.latest(assignment.id)

    for command in ("tải pdf", "PDF ký số"):
        await officer.say(command)
        last = fake.sent(CHAT)[-1]
        assert len(fake.documents(CHAT)) > before  # the DOCX again, as a file
        caption = last.caption or ""
        assert "kèm theo là liên kết \"Tải PDF để ký số\"" in caption
        assert ("Tải PDF để ký số: http://bot.test"
                + pdf_to_sign_path(KEY, submission.id)) in caption
        before = len(fake.documents(CHAT))
