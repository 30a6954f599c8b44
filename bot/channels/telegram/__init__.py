"""Telegram channel (python-telegram-bot): an adapter between Telegram and the engine.

- :mod:`convert` — Update -> Inbound, Outbound -> Telegram messages (split, keyboards)
- :mod:`sender` — sending a reply or an outbox notice; :class:`TelegramChannel` for the outbox
- :mod:`handlers` — the PTB callbacks and :func:`build_application`
- :mod:`keyboards` — old keyboards retired after each reply, durably (resumed at start)
- :mod:`limiter` — flood limits: 30 messages/s overall, 1/s per chat, 429 ``retry_after``
- :mod:`updates` — chats processed concurrently, each chat in order
- :mod:`webhook` — the webhook route (secret checked)
- :mod:`runtime` — :class:`TelegramBot`: polling or webhook beside the web app
"""

from bot.channels.telegram.handlers import build_application
from bot.channels.telegram.limiter import TelegramRateLimiter
from bot.channels.telegram.runtime import TelegramBot, bot_username, deep_link
from bot.channels.telegram.sender import TelegramChannel

__all__ = [
    "TelegramBot",
    "TelegramChannel",
    "TelegramRateLimiter",
    "bot_username",
    "build_application",
    "deep_link",
]
