"""The OA's configuration, limits and error codes, and reading an Open API answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from bot.channels import zalo_window
from bot.settings import Settings

CHANNEL = "zalo_oa"
TOKENS_KEY = "zalo_oa:tokens"
WEBHOOK_PATH = "/zalo/oa/webhook"
SIGNATURE_HEADER = "X-ZEvent-Signature"
#: Free consultation messages: within 48 h of the user's last message (zalo_window).
WINDOW = zalo_window.FREE_WINDOW
MAX_TEXT = 2000  # characters in one text message
MAX_BUTTONS = 5  # buttons in one message
MAX_BUTTON_TITLE = 100
MAX_BODY_BYTES = 64 * 1024
BUTTON_PREFIX = "#b:"
#: Error codes meaning "the access token is not (or no longer) valid".
TOKEN_ERRORS = frozenset({-216, -220, -124})
#: Error codes meaning "this user cannot be messaged now" (window, quota, permission).
WINDOW_ERRORS = zalo_window.PERMANENT_ERRORS


@dataclass(frozen=True, slots=True)
class OAConfig:
    app_id: str
    secret_key: str  # OA secret key: webhook signatures
    app_secret: str  # app secret: token refresh
    access_token: str  # initial pair, used until the database holds a newer one
    refresh_token: str
    api_url: str = "https://openapi.zalo.me"
    oauth_url: str = "https://oauth.zaloapp.com"

    @classmethod
    def from_settings(cls, settings: Settings) -> OAConfig | None:
        """The configuration, or None when the OA channel is not configured."""
        if not settings.zalo_oa_configured:
            return None
        return cls(
            app_id=settings.zalo_oa_app_id or "",
            secret_key=settings.zalo_oa_secret_key or "",
            app_secret=settings.zalo_oa_app_secret or "",
            access_token=settings.zalo_oa_access_token or "",
            refresh_token=settings.zalo_oa_refresh_token or "",
            api_url=settings.zalo_oa_api_url.rstrip("/"),
            oauth_url=settings.zalo_oauth_url.rstrip("/"),
        )


class ZaloOAError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Zalo OA error {code}: {message}")
        self.code = code
        self.message = message


def check(response: httpx.Response) -> dict[str, Any]:
    """The body of an API answer; raises ZaloOAError when it reports an error."""
    if response.status_code == 401:
        raise ZaloOAError(-216, "HTTP 401")
    try:
        body = response.json()
    except ValueError:
        raise ZaloOAError(-1, f"HTTP {response.status_code}: not JSON") from None
    if not isinstance(body, dict):
        raise ZaloOAError(-1, f"HTTP {response.status_code}: unexpected body")
    code = body.get("error", 0)
    if response.status_code >= 400 and not code:
        code = -response.status_code
    if code:
        raise ZaloOAError(int(code), str(body.get("message") or body.get("error_description")
                                         or ""))
    return body
