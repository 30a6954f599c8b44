"""A fake of the Zalo Bot Platform API (``/bot<TOKEN>/<method>``), strict where the real one is.

- every method needs the right token in the path (else 401 ``{"ok": false}``);
- ``getUpdates`` long-polls: answers the queued updates, or ``error_code`` 408 after
  ``timeout`` seconds (capped small here); it refuses while a webhook is set;
- ``setWebhook`` needs ``url`` (HTTPS) and a ``secret_token`` of 8–256 characters
  (openclaw extensions/zalo/src/api.ts, docs/channels/zalo.md); ``set_webhook_failures``
  makes the next calls fail as the platform does when it cannot reach the URL;
- ``sendMessage`` needs ``chat_id`` and a text of 1–2,000 characters; chats marked
  ``blocked`` get 403; a chat put on :meth:`FakeZaloBot.hold` keeps its sends waiting
  (a slow reply, or one cut off by a killed bot: :meth:`FakeZaloBot.release`).

Tests push updates with :meth:`FakeZaloBot.push` (for polling) or build a webhook
request with :meth:`FakeZaloBot.webhook_request`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

MAX_POLL_WAIT = 1.0  # seconds a getUpdates call is held open here


@dataclass
class FakeZaloBot:
    token: str = field(default_factory=lambda: f"{secrets.randbelow(10**9)}:{secrets.token_hex(8)}")
    sent: list[tuple[str, str]] = field(default_factory=list)  # (chat_id, text)
    calls: list[str] = field(default_factory=list)  # method names, in order
    blocked: set[str] = field(default_factory=set)
    webhook: dict[str, str] | None = None
    set_webhook_failures: int = 0  # the next setWebhook calls that fail

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[dict[str, Any]] = []
        self._counter = itertools.count(1)
        self._held: dict[str, dict[str, Any]] = {}  # chat -> its hold (state, waiting)
        self.polled = 0  # updates handed out by getUpdates

    # ------------------------------------------------------------ test controls
    def update(self, chat_id: str, text: str, *, name: str = "Nguyễn Văn Bình",
               message_id: str | None = None,
               event_name: str = "message.text.received") -> dict[str, Any]:
        return {
            "event_name": event_name,
            "message": {
                "from": {"id": chat_id, "display_name": name, "is_bot": False},
                "chat": {"id": chat_id, "chat_type": "PRIVATE"},
                "text": text,
                "message_id": message_id or secrets.token_hex(16),
                "date": 1_764_000_000_000,
            },
        }

    def push(self, chat_id: str, text: str, **kwargs: Any) -> None:
        """Queue a user's message for ``getUpdates``."""
        with self._lock:
            self._queue.append(self.update(chat_id, text, **kwargs))

    def webhook_request(self, chat_id: str, text: str, *, wrapped: bool = False,
                        secret: str | None = None, **kwargs: Any) -> tuple[bytes, dict[str, str]]:
        update = self.update(chat_id, text, **kwargs)
        payload = {"ok": True, "result": update} if wrapped else update
        headers = {"Content-Type": "application/json"}
        token = secret if secret is not None else (self.webhook or {}).get("secret_token")
        if token is not None:
            headers["X-Bot-Api-Secret-Token"] = token
        return json.dumps(payload, ensure_ascii=False).encode(), headers

    def hold(self, chat_id: str) -> None:
        """``sendMessage`` to the chat waits until :meth:`release`."""
        with self._lock:
            self._held[chat_id] = {"state": "hold", "waiting": 0}

    def waiting(self, chat_id: str) -> int:
        """Sends to the chat held now."""
        with self._lock:
            return int(self._held.get(chat_id, {}).get("waiting", 0))

    def release(self, chat_id: str, *, lost: bool = False) -> None:
        """End the hold: the held sends go through, or (``lost``: the bot that sent
        them is gone) fail unrecorded. Later sends go through."""
        with self._lock:
            hold = self._held.pop(chat_id, None)
            if hold is not None:
                hold["state"] = "lost" if lost else "go"

    def queued(self) -> int:
        """Updates not handed out yet."""
        with self._lock:
            return len(self._queue)

    def texts_to(self, chat_id: str) -> list[str]:
        with self._lock:
            return [text for chat, text in self.sent if chat == chat_id]

    def count(self) -> int:
        with self._lock:
            return len(self.sent)

    # ---------------------------------------------------------------- the API
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/bot{token}/{method}", self._method,
                                       methods=["GET", "POST"])])

    @staticmethod
    def _fail(code: int, description: str) -> JSONResponse:
        return JSONResponse({"ok": False, "error_code": code, "description": description},
                            status_code=code if code in (401, 404) else 200)

    async def _method(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return self._fail(401, "Unauthorized")
        method = request.path_params["method"]
        raw = await request.body()
        try:
            params = json.loads(raw) if raw else {}
        except ValueError:
            return self._fail(400, "Bad Request: body is not JSON")
        with self._lock:
            self.calls.append(method)
        handler = {
            "getMe": self._get_me, "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook, "deleteWebhook": self._delete_webhook,
            "sendMessage": self._send_message,
        }.get(method)
        if handler is None:
            return self._fail(404, "Not Found: method")
        return await handler(params)

    async def _get_me(self, params: dict[str, Any]) -> JSONResponse:
        return JSONResponse({"ok": True, "result": {"id": "9001", "account_name": "bot.BaoCao",
                                                    "account_type": "BASIC",
                                                    "can_join_groups": False}})

    async def _get_updates(self, params: dict[str, Any]) -> JSONResponse:
        if self.webhook is not None:
            return self._fail(409, "Conflict: webhook is active")
        wait = min(float(params.get("timeout") or 0), MAX_POLL_WAIT)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            with self._lock:
                if self._queue:
                    update = self._queue.pop(0)
                    self.polled += 1
                    return JSONResponse({"ok": True, "result": update})
            if loop.time() >= deadline:
                return self._fail(408, "Request timeout")
            await asyncio.sleep(0.01)  # the fake's long poll: look at the queue again

    async def _set_webhook(self, params: dict[str, Any]) -> JSONResponse:
        if self.set_webhook_failures:
            self.set_webhook_failures -= 1
            return self._fail(500, "Internal Server Error: cannot verify the webhook URL")
        url, secret = params.get("url"), params.get("secret_token")
        if (not url or not str(url).startswith("https://") or not isinstance(secret, str)
                or not 8 <= len(secret) <= 256):
            return self._fail(400, "Bad Request: url and secret_token (8-256 chars) required")
        self.webhook = {"url": url, "secret_token": secret}
        return JSONResponse({"ok": True, "result": {"url": url}})

    async def _delete_webhook(self, params: dict[str, Any]) -> JSONResponse:
        self.webhook = None
        return JSONResponse({"ok": True, "result": {"url": ""}})

    async def _send_message(self, params: dict[str, Any]) -> JSONResponse:
        chat_id, text = params.get("chat_id"), params.get("text")
        if not chat_id or not isinstance(text, str) or not 1 <= len(text) <= 2000:
            return self._fail(400, "Bad Request: chat_id and a text of 1-2000 characters")
        if str(chat_id) in self.blocked:
            return self._fail(403, "Forbidden: the user blocked the bot")
        with self._lock:
            hold = self._held.get(str(chat_id))
            if hold is not None:
                hold["waiting"] += 1
        if hold is not None:
            while hold["state"] == "hold":
                await asyncio.sleep(0.01)  # the fake's held send: look again
            if hold["state"] == "lost":
                return self._fail(500, "Internal Server Error: the connection was lost")
        with self._lock:
            self.sent.append((str(chat_id), text))
            message_id = f"m{next(self._counter)}"
        return JSONResponse({"ok": True, "result": {"message_id": message_id,
                                                    "date": 1_764_000_000_000}})
