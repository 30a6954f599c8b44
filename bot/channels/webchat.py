"""Web chat channel: JSON request ⇄ Inbound, Outbound ⇄ JSON. Nothing else.

Request  ``{"session": str, "text"?: str, "callback"?: str, "message_id"?: str}``
Response ``{"messages": [{"text", "buttons": [[{"label", "data"}]],
"document": {"url", "filename"} | null}]}``
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot import safe_json
from dialogs.messages import DocumentRef, Inbound, Outbound

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


def _json(body: bytes) -> Any:
    try:
        return safe_json.loads(body)
    except ValueError:
        raise ChatRequestError(400, "Yêu cầu không hợp lệ: dữ liệu không phải JSON.") from None


def parse_chat_request(body: bytes, origin: str | None = None) -> Inbound:
    """Validate a raw request body and turn it into an :class:`Inbound`.

    The session id is the client's choice, so the message id is scoped to it (one
    session cannot silence another's message by reusing its id), nothing is stored
    for the session until it is bound, and a retried id gets the first replies."""
    if len(body) > MAX_BODY_BYTES:
        raise ChatRequestError(413, "Tin nhắn quá dài (tối đa 64 kB).")
    payload = _json(body)
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
        message_id=None if message_id is None else f"{session}:{message_id}",
        anonymous_until_bound=True,
        replay_replies=True,
        origin=origin,
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


LinkFor = Callable[[DocumentRef], str]


#: submission id -> the site-relative "Tải PDF để ký số" link
PdfLinkFor = Callable[[int], str]


def outbound_to_json(out: Outbound, links: LinkFor,
                     pdf_links: PdfLinkFor | None = None) -> dict[str, Any]:
    document = None
    if out.document is not None:
        document = {
            "url": links(out.document),
            "filename": out.document.filename,
            "caption": out.document.caption,
            # "Tải PDF để ký số": the PDF with empty signature fields (bot/signed_routes.py)
            "pdf_url": pdf_links(out.document.submission_id) if pdf_links else None,
        }
    return {
        "text": out.text,
        "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in out.buttons],
        "document": document,
    }


async def handle_chat(
    handle: Callable[[Inbound], Awaitable[list[Outbound]]], body: bytes, links: LinkFor,
    origin: str | None = None, pdf_links: PdfLinkFor | None = None,
) -> dict[str, Any]:
    """Parse, hand to the engine, serialise. Raises :class:`ChatRequestError`."""
    inbound = parse_chat_request(body, origin)
    replies = await handle(inbound)
    return {"messages": [outbound_to_json(out, links, pdf_links) for out in replies]}


def parse_session(body: bytes) -> str:
    """The session of an inbox poll ``{"session": str}``."""
    payload = _json(body)
    session = payload.get("session") if isinstance(payload, dict) else None
    if not isinstance(session, str) or not SESSION_RE.fullmatch(session):
        raise ChatRequestError(400, "Phiên trò chuyện không hợp lệ. Vui lòng tải lại trang.")
    return session


async def take_inbox(
    uow_factory: Callable[[], Any], clock: Any, body: bytes, links: LinkFor,
    pdf_links: PdfLinkFor | None = None,
) -> dict[str, Any]:
    """Messages queued for a web session (reminders, notices), each handed out once."""
    session = parse_session(body)
    async with uow_factory() as uow:
        items = await uow.outbox.take(CHANNEL, session, clock.now())
        await uow.commit()
    messages = [m for item in items for m in item.messages]
    return {"messages": [outbound_to_json(out, links, pdf_links) for out in messages]}
