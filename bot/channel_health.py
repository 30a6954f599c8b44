"""Channel health for the operator: ``baocao channels status [--json]`` and the
dashboard panel. For each configured channel: up or not, webhook registered, token
age and expiry, last event received, last send error, messages sent today and the
quota left where the platform has one. Read from the database only (what every
process recorded), so it answers even when a platform is unreachable."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.channels import zalo_oa, zalo_window
from bot.channels.webhook_state import WEBHOOK_KEY


@dataclass
class ChannelHealth:
    channel: str
    label: str
    up: bool
    problem: str | None  # Vietnamese, when not up
    mode: str  # "webhook" | "polling" | "push" (ZNS: sends only)
    webhook_registered: bool | None  # None: not a webhook channel
    webhook_error: str | None
    token_updated_at: dt.datetime | None
    token_expires_at: dt.datetime | None
    last_event_at: dt.datetime | None
    last_error_at: dt.datetime | None
    last_error: str | None
    sent_today: int
    quota_left: int | None  # None: the platform sets none we know of

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, dt.datetime):
                data[key] = value.isoformat()
        return data


def _instant(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None


async def channel_health(boot: Any) -> list[ChannelHealth]:
    settings = boot.settings
    now = boot.clock.now()
    tz = ZoneInfo(settings.timezone)
    midnight = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    out: list[ChannelHealth] = []
    configured = [
        ("telegram", "Telegram", bool(settings.telegram_bot_token),
         "webhook" if settings.telegram_webhook_url else "polling"),
        ("zalo_oa", "Zalo OA", settings.zalo_oa_configured, "webhook"),
        ("zalo_bot", "Zalo Bot", bool(settings.zalo_bot_token),
         "webhook" if settings.zalo_bot_webhook_url else "polling"),
        ("zns", "Zalo ZNS", bool(settings.zalo_zns_template_id and settings.zalo_oa_configured),
         "push"),
    ]
    async with boot.uow_factory() as uow:
        for channel, label, is_on, mode in configured:
            if not is_on:
                continue
            summary = await uow.inbox.summary(channel)
            error_at, error = await uow.outbox.last_send_error(channel)
            hook = await uow.channel_state.get(WEBHOOK_KEY.format(channel=channel)) or {}
            registered: bool | None = None
            if mode == "webhook":
                if channel == "zalo_oa":  # set in Zalo's console: known once it probed
                    registered = True if hook or summary.last_received_at else None
                elif hook:
                    registered = bool(hook.get("registered"))
            token_updated = token_expires = None
            quota: int | None = None
            problem: str | None = None
            if channel in ("zalo_oa", "zns"):  # ZNS sends with the OA's token
                tokens = await uow.channel_state.get(zalo_oa.TOKENS_KEY) or {}
                token_updated = _instant(tokens.get("updated_at"))
                token_expires = _instant(tokens.get("expires_at"))
                if tokens.get("refused_at"):
                    problem = ("Zalo từ chối mã làm mới; chạy: baocao zalo set-token")
                elif token_expires is not None and token_expires <= now:
                    problem = "mã truy cập đã hết hạn"
                if channel == "zalo_oa":
                    quota = await zalo_window.paid_left(uow, settings.zalo_oa_paid_quota, now)
            if problem is None and registered is False:
                problem = f"chưa đăng ký được webhook: {hook.get('error') or 'không rõ'}"
            out.append(ChannelHealth(
                channel=channel, label=label, up=problem is None, problem=problem, mode=mode,
                webhook_registered=registered, webhook_error=hook.get("error"),
                token_updated_at=token_updated, token_expires_at=token_expires,
                last_event_at=summary.last_received_at, last_error_at=error_at,
                last_error=error, sent_today=await uow.outbox.sent_since(channel, midnight),
                quota_left=quota))
    return out
