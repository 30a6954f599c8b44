"""Sending the engine's messages to a Telegram chat, and the outbox's Telegram channel.

Pacing and 429 retries happen below, in the bot's rate limiter. What is left here:
a send that fails part-way reports which parts went out (:class:`PartialSend`), so
the rest can be queued in the outbox instead of being lost or sent twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.channels.telegram.convert import (
    CAPTION_LIMIT,
    CHANNEL,
    Part,
    TextPart,
    keyboard,
    plan,
    unplan,
)
from bot.channels.telegram.keyboards import KeyboardRemovals, OpenKeyboards
from bot.channels.telegram.limiter import bulk_sending
from dialogs.messages import Outbound, to_payload
from dialogs.ports import Clock, DeliveryError

log = logging.getLogger(__name__)

LoadDocument = Callable[[int], Awaitable[tuple[str, bytes] | None]]
RETRY_REST_AFTER = dt.timedelta(seconds=30)
PERMANENT_BAD_REQUESTS = ("chat not found", "user not found", "peer_id_invalid",
                          "bot was blocked", "user is deactivated")


class PartialSend(Exception):
    """Sending stopped at ``rest[0]``; ``sent`` parts went out before it."""

    def __init__(self, sent: int, rest: list[Part], cause: TelegramError) -> None:
        super().__init__(str(cause))
        self.sent = sent
        self.rest = rest
        self.cause = cause

    @property
    def permanent(self) -> bool:
        return is_permanent(self.cause)


def is_permanent(error: TelegramError) -> bool:
    """The chat cannot be reached: the user blocked the bot or the chat does not exist."""
    if isinstance(error, Forbidden):
        return True
    return isinstance(error, BadRequest) and any(
        marker in error.message.lower() for marker in PERMANENT_BAD_REQUESTS
    )


def docx_loader(uow_factory: Callable[[], Any]) -> LoadDocument:
    """Read a submission's DOCX (file name, bytes) from storage."""

    async def load(submission_id: int) -> tuple[str, bytes] | None:
        async with uow_factory() as uow:
            found: tuple[str, bytes] | None = await uow.submissions.docx(submission_id)
            return found

    return load


