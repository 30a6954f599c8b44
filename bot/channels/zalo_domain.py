"""Zalo's domain verification: Zalo accepts a webhook URL only on a verified domain,
and checks the domain by fetching an HTML verifier file (name and content given in
Zalo's developer console) at the site root. The bot serves it from the settings
``ZALO_DOMAIN_VERIFICATION_FILE`` and ``ZALO_DOMAIN_VERIFICATION_CONTENT``."""

from __future__ import annotations

import logging
import re

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bot.settings import Settings

log = logging.getLogger(__name__)

#: what a verifier file's name looks like (e.g. zalo_verifierAbC123.html)
FILE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,200}\.html")


def verification_routes(settings: Settings) -> list[Route]:
    """``GET /<file>`` answering the configured content; nothing when not configured."""
    name = settings.zalo_domain_verification_file.strip().lstrip("/")
    content = settings.zalo_domain_verification_content
    if not name:
        return []
    if not FILE_NAME.fullmatch(name) or ".." in name:
        log.error("ZALO_DOMAIN_VERIFICATION_FILE=%r is not an .html file name: not served",
                  name)
        return []
    if not content:
        log.error("ZALO_DOMAIN_VERIFICATION_CONTENT is empty: %s not served", name)
        return []

    async def verifier(request: Request) -> Response:
        return HTMLResponse(content, headers={"Cache-Control": "no-cache"})

    return [Route(f"/{name}", verifier, methods=["GET", "HEAD"])]
