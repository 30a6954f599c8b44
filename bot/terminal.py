"""A terminal conversation: stdin lines in, the bot's replies out as plain text.

Buttons are printed as numbered lines (``[1] Có``); typing ``[1]`` (or ``1`` when
the buttons are answer choices, or a button's label) taps the button. Buttons
whose label is itself a number (the review's "edit question N") are listed on
one line and tapped by typing that number. Documents are saved under
``<data_dir>/exports/``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.bootstrap import Bootstrapped
from bot.downloads import ascii_filename
from dialogs.messages import Button, DocumentRef, Inbound, Outbound
from dialogs.vn import fold
from storage import admin

CHANNEL = "terminal"
INVITE_TTL = dt.timedelta(hours=1)
_BRACKETED = re.compile(r"^\[\s*(\d{1,3})\s*\]$")
_NUMBER = re.compile(r"^\d{1,3}$")

ReadLine = Callable[[], Awaitable[str | None]]
Write = Callable[[str], None]


class TerminalError(Exception):
    """A problem to report to the operator (Vietnamese)."""


@dataclass(slots=True)
class Keyboard:
    """The buttons of the last replies, as the operator sees them."""

    numbered: list[Button] = field(default_factory=list)
    by_label: dict[str, Button] = field(default_factory=dict)

    @classmethod
    def of(cls, replies: list[Outbound]) -> Keyboard:
        keyboard = cls()
        for out in replies:
            for row in out.buttons:
                for button in row:
                    keyboard.by_label.setdefault(fold(button.label), button)
                    if not _NUMBER.match(button.label.strip()):
                        keyboard.numbered.append(button)
        return keyboard

    def resolve(self, line: str) -> str | None:
        """The callback data a typed line stands for, or None to send it as text."""
        text = line.strip()
        bracketed = _BRACKETED.match(text)
        if bracketed:
            index = int(bracketed.group(1))
            if 1 <= index <= len(self.numbered):
                return self.numbered[index - 1].data
        button = self.by_label.get(fold(text)) if text else None
        if button is not None:
            return button.data
        choices = [b for b in self.numbered if b.data.startswith("ans:")]
        if choices and _NUMBER.match(text):
            index = int(text)
            if 1 <= index <= len(self.numbered):
                return self.numbered[index - 1].data
        return None


def format_replies(replies: list[Outbound], saved: dict[int, Path]) -> str:
    """The replies as plain text, buttons numbered in the order :class:`Keyboard` uses."""
    lines: list[str] = []
    counter = 0
    for out in replies:
        lines.append(out.text)
        numeric: list[str] = []
        for row in out.buttons:
            labels = []
            for button in row:
                if _NUMBER.match(button.label.strip()):
                    numeric.append(button.label.strip())
                else:
                    counter += 1
                    labels.append(f"[{counter}] {button.label}")
            if labels:
                lines.append("   ".join(labels))
        if numeric:
            lines.append("Gõ số câu để sửa: " + " ".join(numeric))
        if out.document is not None:
            path = saved.get(out.document.submission_id)
            if path is not None:
                lines.append(f"Đã lưu báo cáo: {path}")
            else:
                lines.append(f"Không lưu được tệp {out.document.filename}.")
        lines.append("")
    return "\n".join(lines)


class TerminalChat:
    """One terminal identity (``terminal:<ABBR>``) talking to the engine."""

    def __init__(self, boot: Bootstrapped, abbreviation: str) -> None:
        self.boot = boot
        self.abbreviation = abbreviation.strip().upper()
        self.user_id = self.abbreviation
        self.keyboard = Keyboard()
        self._counter = 0

    def _inbound(self, *, text: str | None = None, callback: str | None = None) -> Inbound:
        return Inbound(
            channel=CHANNEL,
            user_id=self.user_id,
            text=text,
            callback=callback,
            display_name=f"Terminal {self.abbreviation}",
        )

    async def ensure_bound(self) -> None:
        """Bind this terminal identity to the agency with a fresh invite, silently."""
        async with self.boot.uow_factory() as uow:
            officer = await uow.identities.officer_for(CHANNEL, self.user_id)
            if officer is not None:
                agency = await uow.agencies.get(officer.agency_id)
                if agency is not None and agency.abbreviation.upper() == self.abbreviation:
                    return
            agency = await uow.agencies.by_abbreviation(self.abbreviation)
            if agency is None:
                raise TerminalError(f"Không có cơ quan viết tắt {self.abbreviation}.")
            code = await admin.create_invite(
                uow, agency.id, role="officer", now=self.boot.clock.now(), ttl=INVITE_TTL
            )
            await uow.commit()
        await self.boot.engine.handle(self._inbound(text=code))
        async with self.boot.uow_factory() as uow:
            if await uow.identities.officer_for(CHANNEL, self.user_id) is None:
                raise TerminalError(f"Không liên kết được với {self.abbreviation}.")

    async def send_line(self, line: str) -> list[Outbound]:
        callback = self.keyboard.resolve(line)
        if callback is not None:
            return await self._send(self._inbound(callback=callback))
        return await self._send(self._inbound(text=line))

    async def send_callback(self, data: str) -> list[Outbound]:
        return await self._send(self._inbound(callback=data))

    async def _send(self, inbound: Inbound) -> list[Outbound]:
        replies = await self.boot.engine.handle(inbound)
        if replies:
            self.keyboard = Keyboard.of(replies)
        return replies

    async def save_documents(self, replies: list[Outbound]) -> dict[int, Path]:
        saved: dict[int, Path] = {}
        for out in replies:
            if out.document is not None:
                path = await self.save_document(out.document)
                if path is not None:
                    saved[out.document.submission_id] = path
        return saved

    async def save_document(self, ref: DocumentRef) -> Path | None:
        async with self.boot.uow_factory() as uow:
            found = await uow.submissions.docx(ref.submission_id)
        if found is None:
            return None
        filename, data = found
        folder = self.boot.settings.exports_dir
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / ascii_filename(Path(filename).name)
        path.write_bytes(data)
        return path.resolve()


async def run_terminal(boot: Bootstrapped, abbreviation: str, read: ReadLine, write: Write) -> None:
    """Bind if needed, show the current question, then one line in → replies out until EOF."""
    chat = TerminalChat(boot, abbreviation)
    await chat.ensure_bound()
    replies = await chat.send_callback("cmd:continue")
    write(format_replies(replies, await chat.save_documents(replies)))
    while True:
        line = await read()
        if line is None:
            return
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        replies = await chat.send_line(line)
        write(format_replies(replies, await chat.save_documents(replies)))
