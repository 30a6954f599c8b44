"""Translation between Telegram and the engine's channel-neutral messages. Nothing else.

Inbound: a PTB ``Update`` (text message or button tap) becomes an :class:`Inbound`.
Outbound: the engine's :class:`Outbound` list becomes a plan of Telegram messages —
text parts (≤ 4,096 characters, split at line breaks) with an inline keyboard on the
last part, and documents. Consecutive plain texts of one reply are joined into one
Telegram message when they fit, because Telegram allows about one message per second
in a chat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from dialogs.messages import Button, DocumentRef, Inbound, Outbound

log = logging.getLogger(__name__)

CHANNEL = "telegram"
TEXT_LIMIT = 4096  # characters of one message (Bot API)
CAPTION_LIMIT = 1024  # characters of a document caption
CALLBACK_DATA_LIMIT = 64  # bytes of a button's callback data
TAPPED_MARK = "✓"


# ----------------------------------------------------------------------------- inbound


def inbound_from_update(update: Update, bot_username: str | None = None) -> Inbound | None:
    """The engine's view of an update, or None for updates the bot ignores."""
    chat = update.effective_chat
    if chat is None:
        return None
    user = update.effective_user
    name = user.full_name if user is not None else None
    query = update.callback_query
    if query is not None:
        message = query.message
        # The tapped keyboard's message, not the update, identifies the tap: a keyboard
        # works once, however often it is tapped or the update re-delivered.
        key = (f"kb:{message.chat.id}:{message.message_id}" if isinstance(message, Message)
               else str(update.update_id))
        return Inbound(CHANNEL, str(chat.id), callback=query.data or "", message_id=key,
                       display_name=name)
    message = update.message
    if message is None:
        return None
    text = message.text if message.text is not None else (message.caption or "")
    return Inbound(CHANNEL, str(chat.id), text=_strip_mention(text, bot_username),
                   message_id=str(update.update_id), display_name=name)


def _strip_mention(text: str, bot_username: str | None) -> str:
    """``/start@baocao_bot CODE`` (group syntax) -> ``/start CODE``."""
    if not bot_username or not text.startswith("/"):
        return text
    head, sep, rest = text.partition(" ")
    suffix = f"@{bot_username}"
    if head.lower().endswith(suffix.lower()):
        head = head[: -len(suffix)]
    return f"{head}{sep}{rest}"


# ---------------------------------------------------------------------------- outbound


@dataclass(frozen=True, slots=True)
class TextPart:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DocumentPart:
    ref: DocumentRef
    caption: str = ""


Part = TextPart | DocumentPart


def plan(messages: list[Outbound]) -> list[Part]:
    """The Telegram messages that carry ``messages``, in order."""
    parts: list[Part] = []
    pending: list[str] = []  # plain texts waiting to be joined with what follows

    def flush(buttons: list[list[Button]] | None = None) -> None:
        if pending or buttons:
            chunks = split_text("\n\n".join(pending)) if pending else []
            if not chunks:
                chunks = ["…"]  # a keyboard needs a text to hang from
            parts.extend(TextPart(c) for c in chunks[:-1])
            parts.append(TextPart(chunks[-1], buttons or []))
        pending.clear()

    for out in messages:
        text = out.text.strip()
        if out.document is not None:
            if out.buttons or len(text) > CAPTION_LIMIT:
                if text:
                    pending.append(text)
                flush(out.buttons)
                parts.append(DocumentPart(out.document, out.document.caption[:CAPTION_LIMIT]))
            else:
                flush()
                parts.append(DocumentPart(out.document, text or out.document.caption))
            continue
        if text and pending and len("\n\n".join([*pending, text])) > TEXT_LIMIT:
            flush()
        if text:
            pending.append(text)
        if out.buttons:
            flush(out.buttons)
    flush()
    return parts


def unplan(parts: list[Part]) -> list[Outbound]:
    """Outbound messages that plan back into ``parts`` (to queue what was not sent)."""
    out: list[Outbound] = []
    for part in parts:
        if isinstance(part, TextPart):
            out.append(Outbound(part.text, part.buttons))
        else:
            out.append(Outbound(part.caption, document=part.ref))
    return out


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at line breaks (else spaces)."""
    text = text.strip()
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        head, text = text[:cut].rstrip(), text[cut:].strip()
        if head:
            pieces.append(head)
    if text:
        pieces.append(text)
    return pieces


def keyboard(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    """An inline keyboard; a button whose data would exceed Telegram's 64 bytes is left
    out (its action can still be typed) rather than sent cut and meaningless."""
    out: list[list[InlineKeyboardButton]] = []
    for row in rows:
        kept = []
        for button in row:
            if len(button.data.encode("utf-8")) > CALLBACK_DATA_LIMIT:
                log.warning("telegram: button %r dropped, data %r over 64 bytes",
                            button.label, button.data)
                continue
            kept.append(InlineKeyboardButton(button.label, callback_data=button.data))
        if kept:
            out.append(kept)
    return InlineKeyboardMarkup(out) if out else None


def tapped_label(message: Message, data: str) -> str | None:
    """The label of the button carrying ``data`` on ``message``'s keyboard."""
    markup = message.reply_markup
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def mark_tapped(text: str, label: str) -> str | None:
    """The tapped message's text with the choice appended, or None if it would not fit."""
    marked = f"{text}\n\n{TAPPED_MARK} {label}"
    return marked if len(marked) <= TEXT_LIMIT else None
