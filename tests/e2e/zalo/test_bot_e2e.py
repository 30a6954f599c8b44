"""An officer answers the whole annual report on the Zalo Bot Platform and downloads
the DOCX from the link the bot sends (the platform cannot send files).

The bot runs as ``baocao run`` with ``ZALO_BOT_TOKEN``; it long-polls the fake
platform, where the test queues the officer's messages and reads the bot's answers.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import pytest
from docx import Document

from storage.db import create_engine
from storage.uow import uow_factory as make_uow_factory
from tests.e2e.support import baocao, cli_env, free_port, start_server
from tests.fakes.loopback import serve
from tests.fakes.zalo_bot_api import FakeZaloBot
from tests.support.seed003 import answer_everything
from tests.support.zalo import bot_env, step_reader, wait_until

pytestmark = pytest.mark.slow

CHAT = "8f2c1d7e0b9a4c35"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LINK = re.compile(r"Tải báo cáo \(DOCX\): (\S+)")


async def test_whole_annual_report_on_the_zalo_bot_platform(
    database_url: str, tmp_path: Path
) -> None:
    fake = FakeZaloBot()
    with serve(fake.app()) as api_url:
        port = free_port()
        env = {**cli_env(database_url, tmp_path, port), **bot_env(fake, api_url)}
        baocao("init", "--demo", env=env, cwd=tmp_path)
        code = baocao("invite", "SCT", env=env, cwd=tmp_path).stdout.strip()
        server = start_server(env, tmp_path, port, name="zalo-bot")
        db = create_engine(database_url)
        try:
            async def send(text: str) -> None:
                before = len(fake.texts_to(CHAT))
                fake.push(CHAT, text)
                await wait_until(lambda: len(fake.texts_to(CHAT)) > before,
                                 f"the reply to {text!r}")

            await send(code)
            assert any("Sở Công Thương" in t for t in fake.texts_to(CHAT))
            turns = await answer_everything(
                send, step_reader(make_uow_factory(db), "zalo_bot", CHAT))
            assert turns >= 90  # every question of the annual report, answered one by one
            await wait_until(lambda: any("Tất cả câu bắt buộc đã được trả lời" in t
                                         for t in fake.texts_to(CHAT)), "the review")
            await send("nộp")
            await wait_until(lambda: "Gõ: xác nhận · hủy" in fake.texts_to(CHAT)[-1],
                             "the confirmation")
            await send("xác nhận")
            await wait_until(lambda: any(LINK.search(t) for t in fake.texts_to(CHAT)),
                             "the download link")
            link = next(m.group(1) for t in fake.texts_to(CHAT) if (m := LINK.search(t)))
            async with httpx.AsyncClient(timeout=30) as http:
                response = await http.get(link)
        finally:
            await db.dispose()
            server.stop()

    texts = fake.texts_to(CHAT)
    assert all(len(t) <= 2000 for t in texts)
    assert any(t.startswith("Đã nộp báo cáo (bản 1)") for t in texts)
    assert link.startswith(f"http://127.0.0.1:{port}/download/")
    assert response.status_code == 200
    assert response.headers["content-type"] == DOCX_TYPE
    document = Document(io.BytesIO(response.content))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])
    assert "SỞ CÔNG THƯƠNG" in text
    assert "25.430" in text and "93,75%" in text
    assert fake.calls[:2] == ["getMe", "deleteWebhook"]
