"""A fake Telegram Bot API server on 127.0.0.1, for tests and benchmarks.

The real python-telegram-bot client talks to it over HTTP, as it would to
``api.telegram.org``: point PTB at ``fake.base_url`` / ``fake.base_file_url``.
It runs in its own thread (a ``ThreadingHTTPServer``), so it works from sync code,
async tests, and beside a bot running in a subprocess.

Methods: getMe, getUpdates (long polling: waits up to ``min(timeout, max_poll)``
seconds for an update), sendMessage, sendDocument (multipart upload), getFile and the
file download ``GET /file/bot<token>/<file_path>`` (files a user sent, see
:meth:`FakeTelegramAPI.send_document`; like Telegram, getFile refuses files over
20 MB with "Bad Request: file is too big", per core.telegram.org/bots/api#getfile),
editMessageText, editMessageReplyMarkup, answerCallbackQuery, setWebhook,
deleteWebhook, getWebhookInfo. Anything else answers 404 and is recorded, so a
test can see the bot called something the fake does not know. Checks Telegram
makes are made here too: text ≤ 4,096 characters, caption ≤ 1,024, callback data
≤ 64 bytes, "message is not modified", unknown or twice-answered callback queries.

Typical use::

    with FakeTelegramAPI() as fake:                     # or fake.start() / fake.stop()
        app = (ApplicationBuilder().token(fake.token)
               .base_url(fake.base_url).base_file_url(fake.base_file_url).build())
        update_id = fake.send_text(42, "/start SCT-7K4P")  # the officer writes (getUpdates)
        await fake.wait_confirmed(update_id)                # PTB has queued it …
        await app.update_queue.join()                       # … and handled it
        fake.wait_for(lambda: fake.sent(chat_id=42))        # or: await fake.wait(...)
        fake.tap(42, "Có")                                  # a button of the newest keyboard
        fake.inject(fake.update(update_id))                 # Telegram re-delivers an update
        fake.text_update(42, "nộp")                         # an update to POST to a webhook
        fake.rate_limit("sendMessage", times=1, retry_after=1, after=50)  # the 51st gets 429
        fake.block(43)                                      # 403: bot was blocked by the user
        busiest_second(fake.sent()) ; closest_messages_per_chat(fake.sent())
        fake.wait_idle() ; fake.is_delivered(update_id)  # after killing a bot process:
        # all it sent is in; an update it took but never confirmed will be handed out again

Everything the bot sent is in ``fake.calls`` (every request, with its arrival time
on ``time.monotonic()`` and the HTTP status answered) and ``fake.sent()`` (accepted
messages: ``BotMessage`` with text, keyboard, document bytes, edits).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

T = TypeVar("T")

DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnly_0123456789ab"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
FILE_LIMIT = 20 * 1024 * 1024  # getFile: "file is too big" above this
JSON_FIELDS = frozenset({
    "reply_markup", "allowed_updates", "entities", "caption_entities", "link_preview_options",
    "reply_parameters",
})
INT_FIELDS = frozenset({"chat_id", "message_id", "offset", "limit", "timeout", "cache_time",
                        "max_connections"})


class ApiError(Exception):
    """Answer the request with a Bot API error."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Call:
    """One request the bot made."""

    method: str  # as in the URL, e.g. "sendMessage"
    params: dict[str, Any]  # reply_markup & co. decoded from JSON, ids as int
    files: dict[str, UploadedFile]
    at: float  # time.monotonic() when the request arrived
    status: int  # HTTP status answered

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return value if isinstance(value, int) else None


@dataclass
class BotMessage:
    """A message the bot sent, as it stands now (edits applied)."""

    chat_id: int
    message_id: int
    method: str  # "sendMessage" | "sendDocument"
    at: float  # time.monotonic() when it was accepted
    text: str | None = None
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    document: UploadedFile | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)  # {"method", "at", "text", ...}

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [(b.get("text", ""), b.get("callback_data", "")) for row in rows for b in row]

    @property
    def body(self) -> str:
        return self.text if self.text is not None else (self.caption or "")