class TelegramSender:
    """Sends planned parts through a PTB ``Bot``; returns the sent message ids.

    With ``keyboards``, every reply retires the keyboards before it: the chat's
    previous keyboard and any but the last one of the reply itself, so only the
    newest buttons can be tapped (and after a reply without buttons, none)."""

    def __init__(self, bot: Bot, load_document: LoadDocument,
                 keyboards: OpenKeyboards | None = None,
                 pdf_link: Callable[[int], str] | None = None) -> None:
        self.bot = bot
        self.load_document = load_document
        self.removals = KeyboardRemovals(bot, keyboards) if keyboards is not None else None
        self.pdf_link = pdf_link  # submission id -> "Tải PDF để ký số: <url>" (signed reports)

    async def send(self, chat_id: int | str, messages: list[Outbound], *,
                   closed: int | None = None) -> list[int]:
        """``closed``: a keyboard message already closed (the tapped one)."""
        return await self.send_parts(chat_id, plan(messages), closed=closed)

    async def send_parts(self, chat_id: int | str, parts: list[Part], *,
                         closed: int | None = None) -> list[int]:
        sent: list[int] = []
        keyboards: list[int] = []  # this reply's keyboard messages
        try:
            for index, part in enumerate(parts):
                try:
                    sent.append(await self._send_one(chat_id, part))
                except TelegramError as exc:
                    raise PartialSend(index, parts[index:], exc) from exc
                if isinstance(part, TextPart) and part.buttons:
                    keyboards.append(sent[-1])
        finally:
            if sent:
                await self._retire_keyboards(chat_id, keyboards, closed)
        return sent

    async def _retire_keyboards(self, chat_id: int | str, keyboards: list[int],
                                closed: int | None) -> None:
        """Record the chat's newest keyboard and the older ones to remove, then remove
        them in the background (:mod:`bot.channels.telegram.keyboards`)."""
        if self.removals is None:
            return
        stale = await self.removals.keyboards.replace(
            chat_id, keyboards[-1] if keyboards else None, older=keyboards[:-1], closed=closed)
        if stale:
            self.removals.start(chat_id, stale)

    @property
    def retiring(self) -> int:
        """Keyboard removals still under way."""
        return self.removals.under_way if self.removals is not None else 0

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for the keyboard removals under way (at shutdown, and in tests)."""
        if self.removals is not None:
            await self.removals.drain(timeout)

    async def _send_one(self, chat_id: int | str, part: Part) -> int:
        if isinstance(part, TextPart):
            message = await self.bot.send_message(chat_id, part.text,
                                                  reply_markup=keyboard(part.buttons))
            return message.message_id
        found = await self.load_document(part.ref.submission_id)
        if found is None:
            log.error("telegram: submission %s has no document", part.ref.submission_id)
            message = await self.bot.send_message(
                chat_id, "Không tìm thấy tệp báo cáo. Vui lòng gõ \"tiếp tục\" hoặc liên hệ "
                         "đơn vị tổng hợp.")
            return message.message_id
        filename, data = found
        caption = part.caption
        if self.pdf_link is not None:
            link = self.pdf_link(part.ref.submission_id)
            if len(caption) + len(link) + 2 <= CAPTION_LIMIT:
                caption = f"{caption}\n\n{link}" if caption else link
        message = await self.bot.send_document(
            chat_id, document=data, filename=filename or part.ref.filename,
            caption=caption or None,
        )
        return message.message_id


class TelegramChannel:
    """The outbox's way to push messages (reminders, notices) to a Telegram chat."""

    name = CHANNEL
    window: dt.timedelta | None = None  # a bot may write to a user who started it, any time
    #: Sends the outbox may have under way at once: the bot's rate limiter paces them
    #: (30 a second overall), so enough must be waiting for it to never run dry.
    concurrency = 32

    def __init__(self, sender: TelegramSender, uow_factory: Callable[[], Any],
                 clock: Clock) -> None:
        self.sender = sender
        self.uow_factory = uow_factory
        self.clock = clock

    async def deliver(self, user_id: str, messages: list[Outbound]) -> None:
        try:
            with bulk_sending():  # an officer's reply goes before a queued notice
                await self.sender.send(_chat_id(user_id), messages)
        except PartialSend as exc:
            if exc.permanent:
                raise DeliveryError(f"telegram: {exc.cause.message}", permanent=True) from exc
            if exc.sent == 0:
                raise DeliveryError(f"telegram: {exc.cause.message}") from exc
            # Part of it went out: queue only the rest, so nothing is sent twice.
            await queue_rest(self.uow_factory, self.clock, user_id, exc.rest,
                             reason=exc.cause.message)


async def queue_rest(uow_factory: Callable[[], Any], clock: Clock, user_id: str,
                     rest: list[Part], *, reason: str, key: str | None = None) -> None:
    """Put parts that could not be sent into the outbox, to go out later."""
    messages = unplan(rest)
    now = clock.now()
    digest = hashlib.sha256(
        json.dumps(to_payload(messages), ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()[:16]
    dedupe = key or f"telegram:rest:{user_id}:{digest}:{now.isoformat()}"
    async with uow_factory() as uow:
        await uow.outbox.enqueue(CHANNEL, user_id, messages, now=now, dedupe_key=dedupe,
                          not_before=now + RETRY_REST_AFTER)
        await uow.commit()
    log.warning("telegram: %d message(s) to %s queued for later (%s)", len(rest), user_id,
                reason)


def _chat_id(user_id: str) -> int | str:
    try:
        return int(user_id)
    except ValueError:
        return user_id
