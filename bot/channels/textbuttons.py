"""Buttons for channels that cannot show (all of) them: typed equivalents, long-text splitting.

The engine accepts typed Vietnamese commands ("quay lại", "bỏ qua", "sửa 12" …) and,
for choices, the choice's number or label — which the prompt already lists. So a
button that a channel cannot carry becomes a word in a ``Gõ: …`` line. The one
button with no typed command, picking one of several open reports
(``cmd:continue:<id>``), is offered as ``chọn <id>`` and translated back here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dialogs.commands import Command, parse_callback
from dialogs.messages import Button
from dialogs.vn import fold

#: What the officer types for a command button (without argument).
TYPED: dict[Command, str] = {
    Command.START: "bắt đầu",
    Command.CONTINUE: "tiếp tục",
    Command.BACK: "quay lại",
    Command.SKIP: "bỏ qua",
    Command.REVIEW: "xem lại",
    Command.SUBMIT: "nộp",
    Command.CONFIRM: "xác nhận",
    Command.HELP: "trợ giúp",
    Command.CANCEL: "hủy",
    Command.KEEP: "giữ",
    Command.ADD: "thêm",
    Command.DONE: "xong",
    Command.REMOVE_LAST: "xóa mục cuối",
}
EDIT_ANY = "sửa <số câu>"
_CHOOSE = re.compile(r"^chon\s+(\d{1,9})$")


def flatten(rows: Iterable[Iterable[Button]]) -> list[Button]:
    return [button for row in rows for button in row]


def typed_form(button: Button) -> str | None:
    """What to type instead of tapping ``button``; None for answer buttons (the prompt
    already says how to answer) and unknown data."""
    parsed = parse_callback(button.data)
    if parsed is None or parsed.kind != "cmd" or parsed.command is None:
        return None
    if parsed.command == Command.EDIT:
        return f"sửa {parsed.argument}" if parsed.argument else EDIT_ANY
    if parsed.command == Command.CONTINUE and parsed.argument:
        return f"chọn {parsed.argument}"
    if parsed.command == Command.REVIEW and parsed.argument:
        if parsed.argument.startswith("s") and "p" not in parsed.argument:
            return f"phần {button.label.split()[-1]}"  # "Phần II" -> "phần II"
        return None  # a page of the jump keyboard: "sửa <số câu>" reaches every question
    return TYPED.get(parsed.command)


def typed_hint(buttons: Iterable[Button]) -> str:
    """``Gõ: quay lại · bỏ qua · xem lại`` for the buttons given (several "sửa N"
    collapse into one "sửa <số câu>"); empty when nothing needs typing."""
    words: list[str] = []
    edits = [b for b in buttons if (typed_form(b) or "").startswith("sửa ")]
    for button in buttons:
        word = typed_form(button)
        if word is None:
            continue
        if word.startswith("sửa ") and len(edits) > 2:
            word = EDIT_ANY
        if word.startswith("chọn "):
            word = f"{word} ({button.label})"
        if word not in words:
            words.append(word)
    return ("Gõ: " + " · ".join(words)) if words else ""


def callback_for_typed(text: str) -> str | None:
    """The callback a typed ``chọn <id>`` stands for; None for anything else."""
    match = _CHOOSE.match(fold(text))
    return f"cmd:{Command.CONTINUE.value}:{match.group(1)}" if match else None


def split_text(text: str, limit: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters, at line breaks where
    possible, else at spaces; never returns an empty list."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest:
        pieces.append(rest)
    return pieces
