""""tải pdf" in the web chat: after submitting, the officer gets the report again with
the signed "Tải PDF để ký số" link (and the link serves the PDF); before submitting,
or while the report is returned for correction, a Vietnamese explanation instead."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest

from bot.signed_reports import pdf_to_sign_path
from bot.webapp import create_web_app
from renderers.pdf_sign_fields import SIGNER_FIELD
from tests.integration.bot.dashboard.support import LINK, _setup
from tests.integration.bot.dashboard.support import mini_template as mini_template  # fixture
from tests.integration.dialogs.conftest import fill_all

SESSION = "sct-officer-session-0042"


async def test_pdf_to_sign_again_in_web_chat(uow_factory, engine, mini_template,
                                             tmp_path: Path) -> None:
    world, boot, dic_code = await _setup(uow_factory, engine, mini_template, tmp_path)
    app = create_web_app(boot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:

        async def say(text: str) -> list[dict]:
            reply = await http.post("/api/chat", json={"session": SESSION, "text": text})
            assert reply.status_code == 200, reply.text
            return reply.json()["messages"]

        await say(world.invites["SCT0"])
        assert any("tải pdf — tải lại bản PDF" in m["text"] for m in await say("trợ giúp"))
        not_yet = await say("tải pdf")
        assert "chưa được nộp nên chưa có bản PDF để ký số" in not_yet[0]["text"]
        assert all(m["document"] is None for m in not_yet)

        chat = world.chat(SESSION)  # the same web session, driven through the engine
        await fill_all(chat)
        await chat.send("nộp")
        await chat.tap_label("Xác nhận nộp")
        async with uow_factory() as uow:
            assignment = (await uow.assignments.list_open(world.agencies["SCT"].id))[0]
            submission = await uow.submissions.latest(assignment.id)

        for command in ("tải pdf", "pdf ký số", "/tai_pdf"):
            messages = await say(command)
            document = messages[-1]["document"]
            assert "Tải PDF để ký số" in messages[-1]["text"]
            assert document["pdf_url"] == pdf_to_sign_path(
                boot.settings.secret_key, submission.id, days=boot.settings.download_link_days,
                now=boot.clock.now().timestamp())
            assert document["filename"].endswith(".docx")

        if shutil.which("soffice"):  # LibreOffice here: the link serves the PDF
            got = await http.get(document["pdf_url"])
            assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
            assert SIGNER_FIELD.encode() in got.content

        # returned for correction: no PDF to sign until it is submitted again
        dic = world.chat("dic-user")
        await dic.send(dic_code)
        await dic.send("quản trị")
        token = LINK.search(dic.text).group(0).split("token=")[1]
        assert (await http.post("/admin/login", data={"token": token})).status_code == 303
        page = await http.get(f"/admin/rounds/{world.round_id}")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        returned = await http.post(f"/admin/assignments/{assignment.id}/return",
                                   data={"comment": "Sửa số liệu", "csrf": csrf})
        assert returned.status_code == 303
        again = await say("tải pdf")
        assert "chưa được nộp nên chưa có bản PDF để ký số" in again[0]["text"]
        assert all(m["document"] is None for m in again)


@pytest.mark.parametrize("text", ["tải pdf", "Tải PDF ký số", "pdf ký số", "/tai_pdf"])
def test_pdf_command_words(text: str) -> None:
    from dialogs.commands import Command, parse_command

    assert parse_command(text).command == Command.PDF_TO_SIGN
