"""The officer's own grounds and Nơi nhận, edited in the chat before submitting.

Typed commands (any case, with or without diacritics):

- ``thêm căn cứ: Căn cứ Kế hoạch số 12/KH-SCT ngày 05/01/2026 của Sở Công Thương``
  adds a ground of the agency's own (printed after the round's "Căn cứ" lines);
- ``xóa căn cứ`` removes the agency's own grounds;
- ``nơi nhận: Sở Khoa học và Công nghệ; Sở Nội vụ (báo cáo); Ban Giám đốc Sở``
  replaces the recipients (one per line or separated by ";"); "Lưu: VT, …" is
  always added by the document;
- ``nơi nhận mặc định`` goes back to the round's (or the template's) list;
- ``căn cứ`` / ``nơi nhận`` alone shows what the document will print.

:func:`edit_references` carries one out in a turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from dialogs.domain import AssignmentStatus
from dialogs.navigation import resume
from dialogs.references import ReferencesError
from dialogs.submission import already_submitted
from dialogs.turn import Turn
from dialogs.vn import fold

__all__ = ["ReferenceEdit", "confirmation", "edit_references", "parse_reference_edit"]

Action = Literal["add_ground", "clear_grounds", "set_recipients", "reset_recipients", "show"]

_ADD_GROUND = re.compile(r"^/?them can cu\s*:\s*", re.IGNORECASE)
_SET_RECIPIENTS = re.compile(r"^/?noi nhan\s*:\s*", re.IGNORECASE)
_CLEAR = {"xoa can cu", "xoa can cu rieng"}
_RESET = {"noi nhan mac dinh", "noi nhan theo mau"}
_SHOW = {"can cu", "noi nhan", "xem can cu", "xem noi nhan"}


@dataclass(frozen=True)
class ReferenceEdit:
    action: Action
    lines: tuple[str, ...] = ()


def _rest(text: str) -> str:
    """The text after the command's ":" (the original, with its diacritics)."""
    _head, sep, rest = text.partition(":")
    return rest.strip() if sep else ""


def parse_reference_edit(text: str) -> ReferenceEdit | None:
    """The edit a typed text asks for, or None when it is something else."""
    stripped = text.strip()
    folded = fold(stripped.splitlines()[0] if stripped else "")
    if _ADD_GROUND.match(folded):
        line = _rest(stripped)
        return ReferenceEdit("add_ground", (line,) if line else ())
    if _SET_RECIPIENTS.match(folded):
        rest = _rest(stripped)
        parts = [p.strip() for p in re.split(r"[;\n]", rest)]
        return ReferenceEdit("set_recipients", tuple(p for p in parts if p.strip("-. ")))
    key = folded.lstrip("/").strip(" .")
    if key in _CLEAR:
        return ReferenceEdit("clear_grounds")
    if key in _RESET:
        return ReferenceEdit("reset_recipients")
    if key in _SHOW:
        return ReferenceEdit("show")
    return None


def confirmation(grounds: list[str], recipients: list[str]) -> str:
    """What the document will print, after an edit."""
    lines = ["Căn cứ sẽ in trong báo cáo:"]
    lines += [f"- {g}" for g in grounds] or ["- (không có)"]
    lines.append("Nơi nhận:")
    lines += [f"- {r}" for r in recipients] or ["- (theo mẫu)"]
    lines.append('Sửa: "thêm căn cứ: …", "xóa căn cứ", "nơi nhận: A; B; C", '
                 '"nơi nhận mặc định".')
    return "\n".join(lines)


async def edit_references(turn: Turn, edit: ReferenceEdit) -> None:
    """The officer's own grounds and Nơi nhận, changed (or shown), then where they were."""
    assert turn.assignment is not None and turn.template is not None
    assert turn.round is not None
    if turn.assignment.status == AssignmentStatus.SUBMITTED:
        await already_submitted(turn)
        return
    clock = turn.setup.clock
    own = await turn.uow.references.own(turn.assignment.id)
    grounds: list[str] | None = None
    recipients: list[str] | None = None
    if edit.action == "add_ground" and edit.lines:
        grounds = [*own["grounds"], *edit.lines]
    elif edit.action == "clear_grounds":
        grounds = []
    elif edit.action == "set_recipients":
        recipients = list(edit.lines)
    elif edit.action == "reset_recipients":
        recipients = []
    if grounds is not None or recipients is not None:
        try:
            value = await turn.uow.references.set_own(
                turn.assignment.id, grounds=grounds, recipients=recipients, now=clock.now())
        except ReferencesError as exc:
            turn.say(str(exc))
            return
        await turn.uow.audit.add("references.set", "assignment", turn.assignment.id,
                             actor_officer_id=turn.officer.id if turn.officer else None,
                             now=clock.now(), detail=value)
    refs = await turn.uow.references.for_document(turn.round.id, turn.assignment.id)
    turn.say(confirmation(refs.grounds_lines(turn.template.grounds),
                          refs.recipient_lines(turn.template.recipients)))
    await resume(turn)
