"""The history of one assignment, for people: who changed what, and when."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.audit_text import answer_change, entry_detail
from dialogs.schema import Template
from storage.uow import SqlUnitOfWork

ACTIONS = {
    "answer.set": "sửa câu trả lời",
    "submission.add": "nộp báo cáo",
    "submission.return": "trả lại báo cáo để sửa",
    "round.open": "mở đợt báo cáo",
    "round.deadline": "đổi hạn nộp",
    "round.close": "đóng đợt báo cáo",
}


@dataclass(frozen=True, slots=True)
class AuditLine:
    at: dt.datetime
    who: str
    what: str
    detail: str


async def assignment_audit(
    uow: SqlUnitOfWork, assignment_id: int, template: Template | None, timezone: str
) -> list[AuditLine]:
    """Answer changes (old → new), submissions, returns and deadline changes, oldest first."""
    assignment = await uow.assignments.get(assignment_id)
    if assignment is None:
        raise LookupError(f"Không có phiếu số {assignment_id}.")
    names: dict[int | None, str] = {None: "hệ thống"}

    async def who(officer_id: int | None) -> str:
        if officer_id not in names:
            officer = await uow.officers.get(officer_id) if officer_id is not None else None
            names[officer_id] = officer.full_name if officer else f"cán bộ #{officer_id}"
        return names[officer_id]

    lines: list[AuditLine] = []
    for change in await uow.answers.history(assignment_id):
        question = None
        if template is not None:
            with contextlib.suppress(KeyError):
                question = template.question(change.question_id)
        detail = answer_change(question, change.old, change.new)
        if question is None:
            detail = f"{change.question_id}: {detail}"
        lines.append(AuditLine(
            change.at, await who(change.officer_id), ACTIONS["answer.set"], detail))
    for entry in await uow.audit.entries():
        mine = (entry.entity == "assignment" and entry.entity_id == str(assignment_id)
                and entry.action != "answer.set")
        its_round = entry.entity == "round" and entry.entity_id == str(assignment.round_id)
        if not (mine or its_round):
            continue
        detail = entry_detail(entry.action, entry.detail or {})
        lines.append(AuditLine(entry.at, await who(entry.actor_officer_id),
                               ACTIONS.get(entry.action, entry.action), detail))
    lines.sort(key=lambda line: line.at)
    tz = ZoneInfo(timezone)
    return [AuditLine(line.at.astimezone(tz), line.who, line.what, line.detail) for line in lines]
