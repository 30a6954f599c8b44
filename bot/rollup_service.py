"""Use cases behind the roll-up and the DIC dashboard: gather a round's submissions
for :mod:`renderers.rollup`, return a submission for correction, issue login links."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from bot.notify import Reach, notify_agency
from bot.reminders import Calendar, round_status
from dialogs.commands import Command, cmd
from dialogs.domain import Agency, AssignmentStatus, Officer, Round
from dialogs.messages import Button, Outbound
from dialogs.pinned import round_template
from dialogs.ports import Channel
from dialogs.schema import Template
from dialogs.titles import report_phrase
from dialogs.vn import fold
from renderers.rollup import (
    LATE,
    ON_TIME,
    AgencyEntry,
    RollupInfo,
    build_rollup,
    rollup_filename,
)
from renderers.rollup_files import render_rollup_files
from storage.login_tokens import issue_login_token
from storage.uow import SqlUnitOfWork

__all__ = [
    "LOGIN_TTL",
    "RollupFiles",
    "ServiceError",
    "collector_agency",
    "dashboard_login_url",
    "make_rollup",
    "return_comments",
    "return_submission",
    "return_text",
    "rollup_entries",
]

LOGIN_TTL = dt.timedelta(minutes=15)
RETURN_ACTION = "assignment.returned"


class ServiceError(ValueError):
    """An operator mistake, explained in Vietnamese."""


def _abbreviation(name: str) -> str:
    words = [w for w in fold(name).split() if w not in ("va", "so")]
    return ("S" + "".join(w[0] for w in words)).upper()[:12] or "SKHCN"


async def collector_agency(uow: SqlUnitOfWork, round_: Round) -> Agency:
    """The DIC as an agency (the one marked ``is_collector``), else one made from the
    round's collector name."""
    for agency in await uow.agencies.list():
        if agency.is_collector:
            return agency
    return Agency(id=0, name=round_.collector, abbreviation=_abbreviation(round_.collector),
                  governing_body=f"UBND TỈNH {round_.province.upper()}", place=round_.province,
                  signer_name="", signer_position="GIÁM ĐỐC", is_collector=True)


async def rollup_entries(
    uow: SqlUnitOfWork, round_id: int, *, templates: Mapping[str, Template],
    calendar: Calendar, now: dt.datetime,
) -> tuple[Round, list[AgencyEntry]]:
    """Every agency of the round with its state (from the reminders' status) and, when
    submitted, its latest submitted answers."""
    round_, progress = await round_status(uow, round_id, templates=templates, calendar=calendar,
                                          now=now)
    # agencies and the latest answers in a few queries (was two per agency, DOCX blobs
    # included): storage/repositories/submissions.py
    agencies = {a.id: a for a in await uow.agencies.list()}
    latest = await uow.submissions.latest_answers(
        [p.assignment_id for p in progress if p.state in (ON_TIME, LATE)])
    entries = []
    for p in progress:
        agency = agencies.get(p.agency_id) or await uow.agencies.get(p.agency_id)
        assert agency is not None
        answers, version = None, None
        if p.state in (ON_TIME, LATE) and p.assignment_id in latest:
            answers, version = latest[p.assignment_id]
        entries.append(AgencyEntry(agency, p.state, answers, p.submitted_at, version))
    signed = await uow.signatures.latest_by_agency(round_id)  # "đã ký số" (signed reports)
    entries = [replace(e, signed=e.agency.id in signed) for e in entries]
    return round_, entries


@dataclass(frozen=True)
class RollupFiles:
    docx: bytes
    xlsx: bytes
    filename: str  # the DOCX name; the XLSX has the same stem

    @property
    def xlsx_filename(self) -> str:
        return re.sub(r"\.docx$", ".xlsx", self.filename)


async def make_rollup(
    uow_factory: object, round_id: int, *, templates: Mapping[str, Template],
    calendar: Calendar, now: dt.datetime, timezone: str = "Asia/Ho_Chi_Minh",
    with_xlsx: bool = True,
) -> RollupFiles:
    """Read the round (one short unit of work), then render off the event loop."""
    async with uow_factory() as uow:  # type: ignore[operator]
        if await uow.rounds.get(round_id) is None:
            raise ServiceError(f"Không có đợt báo cáo số {round_id}.")
        round_, entries = await rollup_entries(uow, round_id, templates=templates,
                                               calendar=calendar, now=now)
        collector = await collector_agency(uow, round_)
        references = await uow.references.for_document(round_id, None)
    template = await round_template(templates, round_)
    if template is None:
        raise ServiceError(f"Không có mẫu {round_.template_id!r}.")
    info = RollupInfo(round=round_, collector=collector, as_of=now, timezone=timezone,
                      references=references)

    def render() -> RollupFiles:
        # the DOCX here and the XLSX in a child process, side by side (renderers/rollup_files.py)
        docx, xlsx = render_rollup_files(build_rollup(template, entries, info),
                                         with_xlsx=with_xlsx)
        return RollupFiles(docx, xlsx, rollup_filename(template, info))

    return await asyncio.to_thread(render)


