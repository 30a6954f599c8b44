"""No token, signature or bot token in any log line, whichever logger writes it."""

from __future__ import annotations

import io
import logging

import pytest
from uvicorn.logging import AccessFormatter

from bot import log_redaction

LOGIN_TOKEN = "Zq3vW9xYk2LmN8pR4sT6uV0aB1cD5eF7gH9iJ2kL4mN"
SIG = "9f2c" * 16
BOT_TOKEN = "123456789:AAHk3mZx9QwErTyUiOpAsDfGhJkLzXcVbNm"


@pytest.fixture(autouse=True)
def redacting() -> None:
    log_redaction.install()


def _written(logger: logging.Logger, formatter: logging.Formatter, *args: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)  # (setLevel, not .level =: it clears the level cache)
    # an earlier test's logging config (uvicorn's dictConfig) may have disabled it
    old_disabled, logger.disabled = logger.disabled, False
    try:
        logger.info(*args)  # type: ignore[arg-type]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.disabled = old_disabled
    return stream.getvalue()


def test_the_access_log_hides_login_tokens_and_download_signatures() -> None:
    access = logging.getLogger("uvicorn.access")
    formatter = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s',
                                use_colors=False)
    login = _written(access, formatter, '%s - "%s %s HTTP/%s" %d', "203.0.113.7:5000",
                     "GET", f"/admin/login?token={LOGIN_TOKEN}", "1.1", 200)
    download = _written(access, formatter, '%s - "%s %s HTTP/%s" %d', "203.0.113.7:5000",
                        "GET", f"/download/7/BC.docx?exp=1797000000&sig={SIG}", "1.1", 200)
    assert LOGIN_TOKEN not in login and "/admin/login?token=[đã ẩn]" in login
    assert SIG not in download and "exp=1797000000&sig=[đã ẩn]" in download
    assert '"GET /download/7/BC.docx' in download and "200" in download


def test_http_client_logs_hide_the_telegram_bot_token() -> None:
    line = _written(logging.getLogger("httpx"), logging.Formatter("%(message)s"),
                    'HTTP Request: %s %s "%s"', "POST",
                    f"https://api.telegram.org/bot{BOT_TOKEN}/sendMessage", "HTTP/1.1 200 OK")
    assert BOT_TOKEN not in line and "/bot[đã ẩn]/sendMessage" in line


def test_our_own_messages_are_redacted_too() -> None:
    line = _written(logging.getLogger("bot.test"), logging.Formatter("%(message)s"),
                    "webhook from https://x.vn/hook?secret_token=abc123&access_token=zzz9 "
                    "X-Telegram-Bot-Api-Secret-Token: s3cr3t")
    assert "abc123" not in line and "zzz9" not in line and "s3cr3t" not in line
    plain = "tỷ lệ 98,88% — câu 3: 56 người"
    assert log_redaction.redact(plain) == plain
