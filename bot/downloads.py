"""Signed, expiring download links for submitted documents.

A link carries ``exp`` (unix time after which it is refused) and ``sig`` =
HMAC-SHA256(secret_key, "<submission_id>:<exp>") in hex, so only someone who was
sent the link can fetch the file, and only until it expires (default 7 days,
``BAOCAO_DOWNLOAD_LINK_DAYS``). A fresh link is one chat message away ("tải lại").
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import unicodedata
from enum import Enum
from urllib.parse import quote

from bot.settings import Settings
from dialogs.messages import DocumentRef

DEFAULT_LINK_DAYS = 7


class LinkCheck(Enum):
    VALID = "valid"
    INVALID = "invalid"
    EXPIRED = "expired"


def sign_submission(secret_key: str, submission_id: int, expires: int) -> str:
    message = f"{submission_id}:{expires}".encode("ascii")
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def check_link(secret_key: str, submission_id: int, signature: str | None,
               expires: str | None, *, now: float | None = None) -> LinkCheck:
    """Whether a link's ``sig`` and ``exp`` are genuine, and still in date."""
    if not signature or not expires or not (expires.isascii() and expires.isdigit()) \
            or len(expires) > 12:
        return LinkCheck.INVALID
    expected = sign_submission(secret_key, submission_id, int(expires))
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace")):
        return LinkCheck.INVALID
    if int(expires) < (time.time() if now is None else now):
        return LinkCheck.EXPIRED
    return LinkCheck.VALID


def signed_query(secret_key: str, submission_id: int, *, days: int = DEFAULT_LINK_DAYS,
                 now: float | None = None) -> str:
    """``exp=<unix>&sig=<hex>`` for a link to one submission's files."""
    expires = int(time.time() if now is None else now) + days * 86400
    return f"exp={expires}&sig={sign_submission(secret_key, submission_id, expires)}"


def download_path(secret_key: str, ref: DocumentRef, *, days: int = DEFAULT_LINK_DAYS,
                  now: float | None = None) -> str:
    """The site-relative link: ``/download/<id>/<filename>?exp=<unix>&sig=<hex>``."""
    query = signed_query(secret_key, ref.submission_id, days=days, now=now)
    return f"/download/{ref.submission_id}/{quote(ref.filename, safe='')}?{query}"


def make_download_url(settings: Settings, ref: DocumentRef, *, now: float | None = None) -> str:
    """The absolute link, under ``settings.public_url``."""
    return settings.public_url.rstrip("/") + download_path(
        settings.secret_key, ref, days=settings.download_link_days, now=now)


def ascii_filename(filename: str) -> str:
    """A plain-ASCII fallback name: diacritics stripped, unsafe characters replaced."""
    normalized = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in normalized if not unicodedata.combining(ch))
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", stripped).strip("._") or "document"
    return safe


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the RFC 5987 UTF-8 name."""
    fallback = ascii_filename(filename)
    if fallback == filename:
        return f'attachment; filename="{fallback}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
