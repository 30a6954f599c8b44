"""``baocao demo`` (what ``make run`` starts): seeds, prints invite codes, serves."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.e2e.support import (
    cli_env,
    current_prompt,
    free_port,
    http_sender,
    new_session,
    start_server,
)

pytestmark = pytest.mark.slow


def invite_codes(banner: str) -> dict[str, tuple[str, str]]:
    """abbreviation -> (role, code) from the printed table."""
    codes = {}
    for line in banner.splitlines():
        match = re.match(r"^(\S+)\s+.+?\s{2,}(DIC|cán bộ)\s+([A-Z0-9-]{8,})$", line)
        if match:
            codes[match.group(1)] = (match.group(2), match.group(3))
    return codes


def test_demo_prints_codes_that_bind_and_serves_the_chat(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}"
    port = free_port()
    env = cli_env(database_url, tmp_path, port=port)
    server = start_server(env, tmp_path, port, name="demo", command="demo")
    try:
        banner = server.log()
        assert f"Mở http://127.0.0.1:{port}/chat" in banner
        assert "Telegram: chưa cấu hình (đặt TELEGRAM_BOT_TOKEN)" in banner
        codes = invite_codes(banner)
        assert set(codes) >= {"SKHCN", "SCT", "STC", "SNV", "VPUBND", "SYT", "STP", "UBNDXLT"}
        assert codes["SKHCN"][0] == "DIC"
        assert codes["SCT"][0] == "cán bộ"

        page = httpx.get(server.base_url + "/chat")
        assert page.status_code == 200 and "Báo cáo bot" in page.text

        with httpx.Client(timeout=60) as http:
            send = http_sender(http, server.base_url, new_session())
            messages = send(text=codes["SCT"][1].lower())
            assert any("Sở Công Thương" in m["text"] for m in messages)
            prompt = current_prompt(messages)
            assert prompt is not None and prompt["text"].startswith("Câu 1/")
            # a code works once
            again = http_sender(http, server.base_url, new_session())(text=codes["SCT"][1])
            assert "đã được sử dụng" in again[-1]["text"]
    finally:
        server.stop()

    # A second start keeps the data and prints fresh codes.
    server = start_server(env, tmp_path, port, name="demo2", command="demo")
    try:
        second = invite_codes(server.log())
        assert second["SCT"][1] != codes["SCT"][1]
    finally:
        server.stop()
