"""Webhook events: the signature check, the console's probe, events turned into
``Inbound`` and sent files (signed reports)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from bot.channels.textbuttons import callback_for_typed
from bot.channels.zalo_oa.config import BUTTON_PREFIX, CHANNEL, OAConfig
from dialogs.messages import Inbound


def signature(app_id: str, body: bytes, timestamp: str, secret_key: str) -> str:
    """The ``X-ZEvent-Signature`` value Zalo sends for ``body``."""
    digest = hashlib.sha256(
        app_id.encode() + body + timestamp.encode() + secret_key.encode()
    ).hexdigest()
    return f"mac={digest}"


def _digest_of(header: str) -> str:
    """The hex digest of a signature header, with or without its ``mac=`` prefix
    (sources disagree on whether Zalo sends it), lower-cased."""
    value = header.strip()
    if value[:4].lower() == "mac=":
        value = value[4:]
    return value.strip().lower()


def is_registration_probe(body: bytes, header: str | None) -> bool:
    """Whether the request is the console's check when the webhook URL is saved: an
    unsigned POST whose body is ``{}`` (or empty). Zalo keeps the URL only if it gets
    200 (field-vn/zalo CHANGELOG 0.2.0; goclaw's "URL-save ping")."""
    if header and header.strip():
        return False
    if not body.strip():
        return True
    try:
        return json.loads(body.decode("utf-8")) == {}
    except (UnicodeDecodeError, ValueError):
        return False


def verify_signature(config: OAConfig, body: bytes, header: str | None) -> dict[str, Any] | None:
    """The event, if ``header`` is the right signature of ``body``; None otherwise.
    The header may carry ``mac=`` or not; hex is compared case-insensitively."""
    if not header:
        return None
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(payload, dict) or "timestamp" not in payload:
        return None
    expected = signature(config.app_id, body, str(payload["timestamp"]), config.secret_key)
    if not hmac.compare_digest(_digest_of(expected).encode(),
                               _digest_of(header).encode("utf-8", "replace")):
        return None
    return payload


def parse_event(payload: dict[str, Any]) -> Inbound | None:
    """A user's event as an :class:`Inbound`; None for events the bot ignores
    (its own messages, delivery and seen receipts, …)."""
    event = str(payload.get("event_name") or "")
    if event == "follow":
        follower = payload.get("follower") or {}
        user_id = str(follower.get("id") or "")
        if not user_id:
            return None
        return Inbound(CHANNEL, user_id, text="/start",
                       message_id=f"follow:{user_id}:{payload.get('timestamp')}")
    if not event.startswith("user_send_"):
        return None
    user_id = str((payload.get("sender") or {}).get("id") or "")
    message = payload.get("message") or {}
    if not user_id or not isinstance(message, dict):
        return None
    msg_id = message.get("msg_id")
    message_id = str(msg_id) if msg_id else None
    if event != "user_send_text":  # a picture, sticker, file…: show the current step again
        return Inbound(CHANNEL, user_id, message_id=message_id)
    text = str(message.get("text") or "")
    if text.startswith(BUTTON_PREFIX):
        return Inbound(CHANNEL, user_id, callback=text[len(BUTTON_PREFIX):],
                       message_id=message_id)
    callback = callback_for_typed(text)
    if callback is not None:
        return Inbound(CHANNEL, user_id, callback=callback, message_id=message_id)
    return Inbound(CHANNEL, user_id, text=text, message_id=message_id)


def event_key(inbound: Inbound, body: bytes) -> str:
    """The inbox's de-duplication key: Zalo's ``msg_id``, else a digest of the body."""
    return inbound.message_id or "sha256:" + hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class SentFile:
    """A file a user sent (``user_send_file``): Zalo gives a download URL and the size."""

    user_id: str
    url: str
    size: int | None
    name: str
    message_id: str | None


def sent_file(payload: dict[str, Any]) -> SentFile | None:
    """The file of a ``user_send_file`` event (``message.attachments[0].payload``)."""
    if payload.get("event_name") != "user_send_file":
        return None
    user_id = str((payload.get("sender") or {}).get("id") or "")
    message = payload.get("message") or {}
    attachments = message.get("attachments") if isinstance(message, dict) else None
    if not user_id or not isinstance(attachments, list) or not attachments:
        return None
    first = attachments[0] if isinstance(attachments[0], dict) else {}
    data = first.get("payload") or {}
    url = str(data.get("url") or "")
    if not url.startswith(("https://", "http://")):
        return None
    raw_size = str(data.get("size") or "")  # Zalo sends it as a string
    msg_id = message.get("msg_id")
    return SentFile(user_id, url, int(raw_size) if raw_size.isdigit() else None,
                    str(data.get("name") or ""), str(msg_id) if msg_id else None)
