"""Answers and their history (``uow.answers``), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from dialogs.domain import AssignmentStatus, Conversation
from dialogs.ports import ConflictError
from storage import admin
from storage.uow import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]
DAY = dt.timedelta(days=1)



async def _invite(uow: SqlUnitOfWork, agency_id: int, now: dt.datetime, **kw: object) -> str:
    return await admin.create_invite(uow, agency_id, now=now, **kw)  # type: ignore[arg-type]


async def test_answers_keep_their_history_and_none_deletes(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        _, [assignment] = await make_round(uow, [agency.id])
        officer_code = await _invite(uow, agency.id, now)
        officer = await uow.invites.bind(officer_code, "telegram", "1", "Mai", now)
        await uow.commit()
    assert assignment.status is AssignmentStatus.NOT_STARTED

    later = now + dt.timedelta(hours=2)
    async with uow_factory() as uow:
        await uow.answers.set(assignment.id, "staff_total", 35, officer.id, now)
        await uow.answers.set(assignment.id, "systems", [{"name": "QLVB", "level": 2}], None, now)
        await uow.answers.set(assignment.id, "staff_total", 36, officer.id, later)
        await uow.answers.set(assignment.id, "staff_total", 36, officer.id, later)  # no change
        await uow.answers.set(assignment.id, "systems", None, officer.id, later)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.answers.get(assignment.id) == {"staff_total": 36}
        history = await uow.answers.history(assignment.id)
        assert [(h.question_id, h.old, h.new, h.officer_id, h.at) for h in history] == [
            ("staff_total", None, 35, officer.id, now),
            ("systems", None, [{"name": "QLVB", "level": 2}], None, now),
            ("staff_total", 35, 36, officer.id, later),
            ("systems", [{"name": "QLVB", "level": 2}], None, officer.id, later),
        ]
        stored = await uow.assignments.get(assignment.id)
        assert stored is not None and stored.status is AssignmentStatus.IN_PROGRESS
        # the history is the answers' audit trail: no second copy in the audit log
        audit = await uow.audit.entries(entity="assignment")
        assert [e for e in audit if e.action == "answer.set"] == []


async def test_a_stale_answer_write_is_refused_and_changes_nothing(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime, database_url: str
) -> None:
    """Two officers' turns read the same answer; the second to write loses with a
    ConflictError (the engine retries its turn) and none of its writes stay."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs one unit of work at a time (BEGIN IMMEDIATE): no stale reads")
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        _, [assignment] = await make_round(uow, [agency.id])
        await uow.answers.set(assignment.id, "staff_total", 40, None, now)
        await uow.commit()

    async with uow_factory() as first:
        assert await first.answers.get(assignment.id) == {"staff_total": 40}
        async with uow_factory() as second:
            await second.answers.get(assignment.id)
            await second.answers.set(assignment.id, "staff_total", 41, None, now)
            await second.conversations.save(Conversation("web", "second", state="answering"))
            await second.commit()
        await first.answers.set(assignment.id, "staff_total", 42, None, now)
        with pytest.raises(ConflictError, match="staff_total"):
            await first.conversations.save(Conversation("web", "first", state="answering"))

    async with uow_factory() as uow:
        assert await uow.answers.get(assignment.id) == {"staff_total": 41}
        assert [h.new for h in await uow.answers.history(assignment.id)] == [40, 41]
        assert await uow.conversations.get("web", "first") is None


async def test_previous_answers_come_from_the_latest_earlier_submission(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        sct = await new_agency(uow, "SCT")
        snv = await new_agency(uow, "SNV")
        _, [old_sct, old_snv] = await make_round(uow, [sct.id, snv.id], now=now - 365 * DAY)
        _, [other_template] = await make_round(
            uow, [sct.id], template_id="it_periodic", now=now - 100 * DAY
        )
        _, [current_sct, _] = await make_round(uow, [sct.id, snv.id], now=now)
        await uow.submissions.add(old_sct.id, {"staff_total": 30}, b"1", "a.docx", None, now)
        await uow.assignments.set_status(old_sct.id, "returned", now)
        await uow.submissions.add(old_sct.id, {"staff_total": 31}, b"2", "a.docx", None, now)
        await uow.submissions.add(old_snv.id, {"staff_total": 99}, b"3", "b.docx", None, now)
        await uow.submissions.add(other_template.id, {"staff_total": 77}, b"4", "c.docx", None, now)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.answers.previous(current_sct.id) == {"staff_total": 31}
        assert await uow.answers.previous(old_sct.id) == {}
        assert await uow.answers.previous(other_template.id) == {}
