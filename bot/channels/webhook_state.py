"""Where channels record their webhook registration (read by bot.channel_health)."""

from __future__ import annotations

from typing import Any

#: channel_state key where a channel records its webhook registration
WEBHOOK_KEY = "{channel}:webhook"


async def record_webhook(uow_factory: Any, clock: Any, channel: str, url: str,
                         error: str | None) -> None:
    """A channel tried to register its webhook (``error`` None: it worked)."""
    now = clock.now()
    async with uow_factory() as uow:
        await uow.channel_state.put(WEBHOOK_KEY.format(channel=channel), {
            "url": url, "registered": error is None, "error": error,
            "at": now.isoformat()}, now)
        await uow.commit()
