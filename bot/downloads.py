"""Signed download links for submitted documents.

A link carries ``sig`` = HMAC-SHA256(secret_key, str(submission_id)) in hex, so
only someone who was sent the link can fetch the file.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from urllib.parse import quote

from bot.settings import Settings
from dialogs.messages import DocumentRef


def sign_submission(secret_key: str, submission_id: int) -> str:
    mac = hmac.new(secret_key.encode("utf-8"), str(submission_id).encode("ascii"), hashlib.sha256)
    return mac.hexdigest()


def verify_submission(secret_key: str, submission_id: int, signature: str | None) -> bool:
    if not signature:
        return False
    expected = sign_submission(secret_key, submission_id)
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace"))


def download_path(secret_key: str, ref: DocumentRef) -> str:
    """The site-relative link: ``/download/<id>/<filename>?sig=<hex>``."""
    sig = sign_submission(secret_key, ref.submission_id)
    return f"/download/{ref.submission_id}/{quote(ref.filename, safe='')}?sig={sig}"


def make_download_url(settings: Settings, ref: DocumentRef) -> str:
    """The absolute link, under ``settings.public_url``."""
    return settings.public_url.rstrip("/") + download_path(settings.secret_key, ref)


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
