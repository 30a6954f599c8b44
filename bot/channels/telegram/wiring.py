"""What a configured Telegram bot adds to a process: the outbox channel, the webhook
route (webhook mode) and the service that runs the bot beside the web app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from telegram.error import InvalidToken, TelegramError

from bot.channels.telegram.handlers import Handle
from bot.channels.telegram.runtime import TelegramBot, webhook_secret
from bot.channels.zalo_wiring import ChannelWiring
from bot.settings import Settings
from bot.signed_reports import pdf_link_text
from dialogs.ports import Clock

log = logging.getLogger(__name__)

MAX_START_DELAY = 300.0


def wire_telegram(settings: Settings, handle: Handle, uow_factory: Callable[[], Any],
                  clock: Clock, **overrides: Any) -> ChannelWiring:
    """Nothing without TELEGRAM_BOT_TOKEN; else the bot, built but not started."""
    wiring = ChannelWiring()
    if not settings.telegram_bot_token:
        return wiring
    options: dict[str, Any] = {
        "token": settings.telegram_bot_token,
        "handle": handle,
        "uow_factory": uow_factory,
        "clock": clock,
        "api_url": settings.telegram_api_url,
        "webhook_url": settings.telegram_webhook_url or None,
        "webhook_secret": webhook_secret(settings) if settings.telegram_webhook_url else None,
        "pdf_link": partial(pdf_link_text, settings.public_url, settings.secret_key),
    }
    options.update(overrides)
    bot = TelegramBot(**options)
    wiring.channels[bot.channel.name] = bot.channel
    wiring.routes.extend(bot.routes)
    wiring.services.append(lambda: run_bot(bot))
    return wiring


async def run_bot(bot: TelegramBot, *, first_delay: float = 5.0) -> None:
    """Start the bot and keep it running until cancelled; an unreachable Bot API at
    start-up is retried with back-off, a wrong token is reported once."""
    delay = first_delay
    while True:
        try:
            await bot.start()
            break
        except InvalidToken:
            log.error("Telegram: TELEGRAM_BOT_TOKEN bị từ chối (sai token); kênh Telegram tắt.")
            return
        except TelegramError as exc:
            log.warning("Telegram: chưa kết nối được Bot API (%s); thử lại sau %.0f s.", exc,
                        delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_START_DELAY)
    try:
        await asyncio.Event().wait()
    finally:
        await bot.stop()
