"""Zalo Bot Platform channel: updates ⇄ Inbound, Outbound ⇄ ``sendMessage``.

The platform is a Telegram-like HTTP API at ``<api>/bot<TOKEN>/<method>`` answering
``{"ok": true, "result": …}`` or ``{"ok": false, "error_code": …, "description": …}``.
Updates arrive by long polling (``getUpdates``; ``error_code`` 408 means "nothing
new") or, when ``ZALO_BOT_WEBHOOK_URL`` is set, at ``/zalo/bot/webhook`` with the
header ``X-Bot-Api-Secret-Token`` (403 otherwise); an update may come with or
without the ``{"ok": true, "result": …}`` wrapper. Either way each update is committed
to the durable inbox (:mod:`bot.inbox`) first and handled from there, each user's in
order. The message id becomes ``Inbound.message_id``, so a re-delivery is processed once.

The platform has no buttons and sends no files: buttons become a ``Gõ: …`` line of
typed commands, a document becomes its signed download link, and text is cut into
messages of at most 2,000 characters.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.channels.textbuttons import callback_for_typed, flatten, split_text, typed_hint
from bot.inbox import Inbox
from bot.settings import Settings
from dialogs.messages import DocumentRef, Inbound, Outbound
from dialogs.ports import DeliveryError

log = logging.getLogger(__name__)

CHANNEL = "zalo_bot"
WEBHOOK_PATH = "/zalo/bot/webhook"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
MAX_TEXT = 2000
MAX_BODY_BYTES = 64 * 1024
POLL_TIMEOUT = 30  # seconds the platform holds a getUpdates call open
#: error codes after which retrying the same message cannot help
PERMANENT_ERRORS = frozenset({400, 403, 404})

HandleFn = Callable[[Inbound], Awaitable[list[Outbound]]]


@dataclass(frozen=True, slots=True)
class BotConfig:
    token: str
    api_url: str = "https://bot-api.zaloplatforms.com"
    webhook_url: str = ""  # empty: long polling
    webhook_secret: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> BotConfig | None:
        if not settings.zalo_bot_token:
            return None
        secret = settings.zalo_bot_webhook_secret or derived_secret(settings.secret_key)
        return cls(token=settings.zalo_bot_token, api_url=settings.zalo_bot_api_url.rstrip("/"),
                   webhook_url=settings.zalo_bot_webhook_url, webhook_secret=secret)


def derived_secret(secret_key: str) -> str:
    """A webhook secret every process derives alike from BAOCAO_SECRET_KEY."""
    return hmac.new(secret_key.encode(), b"zalo-bot-webhook", hashlib.sha256).hexdigest()[:48]


class ZaloBotError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"Zalo Bot error {code}: {description}")
        self.code = code
        self.description = description


class ZaloBotApi:
    """The few platform methods the bot uses."""

    def __init__(self, config: BotConfig, http: httpx.AsyncClient) -> None:
        self.config = config
        self.http = http

    async def call(self, method: str, params: dict[str, Any] | None = None,
                   timeout: float | None = None) -> Any:
        url = f"{self.config.api_url}/bot{self.config.token}/{method}"
        try:
            response = await self.http.post(url, json=params or {},
                                            timeout=timeout or self.http.timeout)
            body = response.json()
        except httpx.HTTPError as exc:
            raise ZaloBotError(-1, f"unreachable: {exc}") from exc
        except ValueError:
            raise ZaloBotError(response.status_code, "answer is not JSON") from None
        if not isinstance(body, dict) or not body.get("ok"):
            code = body.get("error_code", response.status_code) if isinstance(body, dict) else -1
            description = body.get("description", "") if isinstance(body, dict) else ""
            raise ZaloBotError(int(code or -1), str(description))
        return body.get("result")

    async def get_me(self) -> dict[str, Any]:
        return dict(await self.call("getMe") or {})

    async def get_updates(self, timeout: int = POLL_TIMEOUT) -> list[dict[str, Any]]:
        try:
            result = await self.call("getUpdates", {"timeout": str(timeout)},
                                     timeout=timeout + 10)
        except ZaloBotError as exc:
            if exc.code == 408:  # the long poll ended without news
                return []
            raise
        if isinstance(result, list):
            return [u for u in result if isinstance(u, dict)]
        return [result] if isinstance(result, dict) else []

    async def set_webhook(self, url: str, secret_token: str) -> None:
        await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook")

    async def send_message(self, chat_id: str, text: str) -> None:
        await self.call("sendMessage", {"chat_id": chat_id, "text": text})


# --------------------------------------------------------------------------- inbound


def unwrap(payload: Any) -> dict[str, Any] | None:
    """The update itself, with or without the ``{"ok": true, "result": …}`` wrapper."""
    if isinstance(payload, dict) and "result" in payload and "event_name" not in payload:
        payload = payload["result"]
    return payload if isinstance(payload, dict) else None


def parse_update(update: dict[str, Any]) -> Inbound | None:
    """A private message as an :class:`Inbound`; None for anything else."""
    event = str(update.get("event_name") or "")
    message = update.get("message")
    if not event.startswith("message.") or not isinstance(message, dict):
        return None
    chat = message.get("chat") or {}
    sender = message.get("from") or {}
    if str(chat.get("chat_type") or "PRIVATE").upper() != "PRIVATE" or sender.get("is_bot"):
        return None
    user_id = str(chat.get("id") or sender.get("id") or "")
    if not user_id:
        return None
    message_id = str(message["message_id"]) if message.get("message_id") else None
    name = sender.get("display_name") or sender.get("name")
    if event != "message.text.received":  # a picture, sticker…: show the current step again
        return Inbound(CHANNEL, user_id, message_id=message_id, display_name=name)
    text = str(message.get("text") or "")
    callback = callback_for_typed(text)
    if callback is not None:
        return Inbound(CHANNEL, user_id, callback=callback, message_id=message_id,
                       display_name=name)
    return Inbound(CHANNEL, user_id, text=text, message_id=message_id, display_name=name)


# --------------------------------------------------------------------------- outbound


def render(out: Outbound, link_for: Callable[[DocumentRef], str],
           pdf_link: Callable[[int], str] | None = None) -> list[str]:
    """The texts sent for one outbound message: a document becomes its DOCX link, then
    (when ``pdf_link`` is set) the "Tải PDF để ký số" link."""
    text = out.text
    if out.document is not None:
        text = f"{text}\n\nTải báo cáo (DOCX): {link_for(out.document)}".strip()
        if pdf_link is not None:
            text = f"{text}\n\n{pdf_link(out.document.submission_id)}"
    hint = typed_hint(flatten(out.buttons))
    if hint:
        text = f"{text}\n\n{hint}" if text else hint
    return split_text(text, MAX_TEXT) if text else []


class ZaloBotChannel:
    """Sends through the Zalo Bot Platform; the outbox's ``Channel`` for ``zalo_bot``."""

    name = CHANNEL
    window = None  # the platform sets no messaging window

    def __init__(self, api: ZaloBotApi, link_for: Callable[[DocumentRef], str]) -> None:
        self.api = api
        self.link_for = link_for
        # submission id -> "Tải PDF để ký số: <signed URL>…" (set by bot/channels/zalo_wiring.py)
        self.pdf_link: Callable[[int], str] | None = None

    async def deliver(self, user_id: str, messages: list[Outbound]) -> None:
        for out in messages:
            for text in render(out, self.link_for, self.pdf_link):
                try:
                    await self.api.send_message(user_id, text)
                except ZaloBotError as exc:
                    raise DeliveryError(f"Zalo Bot {exc.code}: {exc.description}",
                                        permanent=exc.code in PERMANENT_ERRORS) from exc


