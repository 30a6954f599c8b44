"""A signed report sent back as a Telegram document: the real PTB client fetches it
from the fake Bot API (getFile, file download), the bot verifies it and answers."""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.signed_reports import TrustRoots, document_receiver, pdf_link_text, pdf_to_sign
from dialogs.loader import load_template
from dialogs.messages import DocumentRef, Outbound
from renderers.pdf_sign_fields import SIGNER_FIELD
from renderers.report import render_report
from tests.e2e.telegram.conftest import Bots, Officer
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.integration.dialogs.conftest import HERE, World, fill_all, make_world
from tests.support import signed_pdfs as sp
from tests.support.pki import make_pki, sign_pdf

pytestmark = sp.SKIP_NO_SOFFICE
CHAT = 770_021


@pytest.fixture
async def world(uow_factory: Any) -> World:
    return await make_world(uow_factory, load_template(HERE / "mini.yaml"), render=render_report)


async def _send(officer: Officer, data: bytes, name: str = "bao_cao_da_ky.pdf") -> str:
    before = len(officer.fake.sent(CHAT))
    await officer.settle(officer.fake.send_document(CHAT, data, name))
    return officer.text(officer.fake.sent(CHAT)[before:])


async def test_signed_pdf_as_telegram_document(world: World, fake: FakeTelegramAPI, bots: Bots,
                                               tmp_path: Path) -> None:
    web = world.chat("sct-web-officer-0001")  # a colleague submits in the web chat
    await web.send(world.invites["SCT0"])
    await fill_all(web)
    await web.send("nộp")
    await web.tap_label("Xác nhận nộp")
    async with world.uow_factory() as uow:
        assignment = (await uow.assignments.list_open(world.agencies["SCT"].id))[0]
        submission = await uow.submissions.latest(assignment.id)
    _, to_sign = await pdf_to_sign(world.uow_factory, {"mini": load_template(HERE / "mini.yaml")},
                                   submission.id)
    pki = make_pki()
    good = await asyncio.to_thread(sign_pdf, to_sign, pki.signer, chain=(pki.intermediate,),
                                   field=SIGNER_FIELD)

    roots = TrustRoots(pki.write_trust_roots(tmp_path / "roots"))
    receive = document_receiver(world.uow_factory, roots, world.clock)
    bot = await bots.start(world.engine, world.uow_factory, world.clock, receive_document=receive,
                           pdf_link=partial(pdf_link_text, "http://bot.test", "k" * 32))
    officer = Officer(fake, bot, CHAT)
    await officer.say(f"/start {world.invites['SCT1']}")
    # the submitted DOCX arrives with the link to the PDF to sign in its caption
    await bot.channel.sender.send(CHAT, [Outbound("Đã nộp báo cáo (bản 1).", document=DocumentRef(
        submission.id, "Bao_cao.docx"))])
    caption = fake.sent(CHAT)[-1].caption or ""
    assert f"Tải PDF để ký số: http://bot.test/pdf-ky-so/{submission.id}?exp=" in caption
    assert caption.startswith("Đã nộp báo cáo (bản 1).")

    assert "Tài liệu bị sửa sau khi ký." in await _send(officer, sp.add_page(good))
    assert "Không phải tệp PDF." in await _send(officer, b"PK\x03\x04", "bao_cao.docx")
    huge = await _send(officer, b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024 + 10))
    assert "Tệp quá lớn" in huge
    assert len(fake.calls_to("getFile")) == 2  # the 20 MB file was never fetched
    async with world.uow_factory() as uow:
        assert await uow.signatures.latest_by_agency(world.round_id) == {}

    accepted = await _send(officer, good)
    assert "Trạng thái: đã ký số" in accepted and "Người ký: Nguyễn Trí Phương" in accepted
    async with world.uow_factory() as uow:
        signed = await uow.signatures.latest_by_agency(world.round_id)
    assert signed[world.agencies["SCT"].id].signer == "Nguyễn Trí Phương"
    assert signed[world.agencies["SCT"].id].channel == "telegram"
