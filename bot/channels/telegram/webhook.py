"""The Telegram webhook route: check the secret, parse, process, then answer.

The update is processed (the engine's turn committed, the replies sent) before
Telegram gets its 200: if the process dies first, Telegram delivers the update
again, and the de-duplication by update id makes a second delivery of an update
that was already committed a no-op. (Answering first and processing later would
lose the update in that gap.) One chat's updates are processed in arrival order."""

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
from bot.channels.telegram.updates import ChatOrder

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024


def webhook_route(path: str, secret: str, application: Application[Any, Any, Any, Any, Any, Any]
                  ) -> Route:
    """POST ``path``: Telegram's updates, refused with 403 without the right secret."""
    expected = secret.encode("utf-8")
    ordering = ChatOrder()

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
        async with ordering.turn(chat.id if chat else None):
            await application.process_update(update)
        return Response(status_code=200)

    return Route(path, receive, methods=["POST"], name="telegram_webhook")


async def _read(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPDATE_BYTES:
            raise ValueError("update too large")
        chunks.append(chunk)
    return b"".join(chunks)
