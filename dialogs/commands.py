"""Typed commands and button callbacks, in Vietnamese with English aliases."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from dialogs.vn import fold


class Command(StrEnum):
    START = "start"
    CONTINUE = "continue"
    BACK = "back"
    SKIP = "skip"
    REVIEW = "review"
    EDIT = "edit"
    SUBMIT = "submit"
    CONFIRM = "confirm"
    HELP = "help"
    CANCEL = "cancel"
    KEEP = "keep"  # keep last period's / the current / the default value
    ADD = "add"  # repeat: add an item
    DONE = "done"  # repeat: no more items
    REMOVE_LAST = "remove_last"  # repeat: drop the last item
    DASHBOARD = "dashboard"  # DIC officers: a single-use login link to the web dashboard
    DOCUMENT = "document"  # the last submitted document again, with a fresh download link
    PDF_TO_SIGN = "pdf_to_sign"  # the submitted report again, with its "PDF để ký số" link


# Folded (lower-case, no diacritics) words -> command. A leading "/" is ignored.
_WORDS: dict[str, Command] = {
    "start": Command.START, "bat dau": Command.START,
    "tiep tuc": Command.CONTINUE, "tiep": Command.CONTINUE, "continue": Command.CONTINUE,
    "tieptuc": Command.CONTINUE, "resume": Command.CONTINUE,
    "quay lai": Command.BACK, "quaylai": Command.BACK, "back": Command.BACK, "lui": Command.BACK,
    "bo qua": Command.SKIP, "boqua": Command.SKIP, "skip": Command.SKIP,
    "xem lai": Command.REVIEW, "xemlai": Command.REVIEW, "review": Command.REVIEW,
    "nop": Command.SUBMIT, "nop bao cao": Command.SUBMIT, "submit": Command.SUBMIT,
    "xac nhan": Command.CONFIRM, "xac nhan nop": Command.CONFIRM, "confirm": Command.CONFIRM,
    "tro giup": Command.HELP, "huong dan": Command.HELP, "help": Command.HELP, "?": Command.HELP,
    "huy": Command.CANCEL, "dung": Command.CANCEL, "tam dung": Command.CANCEL,
    "cancel": Command.CANCEL, "pause": Command.CANCEL,
    "giu": Command.KEEP, "giu nguyen": Command.KEEP, "giu nhu ky truoc": Command.KEEP,
    "keep": Command.KEEP,
    "them": Command.ADD, "them muc": Command.ADD, "add": Command.ADD,
    "xong": Command.DONE, "done": Command.DONE, "het": Command.DONE,
    "xoa muc cuoi": Command.REMOVE_LAST, "remove last": Command.REMOVE_LAST,
    "dashboard": Command.DASHBOARD, "quan tri": Command.DASHBOARD,
    "quantri": Command.DASHBOARD, "trang quan tri": Command.DASHBOARD,
    "tai lai": Command.DOCUMENT, "tailai": Command.DOCUMENT, "tai ve": Command.DOCUMENT,
    "lien ket moi": Command.DOCUMENT, "ban da nop": Command.DOCUMENT,
    "download": Command.DOCUMENT,
    "tai pdf": Command.PDF_TO_SIGN, "pdf ky so": Command.PDF_TO_SIGN,
    "tai pdf ky so": Command.PDF_TO_SIGN, "tai pdf de ky so": Command.PDF_TO_SIGN,
}
_EDIT = re.compile(r"^/?(?:sua|edit|sua cau)\s*(?:cau\s*)?(\d{1,4})$")
#: "phần II", "xem lại phần 2": one section's answers in the review
_SECTION = re.compile(r"^/?(?:xem\s+(?:lai\s+)?)?phan\s+([ivxlc]{1,6}|\d{1,2})$")
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def _section_number(numeral: str) -> int:
    if numeral.isdigit():
        return int(numeral)
    total = 0
    for i, letter in enumerate(numeral):
        value = _ROMAN[letter]
        following = _ROMAN[numeral[i + 1]] if i + 1 < len(numeral) else 0
        total += -value if value < following else value
    return total


@dataclass(frozen=True, slots=True)
class Parsed:
    command: Command
    argument: str | None = None


def parse_command(text: str) -> Parsed | None:
    """A typed command, or None when the text is an answer."""
    folded = fold(text)
    if len(folded) > 40:
        return None
    if folded.startswith("/start"):
        rest = text.strip()[len("/start"):].strip()
        return Parsed(Command.START, rest or None)
    match = _EDIT.match(folded)
    if match:
        return Parsed(Command.EDIT, match.group(1))
    match = _SECTION.match(folded)
    if match:
        return Parsed(Command.REVIEW, f"s{_section_number(match.group(1))}")
    command = _WORDS.get(folded.lstrip("/").replace("_", " "))
    return Parsed(command) if command else None


# Button callback data. Every answer button names the step it answers, so a tap
# on an old keyboard can be recognised and refused.
def cmd(command: Command, argument: str | None = None) -> str:
    return f"cmd:{command.value}" + (f":{argument}" if argument else "")


def ans(step_key: str, value: str) -> str:
    return f"ans:{value}@{step_key}"


@dataclass(frozen=True, slots=True)
class Callback:
    kind: str  # "cmd" | "ans"
    command: Command | None = None
    argument: str | None = None
    value: str | None = None
    step: str | None = None


def parse_callback(data: str) -> Callback | None:
    if len(data) > 256:
        return None
    if data.startswith("cmd:"):
        name, _, argument = data[4:].partition(":")
        try:
            return Callback("cmd", command=Command(name), argument=argument or None)
        except ValueError:
            return None
    if data.startswith("ans:") and "@" in data:
        value, _, step = data[4:].rpartition("@")
        return Callback("ans", value=value, step=step)
    return None