async def return_submission(
    uow: SqlUnitOfWork, assignment_id: int, *, comment: str, actor: Officer | None,
    channels: Mapping[str, Channel], templates: Mapping[str, Template], now: dt.datetime,
    collector: str,
) -> Reach:
    """Reopen a submitted report for correction (status ``returned``) and tell the
    agency's officers in chat. The submitted versions stay as they are; the next
    submission becomes the next version."""
    comment = comment.strip()
    if not comment:
        raise ServiceError("Cần ghi rõ nội dung cần chỉnh sửa.")
    if len(comment) > 2000:
        raise ServiceError("Nội dung quá dài (tối đa 2.000 ký tự).")
    assignment = await uow.assignments.get(assignment_id)
    if assignment is None:
        raise ServiceError(f"Không có phiếu báo cáo số {assignment_id}.")
    if assignment.status != AssignmentStatus.SUBMITTED:
        raise ServiceError("Chỉ trả lại được báo cáo đã nộp.")
    round_ = await uow.rounds.get(assignment.round_id)
    assert round_ is not None
    if round_.status != "open":
        raise ServiceError("Đợt báo cáo đã đóng; mở lại đợt trước khi trả lại báo cáo.")
    latest = await uow.submissions.latest(assignment_id)
    await uow.assignments.set_status(assignment_id, AssignmentStatus.RETURNED.value, now)
    await uow.audit.add(RETURN_ACTION, "assignment", assignment_id,
                    actor_officer_id=actor.id if actor else None, now=now,
                    detail={"comment": comment, "version": latest.version if latest else None})
    template = await round_template(templates, round_, uow)
    name = template.name if template else round_.template_id
    text = return_text(collector, name, round_.period_label,
                       latest.version if latest else 1, comment)
    message = Outbound(text, [[Button("Sửa báo cáo", cmd(Command.CONTINUE, str(assignment_id)))]])
    stamp = now.strftime("%Y%m%d%H%M%S%f")
    return await notify_agency(uow, assignment.agency_id, [message], channels=channels, now=now,
                               dedupe_key=f"return:a{assignment_id}:{stamp}")


def return_text(collector: str, name: str, period: str, version: int, comment: str) -> str:
    """The officer's notice that a submitted report came back (title without doubled words)."""
    return (f"{collector} trả lại {report_phrase(name, period)} "
            f"(bản {version}) để chỉnh sửa.\n"
            f"Nội dung cần chỉnh sửa: {comment}\n"
            "Anh/Chị bấm \"Sửa báo cáo\" (hoặc gõ \"tiếp tục\"), sửa rồi nộp lại.")


async def return_comments(uow: SqlUnitOfWork, assignment_id: int) -> list[tuple[dt.datetime,
                                                                               int | None, str]]:
    """(when, version returned, comment) of every return of the assignment, oldest first."""
    out = []
    for entry in await uow.audit.entries(entity="assignment"):
        if entry.action == RETURN_ACTION and entry.entity_id == str(assignment_id):
            out.append((entry.at, entry.detail.get("version"), str(entry.detail.get("comment"))))
    return out


async def dashboard_login_url(
    uow: SqlUnitOfWork, officer: Officer, now: dt.datetime, *, public_url: str,
) -> tuple[str, int]:
    """A single-use login link for a DIC officer; refused for anybody else."""
    if officer.role != "dic":
        raise ServiceError("Chỉ cán bộ của cơ quan tổng hợp (vai trò dic) được vào trang quản trị.")
    token = await issue_login_token(uow, officer.id, now=now, ttl=LOGIN_TTL)
    await uow.audit.add("dashboard.link", "officer", officer.id, actor_officer_id=officer.id,
                        now=now)
    minutes = int(LOGIN_TTL.total_seconds() // 60)
    return f"{public_url.rstrip('/')}/admin/login?token={token}", minutes
