"""PTB callbacks: take the input, ask the engine, send the replies. Plus the wiring."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Document, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.telegram.convert import CHANNEL, inbound_from_update, mark_tapped, tapped_label
from bot.channels.telegram.keyboards import OpenKeyboards
from bot.channels.telegram.limiter import TelegramRateLimiter
from bot.channels.telegram.sender import (
    PartialSend,
    TelegramChannel,
    TelegramSender,
    docx_loader,
    queue_rest,
)
from bot.inbox import retry_pending
from bot.signatures import MAX_PDF_BYTES
from bot.signed_reports import TOO_LARGE, ReceiveDocument
from dialogs.messages import Inbound, Outbound
from dialogs.ports import Clock

log = logging.getLogger(__name__)

Handle = Callable[[Inbound], Awaitable[list[Outbound]]]
ALLOWED_UPDATES = ["message", "callback_query"]
SYSTEM_ERROR = "Hệ thống đang gặp sự cố. Anh/Chị vui lòng thử lại sau ít phút."
USED_BUTTON = "Nút này đã được dùng."


class TelegramHandlers:
    """The two PTB callbacks. They translate and relay; the engine decides."""

    def __init__(self, handle: Handle, sender: TelegramSender,
                 uow_factory: Callable[[], Any], clock: Clock,
                 receive_document: ReceiveDocument | None = None) -> None:
        self.handle = handle
        self.sender = sender
        self.uow_factory = uow_factory
        self.clock = clock
        self.receive_document = receive_document

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A message from the officer: to the engine; the replies back to the chat."""
        inbound = inbound_from_update(update, context.bot.username)
        if inbound is None:
            return
        document = update.message.document if update.message is not None else None
        if document is not None and self.receive_document is not None:
            text = await self._on_document(inbound, document, context)
            await self._send(inbound, [Outbound(text)] if text else [])
            return
        replies = await self._ask_engine(inbound)
        await self._send(inbound, replies)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button tap: to the engine; the tapped keyboard is closed; replies back."""
        query = update.callback_query
        inbound = inbound_from_update(update, context.bot.username)
        if query is None or inbound is None:
            return
        replies = await self._ask_engine(inbound)
        if retry_pending():  # the turn failed; the webhook inbox handles the tap again
            return
        try:
            await query.answer(None if replies else USED_BUTTON)
        except BadRequest:
            pass  # the query expired: nothing left to answer
        except TelegramError as exc:  # the turn is committed: its replies still go out
            log.warning("telegram: could not answer a button tap in chat %s: %s",
                        inbound.user_id, exc)
        tapped = query.message if isinstance(query.message, Message) else None
        if replies and tapped is not None:
            await self._close_keyboard(tapped, query.data or "")
        await self._send(inbound, replies, closed=tapped.message_id if tapped else None)

    async def _on_document(self, inbound: Inbound, document: Document,
                           context: ContextTypes.DEFAULT_TYPE) -> str:
        """A file from the officer (a signed report): fetched through getFile unless
        Telegram says it is too large, then verified."""
        assert self.receive_document is not None
        if document.file_size is not None and document.file_size > MAX_PDF_BYTES:
            return TOO_LARGE
        try:
            file = await context.bot.get_file(document.file_id)
            if file.file_size is not None and file.file_size > MAX_PDF_BYTES:
                return TOO_LARGE
            data = bytes(await file.download_as_bytearray())
        except BadRequest as exc:  # "file is too big": over the Bot API's 20 MB
            log.info("telegram: file of chat %s not fetched: %s", inbound.user_id, exc.message)
            return TOO_LARGE if "too big" in exc.message.lower() else SYSTEM_ERROR
        except TelegramError as exc:
            log.warning("telegram: file of chat %s not fetched: %s", inbound.user_id, exc)
            return SYSTEM_ERROR
        try:
            return await self.receive_document(CHANNEL, inbound.user_id, data,
                                               inbound.message_id)
        except Exception:
            log.exception("telegram: signed file of chat %s failed", inbound.user_id)
            return SYSTEM_ERROR

    async def _ask_engine(self, inbound: Inbound) -> list[Outbound]:
        try:
            return await self.handle(inbound)
        except Exception:
            log.exception("telegram: engine failed for chat %s", inbound.user_id)
            return [Outbound(SYSTEM_ERROR)]

    async def _close_keyboard(self, message: Message, data: str) -> None:
        """Remove the keyboard and note the choice, so it cannot be tapped again."""
        label = tapped_label(message, data)
        marked = mark_tapped(message.text, label) if message.text and label else None
        try:
            if marked is not None:
                await message.edit_text(marked, reply_markup=None)
            elif message.reply_markup is not None:
                await message.edit_reply_markup(reply_markup=None)
        except BadRequest as exc:  # "message is not modified", too old to edit …
            log.info("telegram: keyboard of %s not closed: %s", message.message_id, exc.message)
        except TelegramError as exc:
            log.warning("telegram: keyboard of %s not closed: %s", message.message_id, exc)

    async def _send(self, inbound: Inbound, replies: list[Outbound], *,
                    closed: int | None = None) -> None:
        if not replies:
            return
        try:
            await self.sender.send(int(inbound.user_id), replies, closed=closed)
        except PartialSend as exc:
            if exc.permanent:
                log.info("telegram: chat %s unreachable: %s", inbound.user_id, exc.cause.message)
                return
            await queue_rest(self.uow_factory, self.clock, inbound.user_id, exc.rest,
                             reason=exc.cause.message,
                             key=f"telegram:reply:{inbound.message_id}:{exc.sent}")


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("telegram: error while handling an update", exc_info=context.error)


def api_urls(api_url: str) -> tuple[str, str]:
    """PTB's ``base_url`` and ``base_file_url`` for a Bot API server's root URL."""
    root = api_url.rstrip("/")
    return f"{root}/bot", f"{root}/file/bot"


def build_application(
    *,
    token: str,
    handle: Handle,
    uow_factory: Callable[[], Any],
    clock: Clock,
    api_url: str = "https://api.telegram.org",
    rate_limiter: BaseRateLimiter[Any] | None = None,
    receive_document: ReceiveDocument | None = None,
    pdf_link: Callable[[int], str] | None = None,
) -> tuple[Application[Any, Any, Any, Any, Any, Any], TelegramChannel]:
    """The PTB application answering through ``handle``, and the outbox channel that
    shares its bot (and so its rate limiter)."""
    base_url, base_file_url = api_urls(api_url)
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .rate_limiter(rate_limiter or TelegramRateLimiter())
    )
    # no PTB Updater: it confirms updates before they are handled; updates come in
    # through bot.channels.telegram.polling or the webhook route
    application = builder.updater(None).build()
    sender = TelegramSender(application.bot, docx_loader(uow_factory),
                            OpenKeyboards(uow_factory, clock), pdf_link)
    handlers = TelegramHandlers(handle, sender, uow_factory, clock, receive_document)
    application.add_handler(CallbackQueryHandler(handlers.on_callback))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, handlers.on_message))
    application.add_error_handler(_log_error)
    return application, TelegramChannel(sender, uow_factory, clock)