async def poll(api: ZaloBotApi, inbox: Inbox, *, timeout: int = POLL_TIMEOUT,
               retry_delay: float = 5.0) -> None:
    """Long-poll for updates until cancelled. The platform hands an update out once
    (``getUpdates`` takes no offset to confirm), so each one is committed to the
    durable inbox before the next is asked for, and handled from there like a webhook
    event: each user's in order, other users alongside, once; a process stopped or
    killed meanwhile leaves them stored for the next one (:meth:`Inbox.sweep`)."""
    await api.delete_webhook()
    while True:
        try:
            updates = await api.get_updates(timeout)
        except ZaloBotError as exc:
            log.warning("Zalo Bot: getUpdates failed (%s); retrying", exc)
            await asyncio.sleep(retry_delay)  # a network outage: wait before asking again
            continue
        for update in updates:
            await keep(inbox, update, retry_delay)


async def keep(inbox: Inbox, update: dict[str, Any], retry_delay: float) -> None:
    """Store a polled update in the inbox, however long the database takes: the
    platform will not hand it out again."""
    inbound = parse_update(update)
    if inbound is None:
        return
    body = json.dumps(update, ensure_ascii=False).encode()
    key = inbound.message_id or "sha256:" + hashlib.sha256(body).hexdigest()
    while not await inbox.accept(CHANNEL, key, inbound.user_id, body):
        log.warning("Zalo Bot: update %s not stored yet; trying again", key)
        await asyncio.sleep(retry_delay)


