"""Process logging for ``baocao run``: plain lines, or one JSON object per line
(``BAOCAO_LOG_FORMAT=json``) for a log collector. Either way, secrets never reach
the log: the configured tokens and keys, Telegram bot tokens (they appear in Bot
API URLs), passwords in URLs, ``access_token``/``token``/``secret`` values in query
strings and JSON, and ``Authorization`` headers are replaced by ``[đã ẩn]``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import sys
from collections.abc import Iterable
from typing import Any

from bot.log_redaction import REDACTED, redact

#: LogRecord attributes that are not extra fields.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName"}


class Redactor:
    """Replaces secrets in text: the given values, and anything that looks like one
    (:func:`bot.log_redaction.redact`)."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # long first, so a secret containing another is hidden whole; short values
        # (empty, "1") would hide ordinary text
        self.values = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self.values:
            text = text.replace(value, REDACTED)
        return redact(text)


class RedactingFormatter(logging.Formatter):
    """Plain lines, with secrets hidden (the message, its arguments and the traceback)."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the
    traceback if any, and the record's extra fields; secrets hidden everywhere."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, int | float | bool | None) else str(value)
        return json.dumps({k: self.redact(v) if isinstance(v, str) else v
                           for k, v in entry.items()}, ensure_ascii=False)


def settings_secrets(settings: Any) -> list[str | None]:
    """Every credential the settings hold (tokens, keys, the database password)."""
    from sqlalchemy.engine import make_url

    names = ("secret_key", "telegram_bot_token", "telegram_webhook_secret",
             "zalo_oa_access_token", "zalo_oa_refresh_token", "zalo_oa_secret_key",
             "zalo_oa_app_secret", "zalo_bot_token", "zalo_bot_webhook_secret")
    values: list[str | None] = [getattr(settings, name, None) for name in names]
    with contextlib.suppress(Exception):  # an unparsable URL fails later, with its message
        values.append(make_url(settings.database_url).password)
    return values


def configure_logging(settings: Any, stream: Any = None) -> logging.Handler:
    """Send every logger (uvicorn's too) through one handler on the root logger, in
    the format ``settings.log_format`` names (``text`` or ``json``); return it."""
    redact = Redactor(settings_secrets(settings))
    fmt = str(getattr(settings, "log_format", "text")).lower()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(redact) if fmt == "json" else RedactingFormatter(redact))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(str(settings.log_level).upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.disabled = False  # an earlier dictConfig may have disabled it
        logger.setLevel(logging.NOTSET)  # the root's level decides (uvicorn sets it again)
    return handler
