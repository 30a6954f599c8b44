"""The dashboard's session cookie: signed, stateless, short-lived.

The cookie holds the officer id, a per-session CSRF token and an expiry,
signed with HMAC-SHA256 under the application's secret key. No password is
stored anywhere: a DIC officer logs in with a single-use link
(:mod:`storage.login_tokens`), and the role is checked again on every request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

__all__ = ["COOKIE", "SESSION_SECONDS", "Session", "read_session", "sign_session"]

COOKIE = "baocao_admin"
SESSION_SECONDS = 8 * 3600


@dataclass(frozen=True)
class Session:
    officer_id: int
    csrf: str
    expires: int  # unix time


def _mac(secret_key: str, payload: bytes) -> str:
    key = hashlib.sha256(b"dashboard-session:" + secret_key.encode("utf-8")).digest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def sign_session(secret_key: str, officer_id: int, *, now: float | None = None) -> tuple[str,
                                                                                         Session]:
    now = time.time() if now is None else now
    session = Session(officer_id, secrets.token_urlsafe(24), int(now) + SESSION_SECONDS)
    raw = json.dumps({"o": session.officer_id, "c": session.csrf, "e": session.expires},
                     separators=(",", ":")).encode()
    payload = base64.urlsafe_b64encode(raw).rstrip(b"=")
    return f"{payload.decode()}.{_mac(secret_key, payload)}", session


def read_session(
    secret_key: str, cookie: str | None, *, now: float | None = None
) -> Session | None:
    if not cookie or len(cookie) > 1000 or "." not in cookie:
        return None
    payload, _, mac = cookie.rpartition(".")
    if not hmac.compare_digest(_mac(secret_key, payload.encode()), mac):
        return None
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        data = json.loads(raw)
        session = Session(int(data["o"]), str(data["c"]), int(data["e"]))
    except (ValueError, KeyError, TypeError):
        return None
    if session.expires < (time.time() if now is None else now):
        return None
    return session
