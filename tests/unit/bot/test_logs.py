"""Logs as JSON lines (``BAOCAO_LOG_FORMAT=json``) never show a token."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

from bot.logs import REDACTED, configure_logging
from bot.settings import Settings

TG_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


def test_json_logs_hide_tokens(tmp_path: Path) -> None:
    settings = Settings(database_url="postgresql://baocao:pg-pass-123456@db/baocao",
                        data_dir=tmp_path, secret_key="s" * 40, log_format="json",
                        telegram_bot_token=TG_TOKEN, zalo_oa_access_token="zalo-oa-token-xyz-987")
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        configure_logging(settings, stream)
        log = logging.getLogger("baocao.test")
        log.info("POST https://api.telegram.org/bot%s/sendMessage", TG_TOKEN)
        log.warning("Zalo answered for %s", "zalo-oa-token-xyz-987", extra={"agency": "SCT"})
        logging.getLogger("uvicorn.access").info(
            '127.0.0.1 - "GET /admin/login?token=Zm9vYmFyYmF6cXV4 HTTP/1.1" 302')
        log.info("refresh: {\"access_token\": \"fresh-value-never-configured\"}")
        log.info("connecting to postgresql://baocao:pg-pass-123456@db/baocao")
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 5
    assert lines[0]["level"] == "info" and lines[0]["logger"] == "baocao.test"
    assert lines[1]["agency"] == "SCT" and lines[1]["level"] == "warning"
    assert lines[2]["logger"] == "uvicorn.access"
    text = stream.getvalue()
    for secret in (TG_TOKEN, "zalo-oa-token-xyz-987", "Zm9vYmFyYmF6cXV4",
                   "fresh-value-never-configured", "pg-pass-123456"):
        assert secret not in text
    assert text.count(REDACTED) >= 5
