"""The dashboard's session: a server-side row named by an opaque cookie.

The cookie (HttpOnly, SameSite=Strict, path ``/admin``) holds only a random token;
the session — officer, CSRF token, expiry — lives in ``dashboard_sessions``
(:mod:`storage.repositories.dashboard_sessions`), so logout and the DIC's
"end session" take effect at once. No password is stored anywhere: a DIC officer
logs in with a single-use link (:mod:`storage.login_tokens`), the login form is
accepted only from the dashboard's own origin (login CSRF), and the role is
checked again on every request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["COOKIE", "SESSION_SECONDS", "SESSION_TTL", "Session", "same_origin"]

COOKIE = "baocao_admin"
SESSION_SECONDS = 8 * 3600
SESSION_TTL = dt.timedelta(seconds=SESSION_SECONDS)


@dataclass(frozen=True)
class Session:
    id: int
    officer_id: int
    csrf: str
    expires: dt.datetime


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(headers: dict[str, str] | object, *, scheme: str, host: str | None,
                public_url: str) -> bool:
    """Whether a form post comes from the dashboard's own pages.

    Current browsers say where a request comes from in ``Sec-Fetch-Site``; that is
    trusted first (the dashboard's ``Referrer-Policy: no-referrer`` makes Chromium
    send ``Origin: null`` even for its own forms). Otherwise ``Origin`` must be
    this site's. Without either header (not a browser) the post is allowed: login
    CSRF needs a victim's browser."""
    get = headers.get  # type: ignore[attr-defined]
    fetch_site = get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site.lower() in ("same-origin", "none")
    origin = get("origin")
    if origin is None:
        return True
    allowed = {o for o in (_origin(public_url), _origin(f"{scheme}://{host}" if host else ""))
               if o}
    return origin.lower() in allowed
