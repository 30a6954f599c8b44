"""Submitted versions (``uow.submissions``), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from dialogs.domain import AssignmentStatus
from dialogs.ports import ConflictError
from storage.uow import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]
DAY = dt.timedelta(days=1)



async def test_submissions_are_immutable_numbered_versions(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        agency = await new_agency(uow, "SCT")
        _, [assignment] = await make_round(uow, [agency.id])
        await uow.answers.set(assignment.id, "staff_total", 35, None, now)
        first = await uow.submissions.add(
            assignment.id, {"staff_total": 35}, b"PK-v1", "bao-cao-v1.docx", None, now
        )
        await uow.commit()
    assert (first.version, first.answers, first.submitted_at) == (1, {"staff_total": 35}, now)

    later = now + DAY
    async with uow_factory() as uow:
        stored = await uow.assignments.get(assignment.id)
        assert stored is not None
        assert (stored.status, stored.submitted_at) == (AssignmentStatus.SUBMITTED, now)
        with pytest.raises(ConflictError):  # submitted once: a second submit is refused
            await uow.submissions.add(assignment.id, {}, b"PK-x", "x.docx", None, later)
    async with uow_factory() as uow:
        await uow.assignments.set_status(assignment.id, "returned", later)  # DIC returns it
        await uow.answers.set(assignment.id, "staff_total", 36, None, later)
        second = await uow.submissions.add(
            assignment.id, {"staff_total": 36}, b"PK-v2", "bao-cao-v2.docx", None, later
        )
        await uow.commit()
    assert second.version == 2 and second.id != first.id

    async with uow_factory() as uow:
        assert await uow.submissions.latest(assignment.id) == second
        assert [s.answers for s in await uow.submissions.list(assignment.id)] == [
            {"staff_total": 35},
            {"staff_total": 36},
        ]
        assert await uow.submissions.docx(first.id) == ("bao-cao-v1.docx", b"PK-v1")
        assert await uow.submissions.docx(second.id) == ("bao-cao-v2.docx", b"PK-v2")
        assert await uow.submissions.docx(second.id + 100) is None
        stored = await uow.assignments.get(assignment.id)
        assert stored is not None and stored.submitted_at == later
        actions = [e.action for e in await uow.audit.entries(entity="assignment")]
        assert actions.count("submission.add") == 2