RecordFn = Callable[[str, "str | None"], Awaitable[None]]


async def register_webhook(api: ZaloBotApi, *, record: RecordFn | None = None,
                           first_delay: float = 5.0, max_delay: float = 300.0,
                           sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> int:
    """``setWebhook`` until it succeeds, waiting 5 s, 10 s, … up to 5 min between tries;
    every failure is logged and recorded (``record(url, error)``, shown by
    ``baocao channels status``), so the channel is never silently deaf. Returns the
    number of tries."""
    url = api.config.webhook_url
    delay, tries = first_delay, 0
    while True:
        tries += 1
        try:
            await api.set_webhook(url, api.config.webhook_secret)
        except ZaloBotError as exc:
            log.error("Zalo Bot: setWebhook(%s) failed (%s); trying again in %.0f s", url, exc,
                      delay)
            await _record(record, url, f"{exc.code}: {exc.description}")
            await sleep(delay)
            delay = min(delay * 2, max_delay)
            continue
        log.info("Zalo Bot: webhook set to %s", url)
        await _record(record, url, None)
        return tries


async def _record(record: RecordFn | None, url: str, error: str | None) -> None:
    if record is None:
        return
    try:
        await record(url, error)
    except Exception as exc:  # the status report is a convenience: never stop for it
        log.warning("Zalo Bot: webhook status not recorded: %s", exc)


async def start(api: ZaloBotApi, inbox: Inbox, *, record: RecordFn | None = None) -> None:
    """Run the channel: register the webhook (retrying), or poll into ``inbox`` until
    cancelled (its handler: :func:`inbox_handler`)."""
    try:
        me = await api.get_me()
        log.info("Zalo Bot: connected as %s", me.get("account_name") or me.get("id"))
    except ZaloBotError as exc:
        log.error("Zalo Bot: getMe failed: %s", exc)
    if api.config.webhook_url:
        await register_webhook(api, record=record)
        return
    await poll(api, inbox)


# --------------------------------------------------------------------------- webhook


def inbox_handler(handle: HandleFn, channel: ZaloBotChannel) -> Callable[[str], Awaitable[None]]:
    """Handles a stored update: the engine's turn (a failure raises, so the inbox tries
    again), then its replies (a delivery failure is logged: the turn is committed)."""

    async def process_stored(body: str) -> None:
        update = unwrap(json.loads(body))
        inbound = parse_update(update) if update is not None else None
        if inbound is None:
            return
        replies = await handle(inbound)
        try:
            await channel.deliver(inbound.user_id, replies)
        except DeliveryError as exc:
            log.warning("Zalo Bot: reply to %s not delivered: %s", inbound.user_id, exc.reason)

    return process_stored


def webhook_routes(config: BotConfig, handle: HandleFn, channel: ZaloBotChannel,
                   inbox: Inbox) -> list[Route]:
    """The ``/zalo/bot/webhook`` route: check the secret, store in the inbox, answer 200."""
    expected = config.webhook_secret.encode()
    inbox.register(CHANNEL, inbox_handler(handle, channel))  # (as for polling)

    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not expected or not hmac.compare_digest(given, expected):
            log.warning("Zalo Bot webhook: update refused (%s secret token)",
                        "wrong" if given else "no")
            return JSONResponse({"error": "invalid secret token"}, status_code=403)
        declared = request.headers.get("content-length", "0")
        if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            body = await request.body()
        except ClientDisconnect:
            return Response(status_code=400)
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            update = unwrap(json.loads(body.decode("utf-8")))
        except (UnicodeDecodeError, ValueError):
            return JSONResponse({"error": "not JSON"}, status_code=400)
        inbound = parse_update(update) if update is not None else None
        if inbound is None:
            return JSONResponse({"ok": True})
        key = inbound.message_id or "sha256:" + hashlib.sha256(body).hexdigest()
        if not await inbox.accept(CHANNEL, key, inbound.user_id, body, wait=inbox.reply_wait):
            return JSONResponse({"error": "try again"}, status_code=503)
        return JSONResponse({"ok": True})

    return [Route(WEBHOOK_PATH, webhook, methods=["POST"])]
