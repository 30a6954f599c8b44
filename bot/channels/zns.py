"""ZNS (Zalo Notification Service): reminders and notices as an approved template
message to the officer's phone, with no open chat window needed (paid per message).

``POST https://business.openapi.zalo.me/message/template``, header ``access_token``
(the OA's, from :class:`bot.channels.zalo_oa.TokenStore`), JSON ``{phone:
"84912345678", template_id, template_data, tracking_id}`` (zalo-php-sdk; partner
docs eSMS, eTelecom). The template and its parameter names are approved in Zalo's
console beforehand; ``ZALO_ZNS_TEMPLATE_ID`` names it and ``ZALO_ZNS_TEMPLATE_DATA``
maps each parameter to ``"text"`` (the message's text) or to a fixed value
(``"=…"``). ``tracking_id`` is the outbox row's dedupe key, so a retried send carries
the same id and the send is recognised as the same one.

The channel's user id is the phone number, stored normalised (84 + 9 digits).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from bot.settings import Settings
from dialogs.messages import Outbound
from dialogs.phone import normalize_phone, problem
from dialogs.ports import DeliveryError, OutboxItem

log = logging.getLogger(__name__)

__all__ = ["CHANNEL", "PhoneStore", "ZnsChannel", "ZnsConfig", "normalize_phone",
           "phone_problem", "template_data"]

CHANNEL = "zns"
MAX_PARAM = 400  # characters a template parameter carries here
#: ZNS answers that retrying the same message cannot fix
#: (an exhausted quota, -1131, is retried later: the quota renews)
PERMANENT_ERRORS = frozenset({-108, -1123, -1124})


def phone_problem(text: str) -> str:
    """The Vietnamese message for a malformed number."""
    return problem(text)


@dataclass(frozen=True, slots=True)
class ZnsConfig:
    template_id: str
    template_data: dict[str, str]  # parameter -> "text" | "=fixed value"
    api_url: str = "https://business.openapi.zalo.me"

    @classmethod
    def from_settings(cls, settings: Settings) -> ZnsConfig | None:
        template_id = getattr(settings, "zalo_zns_template_id", "") or ""
        if not template_id or not settings.zalo_oa_configured:
            return None
        raw = getattr(settings, "zalo_zns_template_data", "") or '{"noi_dung": "text"}'
        try:
            mapping = json.loads(raw)
        except ValueError:
            log.error("ZALO_ZNS_TEMPLATE_DATA is not JSON: ZNS disabled")
            return None
        return cls(template_id, {str(k): str(v) for k, v in mapping.items()},
                   getattr(settings, "zalo_zns_api_url", cls.api_url).rstrip("/"))


def template_data(config: ZnsConfig, messages: list[Outbound]) -> dict[str, str]:
    text = "\n".join(m.text for m in messages if m.text)
    data = {}
    for param, source in config.template_data.items():
        value = source[1:] if source.startswith("=") else text
        data[param] = value if len(value) <= MAX_PARAM else value[:MAX_PARAM - 1] + "…"
    return data


class PhoneStore:
    """The engine's :class:`dialogs.phone.PhoneBook`: numbers given in the chat."""

    def __init__(self, clock: Any) -> None:
        self.clock = clock

    async def save(self, uow: Any, officer_id: int, phone: str, source: str) -> None:

        await uow.phones.set(officer_id, phone, source, self.clock.now())

    async def from_agency(self, uow: Any, agency_id: int) -> str | None:

        return await uow.phones.get_for_agency(agency_id)


class ZnsChannel:
    """The outbox's channel for ``zns``: one template message per outbox row."""

    name = CHANNEL
    window = None

    def __init__(self, config: ZnsConfig, tokens: Any, http: httpx.AsyncClient) -> None:
        self.config = config
        self.tokens = tokens
        self.http = http

    async def deliver(self, user_id: str, messages: list[Outbound]) -> None:
        await self._send(user_id, messages, tracking_id=None)

    async def deliver_item(self, item: OutboxItem) -> None:
        await self._send(item.user_id, item.messages,
                         tracking_id=item.dedupe_key or f"outbox-{item.id}")

    async def _send(self, phone: str, messages: list[Outbound], *,
                    tracking_id: str | None) -> None:
        payload: dict[str, Any] = {"phone": phone, "template_id": self.config.template_id,
                                   "template_data": template_data(self.config, messages)}
        if tracking_id:
            payload["tracking_id"] = tracking_id[:100]
        token = await self.tokens.current()
        for attempt in (1, 2):
            try:
                response = await self.http.post(f"{self.config.api_url}/message/template",
                                                headers={"access_token": token}, json=payload)
                body = response.json() if response.status_code != 401 else {"error": -216}
            except (httpx.HTTPError, ValueError) as exc:
                raise DeliveryError(f"ZNS unreachable: {exc}") from exc
            code = int(body.get("error") or 0) if isinstance(body, dict) else -1
            if code in (-216, -220, -124) and attempt == 1:
                token = await self.tokens.refresh(token)
                continue
            if code:
                message = body.get("message", "") if isinstance(body, dict) else ""
                raise DeliveryError(f"ZNS {code}: {message}",
                                    permanent=code in PERMANENT_ERRORS)
            return
