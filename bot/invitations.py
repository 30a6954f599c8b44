"""Invitations the DIC hands out: per agency the invite code, the links that bind a
chat to it (web chat, Telegram deep link, Zalo OA) and a QR code of the main link.

Codes are shown once: the database keeps only their hash (:mod:`storage.invites`).
So that the page that shows fresh codes can also print them (PDF, DOCX) without
storing them, the issued list travels in the page as a *sealed* form field: JSON
signed with HMAC-SHA256 under the application's secret key, with an expiry. It
holds nothing the page does not already show.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import time
from dataclasses import asdict, dataclass
from urllib.parse import quote

import segno

from bot.settings import Settings

__all__ = ["Invitation", "open_sealed", "qr_png", "qr_svg_data_uri", "seal", "web_chat_link"]

log = logging.getLogger(__name__)

SEAL_SECONDS = 4 * 3600


@dataclass(frozen=True)
class Invitation:
    agency: str  # "Sở Công Thương"
    abbreviation: str
    code: str
    web_link: str
    telegram_link: str | None = None
    zalo_link: str | None = None

    @property
    def qr_link(self) -> str:
        """The link the QR code carries: Telegram's deep link if configured (it binds
        with one tap), otherwise the web chat link carrying the code."""
        return self.telegram_link or self.web_link


def web_chat_link(settings: Settings, code: str) -> str:
    """``<public_url>/chat?start=<code>``: the web chat page binds with the code."""
    return f"{settings.public_url.rstrip('/')}/chat?start={quote(code, safe='')}"


async def telegram_username(settings: Settings) -> str | None:
    """The bot's @username when Telegram is configured and answers (getMe)."""
    if not settings.telegram_bot_token:
        return None
    from telegram.error import TelegramError

    from bot.channels.telegram.runtime import bot_username

    try:
        return await bot_username(settings.telegram_bot_token, settings.telegram_api_url)
    except (TelegramError, OSError) as exc:
        log.warning("invitations: Telegram getMe failed (%s); no deep links", exc)
        return None


def make_invitation(settings: Settings, agency: str, abbreviation: str, code: str,
                    telegram_user: str | None) -> Invitation:
    from bot.channels.telegram.runtime import deep_link

    return Invitation(
        agency=agency, abbreviation=abbreviation, code=code,
        web_link=web_chat_link(settings, code),
        telegram_link=deep_link(telegram_user, code) if telegram_user else None,
        zalo_link=settings.zalo_oa_link.strip() or None,
    )


def qr_png(link: str, *, scale: int = 6) -> bytes:
    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_svg_data_uri(link: str) -> str:
    """An ``<img src>`` for the page (the dashboard's CSP allows ``data:`` images)."""
    return str(segno.make(link, error="m", micro=False).svg_data_uri(scale=4, border=4))


# -- sealing ------------------------------------------------------------------------------


def _mac(secret_key: str, payload: bytes) -> str:
    key = hashlib.sha256(b"invitations:" + secret_key.encode("utf-8")).digest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def seal(secret_key: str, invitations: list[Invitation], *, now: float | None = None) -> str:
    expires = int(time.time() if now is None else now) + SEAL_SECONDS
    raw = json.dumps({"e": expires, "i": [asdict(i) for i in invitations]},
                     ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    payload = base64.urlsafe_b64encode(raw).rstrip(b"=")
    return f"{payload.decode()}.{_mac(secret_key, payload)}"


def open_sealed(secret_key: str, sealed: str, *, now: float | None = None) -> list[Invitation]:
    """The invitations of :func:`seal`; ``[]`` for a forged, damaged or expired value."""
    payload, _, mac = sealed.strip().rpartition(".")
    if not payload or not hmac.compare_digest(_mac(secret_key, payload.encode()), mac):
        return []
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        if int(data["e"]) < (time.time() if now is None else now):
            return []
        return [Invitation(**item) for item in data["i"]]
    except (ValueError, KeyError, TypeError):
        return []