class FakeTelegramAPI:
    """See the module docstring. Thread-safe; all state behind one condition."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = "baocao_test_bot",
        first_name: str = "Báo cáo CNTT",
        max_poll: float = 1.0,
        host: str = "127.0.0.1",
    ) -> None:
        if host != "127.0.0.1":
            raise ValueError("the fake listens on 127.0.0.1 only")
        self.token = token
        self.username = username
        self.bot_id = int(token.split(":", 1)[0])
        self.first_name = first_name
        self.max_poll = max_poll
        self.host = host
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] | None = None  # {"url", "secret_token", ...} when set
        self._cond = threading.Condition()
        self._updates: list[dict[str, Any]] = []  # not yet confirmed by an offset
        self._delivered: list[dict[str, Any]] = []  # confirmed
        self._confirmed_below = 0  # the highest offset the bot has asked for
        self._polls = 0  # getUpdates requests received
        self._returned: dict[int, int] = {}  # update id -> the poll that handed it out
        self._redeliveries: set[int] = set()  # re-injected old ids: handed out once more
        self._update_ids = itertools.count(100_001)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._messages: dict[tuple[int, int], BotMessage] = {}
        self._sent: list[BotMessage] = []
        self._queries: dict[str, bool] = {}  # callback query id -> answered
        self._failures: list[dict[str, Any]] = []
        self._blocked: set[int] = set()
        self._users: dict[int, dict[str, Any]] = {}
        self._files: dict[str, bytes] = {}  # file_id -> what a user sent
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self._connections = 0  # HTTP connections open now (a client's keep-alive included)
        self._last_request = 0.0  # time.monotonic() of the newest request

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> FakeTelegramAPI:
        fake = self

        class Handler(_Handler):
            api = fake

        self._server = _Server((self.host, 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-telegram-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeTelegramAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        """For PTB's ``base_url`` (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # ------------------------------------------------------------------ the user side
    def user(self, chat_id: int, first_name: str = "Cán bộ", last_name: str = "") -> None:
        """Name the person behind a private chat (shown as the sender)."""
        with self._cond:
            self._users[chat_id] = {"first_name": first_name, "last_name": last_name}

    def text_update(self, chat_id: int, text: str) -> dict[str, Any]:
        """A new update carrying the user's text (not queued: e.g. to POST to a webhook)."""
        with self._cond:
            message: dict[str, Any] = {
                "message_id": self._next_message_id(chat_id),
                "date": int(time.time()),
                "chat": self._chat(chat_id),
                "from": self._from(chat_id),
                "text": text,
            }
            if text.startswith("/"):
                command = text.split(maxsplit=1)[0]
                message["entities"] = [{"type": "bot_command", "offset": 0,
                                        "length": len(command)}]
            return {"update_id": next(self._update_ids), "message": message}

    def callback_update(self, chat_id: int, message_id: int, data: str) -> dict[str, Any]:
        """A new update: the user taps the button carrying ``data`` under the bot's
        message ``message_id`` (not queued)."""
        with self._cond:
            found = self._messages.get((chat_id, message_id))
            if found is None:
                raise KeyError(f"no bot message {message_id} in chat {chat_id}")
            query_id = uuid.uuid4().hex
            self._queries[query_id] = False
            return {"update_id": next(self._update_ids), "callback_query": {
                "id": query_id,
                "from": self._from(chat_id),
                "chat_instance": f"ci-{chat_id}",
                "data": data,
                "message": self._message_json(found),
            }}

    def document_update(self, chat_id: int, data: bytes, filename: str,
                        mime_type: str = "application/pdf") -> dict[str, Any]:
        """A new update: the user sends a file (kept for getFile; not queued)."""
        with self._cond:
            file_id = f"BQAC-{uuid.uuid4().hex}"
            self._files[file_id] = data
            message = {
                "message_id": self._next_message_id(chat_id), "date": int(time.time()),
                "chat": self._chat(chat_id), "from": self._from(chat_id),
                "document": {"file_id": file_id, "file_unique_id": file_id[-12:],
                             "file_name": filename, "mime_type": mime_type,
                             "file_size": len(data)},
            }
            return {"update_id": next(self._update_ids), "message": message}

    def send_document(self, chat_id: int, data: bytes, filename: str,
                      mime_type: str = "application/pdf") -> int:
        """The user sends a file (queued for getUpdates); returns the update id."""
        return self.inject(self.document_update(chat_id, data, filename, mime_type))

    def file_bytes(self, file_path: str) -> bytes | None:
        with self._cond:
            return self._files.get(file_path.rsplit("/", 1)[-1])

    def send_text(self, chat_id: int, text: str) -> int:
        """The user writes ``text`` in the private chat (queued for getUpdates);
        returns the update id."""
        return self.inject(self.text_update(chat_id, text))

    def press(self, chat_id: int, message_id: int, data: str) -> int:
        """The user taps the button carrying ``data`` under the bot's message."""
        return self.inject(self.callback_update(chat_id, message_id, data))

    def tap(self, chat_id: int, label: str) -> int:
        """Tap the button labelled ``label`` on the newest message that shows it."""
        with self._cond:
            for message in reversed(self._sent):
                if message.chat_id != chat_id:
                    continue
                for text, data in message.buttons:
                    if text == label:
                        return self.press(chat_id, message.message_id, data)
            raise KeyError(f"no button {label!r} in chat {chat_id}")

    def inject(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; ``update_id`` is kept if given (an id the bot
        already took is handed out once more: Telegram re-delivering it)."""
        with self._cond:
            body = {k: v for k, v in update.items() if k != "update_id"}
            return self._push(body, update.get("update_id"))

    def update(self, update_id: int) -> dict[str, Any] | None:
        """A queued or delivered update, by id (for re-delivering it)."""
        with self._cond:
            return next((u for u in self._history if u["update_id"] == update_id), None)

    # ------------------------------------------------------------------ failures
    def rate_limit(self, method: str = "sendMessage", *, times: int = 1, retry_after: int = 1,
                   chat_id: int | None = None, after: int = 0) -> None:
        """After ``after`` more matching requests pass, the next ``times`` are answered
        429 "Too Many Requests" with ``parameters.retry_after``."""
        with self._cond:
            self._failures.append({"method": method, "times": times, "chat_id": chat_id,
                                   "after": after, "code": 429, "retry_after": retry_after})

    def fail(self, method: str, *, code: int = 500, description: str = "Internal Server Error",
             times: int = 1, chat_id: int | None = None, after: int = 0) -> None:
        """Like :meth:`rate_limit`, with any error (e.g. 400 "Bad Request: chat not found")."""
        with self._cond:
            self._failures.append({"method": method, "times": times, "chat_id": chat_id,
                                   "after": after, "code": code, "description": description})

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: sends to the chat answer 403."""
        with self._cond:
            self._blocked.add(chat_id)

    # ------------------------------------------------------------------ observing
    def calls_to(self, method: str | None = None, chat_id: int | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self.calls
                    if (method is None or c.method.lower() == method.lower())
                    and (chat_id is None or c.chat_id == chat_id)]

    def sent(self, chat_id: int | None = None) -> list[BotMessage]:
        """Accepted sendMessage/sendDocument messages, oldest first."""
        with self._cond:
            return [m for m in self._sent if chat_id is None or m.chat_id == chat_id]

    def message(self, chat_id: int, message_id: int) -> BotMessage:
        with self._cond:
            return self._messages[(chat_id, message_id)]

    def last_keyboard(self, chat_id: int) -> BotMessage | None:
        """The newest message in the chat that still shows buttons."""
        with self._cond:
            return next((m for m in reversed(self._sent)
                         if m.chat_id == chat_id and m.buttons), None)

    def documents(self, chat_id: int | None = None) -> list[UploadedFile]:
        return [m.document for m in self.sent(chat_id) if m.document is not None]

    def is_confirmed(self, update_id: int) -> bool:
        """True once getUpdates handed the update out and the bot polled again: PTB has
        put it on its update queue by then (``await application.update_queue.join()``
        then waits until it has been processed)."""
        with self._cond:
            poll = self._returned.get(update_id)
            return poll is not None and self._polls > poll

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)

    def is_delivered(self, update_id: int) -> bool:
        """True once the bot confirmed the update by asking for a higher offset: Telegram
        will not hand it out again (even to a restarted bot). An update handed out but not
        confirmed yet goes to the next getUpdates again."""
        with self._cond:
            return update_id < self._confirmed_below and all(
                u["update_id"] != update_id for u in self._updates)

    def wait_idle(self, quiet: float = 0.1, timeout: float = 10.0) -> None:
        """Block until no HTTP connection is open and no request came for ``quiet``
        seconds: after the bot process died, everything it had sent has been handled."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                now = time.monotonic()
                left = self._last_request + quiet - now if not self._connections else quiet
                if left <= 0:
                    return
                if now >= deadline:
                    raise AssertionError(f"fake Telegram: still busy after {timeout} s "
                                         f"({self._connections} connection(s) open)")
                self._cond.wait(min(left, deadline - now))

    # ------------------------------------------------------------------ waiting
    def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
        """Block until ``predicate()`` is truthy (re-checked whenever the fake's state
        changes); return its value. AssertionError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"fake Telegram: condition not met in {timeout} s")
                self._cond.wait(min(remaining, 0.5))

    async def wait(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
        """``wait_for`` without blocking the event loop."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout)

    async def wait_confirmed(self, update_id: int, timeout: float = 10.0) -> None:
        await self.wait(lambda: self.is_confirmed(update_id), timeout)

    # ------------------------------------------------------------------ internals
    @property
    def _history(self) -> list[dict[str, Any]]:
        return self._updates + self._delivered

    def _push(self, body: dict[str, Any], update_id: int | None) -> int:
        uid = update_id if update_id is not None else next(self._update_ids)
        update = {"update_id": uid, **body}
        if uid in self._returned or uid < self._confirmed_below:  # Telegram delivers it again
            self._redeliveries.add(uid)
            self._returned.pop(uid, None)
        self._updates.append(update)
        self._updates.sort(key=lambda u: u["update_id"])
        self._cond.notify_all()
        return uid

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _chat(self, chat_id: int) -> dict[str, Any]:
        user = self._users.get(chat_id, {"first_name": f"Cán bộ {chat_id}", "last_name": ""})
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        if user.get("last_name"):
            chat["last_name"] = user["last_name"]
        return chat

    def _from(self, chat_id: int) -> dict[str, Any]:
        user = self._users.get(chat_id, {"first_name": f"Cán bộ {chat_id}", "last_name": ""})
        out = {"id": chat_id, "is_bot": False, "first_name": user["first_name"],
               "language_code": "vi"}
        if user.get("last_name"):
            out["last_name"] = user["last_name"]
        return out

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.first_name,
                "username": self.username}

    def _message_json(self, m: BotMessage) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message_id": m.message_id, "date": int(time.time()), "chat": self._chat(m.chat_id),
            "from": self._bot_user(),
        }
        if m.text is not None:
            out["text"] = m.text
        if m.caption:
            out["caption"] = m.caption
        if m.document is not None:
            out["document"] = {"file_id": f"doc-{m.chat_id}-{m.message_id}",
                               "file_unique_id": f"u{m.chat_id}x{m.message_id}",
                               "file_name": m.document.filename,
                               "mime_type": m.document.content_type,
                               "file_size": len(m.document.data)}
        if m.reply_markup:
            out["reply_markup"] = m.reply_markup
        if m.edits:
            out["edit_date"] = int(time.time())
        return out

    def _take_failure(self, method: str, chat_id: Any) -> dict[str, Any] | None:
        for rule in self._failures:
            if rule["method"].lower() != method.lower():
                continue
            if rule["chat_id"] is not None and rule["chat_id"] != chat_id:
                continue
            if rule["after"] > 0:
                rule["after"] -= 1
                continue
            rule["times"] -= 1
            if rule["times"] <= 0:
                self._failures.remove(rule)
            return rule
        return None

    def handle(self, method: str, params: dict[str, Any], files: dict[str, UploadedFile],
               token: str) -> tuple[int, dict[str, Any]]:
        """Answer one request: (HTTP status, JSON body). Records the call."""
        arrived = time.monotonic()
        with self._cond:
            self._last_request = arrived
        status, body = 200, {}
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            if method.lower() == "getupdates":
                result = self._get_updates(params)  # may wait: not under the lock
            else:
                with self._cond:
                    rule = self._take_failure(method, params.get("chat_id"))
                    if rule is not None:
                        raise _failure(rule)
                    result = self._dispatch(method, params, files, arrived)
            body = {"ok": True, "result": result}
        except ApiError as exc:
            status = exc.code
            body = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
        with self._cond:
            self.calls.append(Call(method, params, files, arrived, status))
            self._cond.notify_all()
        return status, body

    def _dispatch(self, method: str, params: dict[str, Any], files: dict[str, UploadedFile],
                  arrived: float) -> Any:
        name = method.lower()
        if name == "getme":
            return {**self._bot_user(), "can_join_groups": False,
                    "can_read_all_group_messages": False, "supports_inline_queries": False}
        if name == "setwebhook":
            if not params.get("url"):
                self.webhook = None
            else:
                self.webhook = {k: params.get(k) for k in
                                ("url", "secret_token", "allowed_updates", "max_connections")}
            return True
        if name == "deletewebhook":
            self.webhook = None
            if params.get("drop_pending_updates") in (True, "true", "True"):
                self._updates.clear()
            return True
        if name == "getwebhookinfo":
            return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                    "pending_update_count": len(self._updates)}
        if name == "sendmessage":
            return self._send(params, arrived, "sendMessage", text=_text(params, "text"))
        if name == "senddocument":
            upload = files.get("document")
            if upload is None:
                raise ApiError(400, "Bad Request: there is no document in the request")
            caption = params.get("caption") or None
            if caption is not None and len(caption) > CAPTION_LIMIT:
                raise ApiError(400, "Bad Request: message caption is too long")
            return self._send(params, arrived, "sendDocument", caption=caption, document=upload)
        if name in ("editmessagetext", "editmessagereplymarkup"):
            return self._edit(name, params, arrived)
        if name == "getfile":
            file_id = str(params.get("file_id", ""))
            data = self._files.get(file_id)
            if data is None:
                raise ApiError(400, "Bad Request: invalid file_id")
            if len(data) > FILE_LIMIT:
                raise ApiError(400, "Bad Request: file is too big")
            return {"file_id": file_id, "file_unique_id": file_id[-12:], "file_size": len(data),
                    "file_path": f"documents/{file_id}"}
        if name == "answercallbackquery":
            query = str(params.get("callback_query_id", ""))
            if self._queries.get(query, True):
                raise ApiError(400, "Bad Request: query is too old and response timeout "
                                    "expired or query ID is invalid")
            self._queries[query] = True
            return True
        raise ApiError(404, "Not Found")

    def _chat_id(self, params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _send(self, params: dict[str, Any], arrived: float, method: str, *,
              text: str | None = None, caption: str | None = None,
              document: UploadedFile | None = None) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        markup = _markup(params)
        message = BotMessage(chat_id=chat_id, message_id=self._next_message_id(chat_id),
                             method=method, at=arrived, text=text, caption=caption,
                             reply_markup=markup, document=document)
        self._messages[(chat_id, message.message_id)] = message
        self._sent.append(message)
        return self._message_json(message)

    def _edit(self, name: str, params: dict[str, Any], arrived: float) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        message = self._messages.get((chat_id, params.get("message_id")))  # type: ignore[arg-type]
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = _markup(params)
        if name == "editmessagetext":
            if message.text is None:
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            text = _text(params, "text")
            if text == message.text and markup == message.reply_markup:
                raise ApiError(400, "Bad Request: message is not modified")
            message.text = text
        elif markup == message.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message.reply_markup = markup
        message.edits.append({"method": name, "at": arrived, "text": message.text,
                              "reply_markup": markup})
        return self._message_json(message)

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = params.get("offset")
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), self.max_poll)
        deadline = time.monotonic() + wait
        with self._cond:
            self._polls += 1
            poll = self._polls
            self._cond.notify_all()
            if self.webhook is not None:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                    "active; use deleteWebhook to delete the webhook first")
            if isinstance(offset, int) and offset > self._confirmed_below:
                done = [u for u in self._updates
                        if u["update_id"] < offset and u["update_id"] not in self._redeliveries]
                self._delivered.extend(done)
                self._updates = [u for u in self._updates if u not in done]
                self._confirmed_below = offset
            while not self._updates and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            batch = self._updates[:limit]
            for u in batch:
                self._returned[u["update_id"]] = poll
                if u["update_id"] in self._redeliveries:  # handed out once more, then gone
                    self._redeliveries.discard(u["update_id"])
                    self._updates.remove(u)
                    self._delivered.append(u)
            return [dict(u) for u in batch]


# ---------------------------------------------------------------------- analysis helpers


def busiest_second(messages: Iterable[BotMessage | Call], window: float = 1.0) -> int:
    """The most messages accepted within any ``window`` seconds (sliding)."""
    times = sorted(m.at for m in messages)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def closest_messages_per_chat(messages: Iterable[BotMessage]) -> float:
    """The shortest gap between two messages to one chat (inf if none repeats)."""
    last: dict[int, float] = {}
    best = float("inf")
    for m in sorted(messages, key=lambda m: m.at):
        if m.chat_id in last:
            best = min(best, m.at - last[m.chat_id])
        last[m.chat_id] = m.at
    return best


# ---------------------------------------------------------------------- HTTP plumbing


def _failure(rule: dict[str, Any]) -> ApiError:
    if rule["code"] == 429:
        after = rule["retry_after"]
        return ApiError(429, f"Too Many Requests: retry after {after}", {"retry_after": after})
    return ApiError(rule["code"], rule["description"])


def _text(params: dict[str, Any], key: str) -> str:
    text = params.get(key)
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(text) > TEXT_LIMIT:
        raise ApiError(400, "Bad Request: message is too long")
    return text


def _markup(params: dict[str, Any]) -> dict[str, Any] | None:
    markup = params.get("reply_markup")
    if not markup:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is not None:
        for row in rows:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        if not any(rows):
            return None
    return markup


def _decode_fields(raw: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in JSON_FIELDS and isinstance(value, str):
            try:
                out[key] = json.loads(value)
            except ValueError:
                out[key] = value
        elif key in INT_FIELDS and isinstance(value, str):
            try:
                out[key] = int(value)
            except ValueError:
                out[key] = value
        else:
            out[key] = value
    return out


def _parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}, {}
    if kind == "application/json":
        data = json.loads(body.decode("utf-8"))
        return ({k: v for k, v in data.items()} if isinstance(data, dict) else {}), {}
    if kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        parsed = BytesParser(policy=policy.HTTP).parsebytes(head + body)
        fields: dict[str, str] = {}
        files: dict[str, UploadedFile] = {}
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                files[str(name)] = UploadedFile(filename, part.get_content_type(), payload)
            else:
                fields[str(name)] = payload.decode(part.get_content_charset() or "utf-8")
        return _decode_fields(fields), files
    form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    return _decode_fields({k: v[-1] for k, v in form.items()}), {}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A bot opens many connections at once (PTB's pool holds up to 256); past the
    # default backlog of 5 the kernel suspects a SYN flood and connections are delayed.
    request_queue_size = 256

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # a client closed its connection
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    api: FakeTelegramAPI
    protocol_version = "HTTP/1.1"
    # Headers and body are written separately: without TCP_NODELAY the body waits for
    # the client's delayed ACK, about 40 ms per request (Telegram answers at once).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def setup(self) -> None:
        super().setup()
        with self.api._cond:
            self.api._connections += 1

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:  # the client is gone: nothing left to flush to
            pass
        finally:
            with self.api._cond:
                self.api._connections -= 1
                self.api._cond.notify_all()

    def do_GET(self) -> None:
        self._serve(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the client died mid-request (killed): nothing arrived
            self.close_connection = True
            return
        self._serve(body)

    def _serve(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        segments = parts.path.strip("/").split("/")
        if len(segments) >= 3 and segments[0] == "file" and segments[1].startswith("bot"):
            data = (self.api.file_bytes("/".join(segments[2:]))
                    if unquote(segments[1][3:]) == self.api.token else None)
            if data is None:
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if len(segments) != 2 or not segments[0].startswith("bot"):
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, method = segments[0][3:], segments[1]
        try:
            params, files = _parse_body(self.headers.get("Content-Type", ""), body)
        except (ValueError, UnicodeDecodeError):
            self._reply(400, {"ok": False, "error_code": 400,
                              "description": "Bad Request: can't parse request"})
            return
        query = parse_qs(parts.query)
        params = {**_decode_fields({k: v[-1] for k, v in query.items()}), **params}
        status, answer = self.api.handle(method, params, files, token)
        self._reply(status, answer)

    def _reply(self, status: int, answer: dict[str, Any]) -> None:
        data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (shutdown)
            pass
