"""Running the Telegram bot beside the web app: long polling, or a webhook route."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.routing import BaseRoute
from telegram import Bot
from telegram.ext import BaseRateLimiter

from bot.channels.telegram.handlers import ALLOWED_UPDATES, Handle, api_urls, build_application
from bot.channels.telegram.polling import STOP_GRACE, UpdatePoller
from bot.channels.telegram.webhook import webhook_route
from bot.inbox import Inbox, retrying
from bot.signed_reports import ReceiveDocument
from dialogs.ports import Clock

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
POLL_TIMEOUT = 30  # seconds a getUpdates call may wait for news


def webhook_secret(settings: Settings) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one derived from the secret key (the same in every
    process sharing it); Telegram allows 1–256 characters of A-Z a-z 0-9 _ -."""
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret
    digest = hmac.new(settings.secret_key.encode(), b"telegram-webhook", hashlib.sha256)
    return digest.hexdigest()


def webhook_path(url: str) -> str:
    """The route serving ``TELEGRAM_WEBHOOK_URL``: its path (a proxy maps it through)."""
    path = urlsplit(url).path.rstrip("/")
    return path or DEFAULT_WEBHOOK_PATH


class TelegramBot:
    """The PTB application's lifecycle: ``async with TelegramBot(...) as bot``.

    Polling (default) fetches updates with getUpdates (:class:`UpdatePoller`: an
    update is confirmed to Telegram only once handled); webhook mode registers
    ``webhook_url`` with Telegram and serves :attr:`routes` in the web app.
    """

    def __init__(
        self,
        *,
        token: str,
        handle: Handle,
        uow_factory: Callable[[], Any],
        clock: Clock,
        api_url: str = "https://api.telegram.org",
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        rate_limiter: BaseRateLimiter[Any] | None = None,
        poll_timeout: int = POLL_TIMEOUT,
        stop_grace: float = STOP_GRACE,
        inbox: Inbox | None = None,
        receive_document: ReceiveDocument | None = None,
        pdf_link: Callable[[int], str] | None = None,
    ) -> None:
        if webhook_url and not webhook_secret:
            raise ValueError("webhook mode needs a secret")
        # webhook mode: updates are stored in the inbox and handled from there; an
        # engine failure there is retried instead of answered
        self.inbox = (inbox or Inbox(uow_factory, clock)) if webhook_url else None
        if self.inbox is not None:
            handle = retrying(handle)
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.poll_timeout = poll_timeout
        self.stop_grace = stop_grace
        self.application, self.channel = build_application(
            token=token, handle=handle, uow_factory=uow_factory, clock=clock, api_url=api_url,
            rate_limiter=rate_limiter, receive_document=receive_document, pdf_link=pdf_link,
        )
        self.poller: UpdatePoller | None = None
        if not webhook_url:
            self.poller = UpdatePoller(self.application, timeout=poll_timeout,
                                       allowed_updates=ALLOWED_UPDATES)
        self._running = False
        self._resuming: asyncio.Task[int] | None = None

    @property
    def mode(self) -> str:
        return "webhook" if self.webhook_url else "polling"

    @property
    def routes(self) -> list[BaseRoute]:
        """Routes to mount in the web app (the webhook, in webhook mode)."""
        if not self.webhook_url or not self.webhook_secret or self.inbox is None:
            return []
        return [webhook_route(webhook_path(self.webhook_url), self.webhook_secret,
                              self.application, self.inbox)]

    async def start(self) -> None:
        app = self.application
        await app.initialize()  # getMe: fails here on a wrong token or unreachable API
        try:
            if self.webhook_url:
                await app.bot.set_webhook(self.webhook_url, secret_token=self.webhook_secret,
                                          allowed_updates=ALLOWED_UPDATES)
            else:  # getUpdates answers 409 while a webhook is set; pending updates are kept
                await app.bot.delete_webhook(drop_pending_updates=False)
            await app.start()
        except BaseException:
            await app.shutdown()
            raise
        if self.poller is not None:
            self.poller.start()
        removals = self.channel.sender.removals
        if removals is not None:  # old keyboards a stopped or killed process left
            self._resuming = asyncio.create_task(removals.resume())
        self._running = True
        log.info("telegram: @%s running (%s)", app.bot.username, self.mode)

    async def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        try:
            if self.poller is not None:
                await self.poller.stop(self.stop_grace)
            if self._resuming is not None:
                await asyncio.wait({self._resuming}, timeout=self.stop_grace)
            # old keyboards still being removed in the background (replies went out)
            await self.channel.sender.drain(self.stop_grace)
        finally:
            await self.application.stop()
            await self.application.shutdown()

    async def __aenter__(self) -> TelegramBot:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def bot_username(token: str, api_url: str = "https://api.telegram.org") -> str:
    """The bot's @username (getMe)."""
    base_url, base_file_url = api_urls(api_url)
    async with Bot(token, base_url=base_url, base_file_url=base_file_url) as bot:
        return str(bot.username)


def deep_link(username: str, code: str) -> str:
    """The link an officer taps to bind: Telegram opens the bot and sends /start <code>."""
    return f"https://t.me/{username}?start={code}"
