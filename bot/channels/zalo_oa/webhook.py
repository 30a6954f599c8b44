"""The ``/zalo/oa/webhook`` route: verified events stored in the inbox before the 200,
then handled from there (the engine's turn and its replies, or a signed report)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable

import httpx
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.channels.webhook_state import record_webhook
from bot.channels.zalo_oa.config import (
    CHANNEL,
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    WEBHOOK_PATH,
    OAConfig,
)
from bot.channels.zalo_oa.events import (
    SentFile,
    event_key,
    is_registration_probe,
    parse_event,
    sent_file,
    verify_signature,
)
from bot.channels.zalo_oa.sender import ZaloOAChannel
from bot.inbox import Inbox
from bot.limited_read import read_at_most
from bot.signatures import MAX_PDF_BYTES
from bot.signed_reports import TOO_LARGE, ReceiveDocument
from dialogs.messages import Inbound, Outbound

log = logging.getLogger("bot.channels.zalo_oa")


HandleFn = Callable[[Inbound], Awaitable[list[Outbound]]]


async def _read_limited(request: Request) -> bytes | None:
    return await read_at_most(request.stream(), MAX_BODY_BYTES)


async def download_limited(http: httpx.AsyncClient, url: str, limit: int) -> bytes | None:
    """The file at ``url``; None as soon as it is known to exceed ``limit`` bytes."""
    async with http.stream("GET", url) as response:
        response.raise_for_status()
        return await read_at_most(response.aiter_bytes(), limit,
                                  response.headers.get("content-length"))


def inbox_handler(handle: HandleFn, channel: ZaloOAChannel,
                  receive_document: ReceiveDocument | None = None
                  ) -> Callable[[str], Awaitable[None]]:
    """Handles a stored event: the engine's turn, then its replies, or a sent file (a
    signed report) checked by ``receive_document``. A failed turn raises, so the inbox
    tries again."""

    async def process_file(sent: SentFile) -> None:
        assert receive_document is not None
        if sent.size is not None and sent.size > MAX_PDF_BYTES:
            text: str | None = TOO_LARGE
        else:
            data = await download_limited(channel.http, sent.url, MAX_PDF_BYTES)
            text = TOO_LARGE if data is None else await receive_document(
                CHANNEL, sent.user_id, data, sent.message_id)
        if text:
            await channel.reply(sent.user_id, [Outbound(text)])

    async def process(body: str) -> None:
        payload = json.loads(body)
        sent = sent_file(payload) if receive_document is not None else None
        if sent is not None:
            await channel.interacted(sent.user_id)
            await process_file(sent)
            return
        inbound = parse_event(payload)
        if inbound is None:
            return
        await channel.interacted(inbound.user_id)
        replies = await handle(inbound)
        await channel.reply(inbound.user_id, replies)

    return process


def webhook_routes(config: OAConfig, handle: HandleFn, channel: ZaloOAChannel,
                   inbox: Inbox, receive_document: ReceiveDocument | None = None
                   ) -> list[Route]:
    """The ``/zalo/oa/webhook`` route: verify, store in the inbox, answer 200. A file
    (a signed report) is stored too and goes to ``receive_document`` when given."""
    inbox.register(CHANNEL, inbox_handler(handle, channel, receive_document))

    async def webhook(request: Request) -> Response:
        try:
            body = await _read_limited(request)
        except ClientDisconnect:
            return Response(status_code=400)
        if body is None:
            return JSONResponse({"error": "body too large"}, status_code=413)
        given = request.headers.get(SIGNATURE_HEADER)
        if is_registration_probe(body, given):
            log.info("Zalo OA webhook: the console checked the URL (answered 200)")
            try:
                await record_webhook(channel.uow_factory, channel.clock, CHANNEL,
                                     str(request.url), None)
            except Exception as exc:  # the probe still gets its 200
                log.warning("Zalo OA webhook: probe not recorded: %s", exc)
            return JSONResponse({"ok": True})
        payload = verify_signature(config, body, given)
        if payload is None:
            log.warning("Zalo OA webhook: event refused (%s signature)",
                        "wrong" if given else "no")
            return JSONResponse({"error": "invalid signature"}, status_code=403)
        sent = sent_file(payload) if receive_document is not None else None
        if sent is not None:
            key = sent.message_id or "sha256:" + hashlib.sha256(body).hexdigest()
            if not await inbox.accept(CHANNEL, key, sent.user_id, body, wait=inbox.reply_wait):
                return JSONResponse({"error": "try again"}, status_code=503)
            return JSONResponse({"ok": True})
        inbound = parse_event(payload)
        if inbound is None:
            return JSONResponse({"ok": True})
        if not await inbox.accept(CHANNEL, event_key(inbound, body), inbound.user_id, body,
                                  wait=inbox.reply_wait):
            return JSONResponse({"error": "try again"}, status_code=503)
        return JSONResponse({"ok": True})

    return [Route(WEBHOOK_PATH, webhook, methods=["POST"])]
