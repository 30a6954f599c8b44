"""No secret in any log line: tokens, signatures and bot tokens are masked.

The access log would otherwise record ``/admin/login?token=…`` and
``/download/…?sig=…``, and HTTP client logs carry the Telegram bot token in the
URL path (``/bot123:ABC…/sendMessage``). :func:`install` wraps the logging record
factory, so every record of every logger — ours, uvicorn's access log, httpx —
is redacted once, when it is made, whatever handler or formatter writes it. The
message and each string argument are redacted separately, so formatters that
read the arguments (uvicorn's access log) still work.
"""

from __future__ import annotations

import logging
import re
from typing import Any

__all__ = ["REDACTED", "install", "redact"]

REDACTED = "[đã ẩn]"
_SECRET_NAMES = ("token", "sig", "signature", "secret", "secret_token", "access_token",
                 "refresh_token", "code_verifier", "password", "mac")
_QUERY = re.compile(r"(?i)(?<![A-Za-z0-9_])((?:" + "|".join(_SECRET_NAMES)
                    + r")=)[^&\s\"'#<>]+")
_BOT_TOKEN = re.compile(r"(/bot)\d{3,}:[A-Za-z0-9_-]{20,}")
_HEADER = re.compile(
    r"(?i)((?:x-telegram-bot-api-secret-token|x-bot-api-secret-token|access_token|"
    r"refresh_token|app_secret|secret_key|password|authorization|cookie)"
    r"[\"']?\s*[:=]\s*[\"']?(?:bearer\s+|basic\s+)?)[^\s\"',;&}]+")
#: A Telegram bot token anywhere: "<bot id>:<35 characters>".
_TELEGRAM_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")
#: The password in a URL's user information: scheme://user:password@host.
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@/\s]+(@)")


def redact(text: str) -> str:
    """``text`` with everything that looks like a credential replaced by REDACTED."""
    if "=" not in text and "/bot" not in text and ":" not in text:
        return text
    text = _QUERY.sub(lambda m: m.group(1) + REDACTED, text)
    text = _BOT_TOKEN.sub(lambda m: m.group(1) + REDACTED, text)
    text = _TELEGRAM_TOKEN.sub(REDACTED, text)
    text = _URL_PASSWORD.sub(lambda m: m.group(1) + REDACTED + m.group(2), text)
    return _HEADER.sub(lambda m: m.group(1) + REDACTED, text)


def _redact_arg(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


def install() -> None:
    """Redact every log record from now on (idempotent; installs again when something
    replaced the record factory since)."""
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        return record

    factory.redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
