"""Bounded request bodies for every route, enforced in one place.

:class:`BodyLimit` is an ASGI middleware. For each request it picks the limit of
the longest matching path prefix (or the default), then:

* a declared ``Content-Length`` above the limit (or not a number) is answered
  with 413 (400) before the application runs;
* otherwise the body is counted as it streams in (chunked bodies included): the
  application never receives more than the limit. When the count goes over,
  the application is told the client went away (``http.disconnect``), whatever
  it answers is dropped, and the client gets 413.

So no handler can grow the process by more than its limit per request, however
the handler reads the body.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Message = dict[str, Any]

DEFAULT_LIMIT = 64 * 1024
TOO_LARGE = "Nội dung gửi lên quá lớn (tối đa {size})."
BAD_LENGTH = "Yêu cầu không hợp lệ: độ dài nội dung sai."


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} kB"


#: a route's limit: bytes, or bytes and the Vietnamese message of its 413
Limit = int | tuple[int, str]


def _matches(prefix: str, path: str) -> bool:
    """``path`` is ``prefix`` or below it; a ``*`` segment of ``prefix`` matches any one
    segment (``/admin/rounds/*/rollup-signed``)."""
    want = prefix.rstrip("/").split("/")
    have = path.rstrip("/").split("/")
    if len(have) < len(want):
        return False
    return all(w in ("*", h) for w, h in zip(want, have, strict=False))


class BodyLimit:
    """``BodyLimit(app, limits={"/admin/login": 4096, "/upload": (5 << 20, "Tệp …")},
    default=65536)``."""

    def __init__(self, app: Any, *, limits: Mapping[str, Limit] | None = None,
                 default: int = DEFAULT_LIMIT) -> None:
        self.app = app
        self.default = default
        # longest prefix first, so "/admin/login" wins over "/admin"
        self.limits = sorted((limits or {}).items(), key=lambda item: -len(item[0]))

    def rule_for(self, path: str) -> tuple[int, str | None]:
        """The limit of ``path`` and the message of its 413 (None: the general one)."""
        for prefix, limit in self.limits:
            if _matches(prefix, path):
                return limit if isinstance(limit, tuple) else (limit, None)
        return self.default, None

    def limit_for(self, path: str) -> int:
        return self.rule_for(path)[0]

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, message = self.rule_for(scope.get("path", ""))
        too_large = message or TOO_LARGE.format(size=_size(limit))
        declared = [v for k, v in scope.get("headers", []) if k.lower() == b"content-length"]
        if declared:
            try:
                length = int(declared[0])
            except ValueError:
                length = -1
            if length < 0 or (len(declared) > 1 and len(set(declared)) > 1):
                await _answer(send, 400, BAD_LENGTH)
                return
            if length > limit:
                log.warning("request to %r refused: declared body of %d bytes over %d",
                            scope.get("path"), length, limit)
                await _answer(send, 413, too_large)
                return

        received = 0
        overflow = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, overflow
            if overflow:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    overflow = True
                    log.warning("request to %r refused: body over %d bytes",
                                scope.get("path"), limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if overflow:
                return  # the 413 below answers instead
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not overflow:
                raise
        if overflow and not started:
            await _answer(send, 413, too_large)


async def _answer(send: Any, status: int, message: str) -> None:
    body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]})
    await send({"type": "http.response.body", "body": body})
