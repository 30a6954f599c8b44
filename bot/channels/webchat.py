"""Web chat channel: JSON request ⇄ Inbound, Outbound ⇄ JSON. Nothing else.

Request  ``{"session": str, "text"?: str, "callback"?: str, "message_id"?: str}``
Response ``{"messages": [{"text", "buttons": [[{"label", "data"}]],
"document": {"url", "filename"} | null}]}``
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.downloads import download_path
from bot.signed_reports import pdf_to_sign_path
from dialogs.messages import Inbound, Outbound

CHANNEL = "web"
MAX_BODY_BYTES = 64 * 1024
MAX_FIELD_CHARS = 16 * 1024
SESSION_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MESSAGE_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


class ChatRequestError(Exception):
    """A request the web chat refuses; ``message`` is shown to the user (Vietnamese)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_chat_request(body: bytes) -> Inbound:
    """Validate a raw request body and turn it into an :class:`Inbound`."""
    if len(body) > MAX_BODY_BYTES:
        raise ChatRequestError(413, "Tin nhắn quá dài (tối đa 64 kB).")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ChatRequestError(400, "Yêu cầu không hợp lệ: dữ liệu không phải JSON.") from None
    if not isinstance(payload, dict):
        raise ChatRequestError(400, "Yêu cầu không hợp lệ: cần một đối tượng JSON.")

    session = payload.get("session")
    if not isinstance(session, str) or not SESSION_RE.fullmatch(session):
        raise ChatRequestError(400, "Phiên trò chuyện không hợp lệ. Vui lòng tải lại trang.")

    text = _optional_str(payload, "text", "Nội dung tin nhắn")
    callback = _optional_str(payload, "callback", "Nút bấm")
    message_id = _optional_str(payload, "message_id", "Mã tin nhắn")
    if message_id is not None and not MESSAGE_ID_RE.fullmatch(message_id):
        raise ChatRequestError(400, "Mã tin nhắn không hợp lệ.")
    if callback is not None and callback == "":
        callback = None
    if text is None and callback is None:
        raise ChatRequestError(400, "Tin nhắn trống: hãy nhập nội dung hoặc bấm một nút.")
    return Inbound(
        channel=CHANNEL,
        user_id=session,
        text=text if callback is None else None,
        callback=callback,
        message_id=message_id,
    )


def _optional_str(payload: dict[str, Any], key: str, label: str) -> str | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ChatRequestError(400, f"{label} phải là chuỗi ký tự.")
    if len(value) > MAX_FIELD_CHARS:
        raise ChatRequestError(413, f"{label} quá dài.")
    return value


def outbound_to_json(out: Outbound, secret_key: str) -> dict[str, Any]:
    document = None
    if out.document is not None:
        document = {
            "url": download_path(secret_key, out.document),
            "filename": out.document.filename,
            "caption": out.document.caption,
            # "Tải PDF để ký số": the PDF with empty signature fields (bot/signed_routes.py)
            "pdf_url": pdf_to_sign_path(secret_key, out.document.submission_id),
        }
    return {
        "text": out.text,
        "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in out.buttons],
        "document": document,
    }


async def handle_chat(
    handle: Callable[[Inbound], Awaitable[list[Outbound]]], body: bytes, secret_key: str
) -> dict[str, Any]:
    """Parse, hand to the engine, serialise. Raises :class:`ChatRequestError`."""
    inbound = parse_chat_request(body)
    replies = await handle(inbound)
    return {"messages": [outbound_to_json(out, secret_key) for out in replies]}


def parse_session(body: bytes) -> str:
    """The session of an inbox poll ``{"session": str}``."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ChatRequestError(400, "Yêu cầu không hợp lệ: dữ liệu không phải JSON.") from None
    session = payload.get("session") if isinstance(payload, dict) else None
    if not isinstance(session, str) or not SESSION_RE.fullmatch(session):
        raise ChatRequestError(400, "Phiên trò chuyện không hợp lệ. Vui lòng tải lại trang.")
    return session


async def take_inbox(
    uow_factory: Callable[[], Any], clock: Any, body: bytes, secret_key: str
) -> dict[str, Any]:
    """Messages queued for a web session (reminders, notices), each handed out once."""
    session = parse_session(body)
    async with uow_factory() as uow:
        items = await uow.take_outbox(CHANNEL, session, clock.now())
        await uow.commit()
    messages = [m for item in items for m in item.messages]
    return {"messages": [outbound_to_json(out, secret_key) for out in messages]}
