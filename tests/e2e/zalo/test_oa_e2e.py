"""An officer answers the whole annual report on Zalo OA and receives the DOCX as a file.

The bot runs as ``baocao run`` (a separate process) configured with the OA's keys;
the test plays Zalo: it POSTs signed webhook events to the bot and reads what the
bot sent through the fake Open API (messages, uploaded file).
"""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from docx import Document

from storage.db import create_engine
from storage.uow import uow_factory as make_uow_factory
from tests.e2e.support import baocao, cli_env, free_port, start_server
from tests.fakes.loopback import serve
from tests.fakes.zalo_oa_api import FakeZaloOA
from tests.support.seed003 import answer_everything
from tests.support.zalo import oa_env, step_reader, wait_until

pytestmark = pytest.mark.slow

USER = "2468458835296197922"


async def test_whole_annual_report_on_zalo_oa(database_url: str, tmp_path: Path) -> None:
    fake = FakeZaloOA()
    with serve(fake.app()) as api_url:
        port = free_port()
        env = {**cli_env(database_url, tmp_path, port), **oa_env(fake, api_url)}
        baocao("init", "--demo", env=env, cwd=tmp_path)
        code = baocao("invite", "SCT", env=env, cwd=tmp_path).stdout.strip()
        server = start_server(env, tmp_path, port, name="zalo-oa")
        db = create_engine(database_url)
        try:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
                counter = 0

                async def send(text: str) -> None:
                    nonlocal counter
                    counter += 1
                    before = len(fake.messages_to(USER))
                    body, headers = fake.event(USER, text, msg_id=f"e2e-{counter}")
                    response = await http.post("/zalo/oa/webhook", content=body,
                                               headers=headers)
                    assert response.status_code == 200, response.text
                    await wait_until(lambda: len(fake.messages_to(USER)) > before,
                                     f"the reply to {text!r}")

                await send(code)
                assert any("Sở Công Thương" in m.text for m in fake.messages_to(USER))
                turns = await answer_everything(
                    send, step_reader(make_uow_factory(db), "zalo_oa", USER))
                assert turns >= 90  # every question of the annual report, answered one by one
                await wait_until(lambda: any("Tất cả câu bắt buộc đã được trả lời" in m.text
                                             for m in fake.messages_to(USER)), "the review")
                await send("nộp")
                await wait_until(lambda: any(b["title"] == "Xác nhận nộp"
                                             for m in fake.messages_to(USER) for b in m.buttons),
                                 "the confirmation button")
                confirm = next(b for m in reversed(fake.messages_to(USER)) for b in m.buttons
                               if b["title"] == "Xác nhận nộp")
                await send(confirm["payload"])  # tapping it sends its payload back
                await wait_until(lambda: any(m.file_token for m in fake.messages_to(USER)),
                                 "the file message")
        finally:
            await db.dispose()
            server.stop()

    sent = fake.messages_to(USER)
    assert all(len(m.text) <= 2000 and len(m.buttons) <= 5 for m in sent)
    assert any(m.text.startswith("Đã nộp báo cáo (bản 1)") for m in sent)
    token = next(m.file_token for m in sent if m.file_token)
    filename, data, _ = fake.uploads[token]
    assert filename.endswith(".docx")
    document = Document(io.BytesIO(data))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])
    assert "SỞ CÔNG THƯƠNG" in text
    assert "25.430" in text and "93,75%" in text  # the seed's documents figures
    assert "Hệ thống cơ sở dữ liệu ngành Công Thương" in text
    assert fake.rejected == []
