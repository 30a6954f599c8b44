"""The Telegram webhook route: check the secret, parse, store in the inbox, answer.

An update is committed to the webhook inbox (:mod:`bot.inbox`) before Telegram gets
its 200; if it cannot be stored the route answers 503 and Telegram delivers it again.
The inbox handles it (the engine's turn committed, the replies sent) one chat at a
time in arrival order, retrying a failed turn; the route waits for that up to
:data:`REPLY_WAIT` seconds, so the reply normally goes out before the 200.
The de-duplication by update id makes a second delivery a no-op."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot import safe_json
from bot.inbox import Inbox
from bot.limited_read import read_at_most

log = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024
#: Seconds the route waits for the update's turn before answering (Telegram waits
#: long for a webhook's answer; the update is stored either way).
REPLY_WAIT = 20.0
#: Seconds storing an update may take before the route answers 503 (Telegram, unlike
#: Zalo, waits for a slow webhook rather than delivering again at once).
STORE_DEADLINE = 10.0


def inbox_handler(application: Application[Any, Any, Any, Any, Any, Any]
                  ) -> Any:
    """The inbox's handler for stored Telegram updates."""

    async def handle(body: str) -> None:
        update = Update.de_json(safe_json.loads(body), application.bot)
        if update is not None:
            await application.process_update(update)

    return handle


def webhook_route(path: str, secret: str, application: Application[Any, Any, Any, Any, Any, Any],
                  inbox: Inbox) -> Route:
    """POST ``path``: Telegram's updates, refused with 403 without the right secret."""
    expected = secret.encode("utf-8")
    inbox.register(CHANNEL, inbox_handler(application))

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, expected):
            log.warning("telegram webhook: request refused (%s secret token)",
                        "wrong" if given else "no")
            return JSONResponse({"error": "forbidden"}, status_code=403)
        try:
            body = await _read(request)
            update = Update.de_json(safe_json.loads(body), application.bot)
        except ClientDisconnect:
            return Response(status_code=400)
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("telegram webhook: malformed update refused")
            return JSONResponse({"error": "malformed update"}, status_code=400)
        if update is None or not isinstance(update.update_id, int):
            return JSONResponse({"error": "malformed update"}, status_code=400)
        chat = update.effective_chat
        user = update.effective_user
        user_key = str(chat.id if chat else user.id if user else f"update:{update.update_id}")
        if not await inbox.accept(CHANNEL, str(update.update_id), user_key, body,
                                  wait=REPLY_WAIT, deadline=STORE_DEADLINE):
            return JSONResponse({"error": "try again"}, status_code=503)
        return Response(status_code=200)

    return Route(path, receive, methods=["POST"], name="telegram_webhook")


async def _read(request: Request) -> bytes:
    body = await read_at_most(request.stream(), MAX_UPDATE_BYTES)
    if body is None:
        raise ValueError("update too large")
    return body
