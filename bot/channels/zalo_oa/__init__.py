"""Zalo Official Account channel (Open API v3): webhook events ⇄ Inbound, Outbound ⇄ API calls.

Inbound: Zalo POSTs events to ``/zalo/oa/webhook`` signed with ``X-ZEvent-Signature:
mac=<sha256 hex of app_id + raw body + timestamp + OA secret key>`` (``timestamp``
is the event's own field; the ``mac=`` prefix is optional, the hex case-insensitive).
When the URL is saved in Zalo's console, Zalo POSTs ``{}`` unsigned and keeps the URL
only on 200: that probe gets 200 and nothing else. Other unsigned or mis-signed
requests get 403 and nothing else happens. An accepted event is committed to the
webhook inbox (:mod:`bot.inbox`) before the 200 (503 when it cannot be stored, so Zalo
delivers it again) and handled from there, in order per user. ``msg_id`` is the
inbox's and the engine's de-duplication key.

Outbound: consultation messages (``POST /v3.0/oa/message/cs``, header
``access_token``). Buttons become ``oa.query.hide`` buttons whose payload
(``#b:<callback data>``) comes back as a text message and is turned back into a
callback; buttons a message cannot carry are listed as typed commands. A document
is uploaded (``/v2.0/oa/upload/file``) and sent as a file message.

Zalo answers HTTP 200 with ``{"error": <negative code>, "message": …}`` on failure.
An invalid/expired access token (-216, -220, -124, HTTP 401) is refreshed once and
the call retried once; the token is also refreshed ahead of expiry on a schedule
(:meth:`TokenStore.run`). The refresh token is single use, so one process at a time
refreshes (a lease in the channel-state row ``zalo_oa:tokens``; no database lock is
held during the OAuth call); if another process already refreshed, its token is used.

The package: :mod:`~bot.channels.zalo_oa.config` (settings, limits, error codes),
:mod:`~bot.channels.zalo_oa.events` (signatures, events -> ``Inbound``),
:mod:`~bot.channels.zalo_oa.sender` (``Outbound`` -> API calls; :class:`ZaloOAChannel`),
:mod:`~bot.channels.zalo_oa.tokens` (the token pair), :mod:`~bot.channels.zalo_oa.webhook`
(the route and the inbox handler).
"""

from __future__ import annotations

from bot.channels.zalo_oa.config import (
    CHANNEL,
    SIGNATURE_HEADER,
    TOKENS_KEY,
    WEBHOOK_PATH,
    OAConfig,
    ZaloOAError,
)
from bot.channels.zalo_oa.events import (
    SentFile,
    event_key,
    is_registration_probe,
    parse_event,
    sent_file,
    signature,
    verify_signature,
)
from bot.channels.zalo_oa.sender import ZaloOAChannel, render, split_buttons
from bot.channels.zalo_oa.tokens import TokenRefused, TokenStore, install_tokens
from bot.channels.zalo_oa.webhook import HandleFn, inbox_handler, webhook_routes

__all__ = [
    "CHANNEL",
    "SIGNATURE_HEADER",
    "TOKENS_KEY",
    "WEBHOOK_PATH",
    "HandleFn",
    "OAConfig",
    "SentFile",
    "TokenRefused",
    "TokenStore",
    "ZaloOAChannel",
    "ZaloOAError",
    "event_key",
    "inbox_handler",
    "install_tokens",
    "is_registration_probe",
    "parse_event",
    "render",
    "sent_file",
    "signature",
    "split_buttons",
    "verify_signature",
    "webhook_routes",
]
