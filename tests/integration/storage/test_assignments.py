"""Assignments (``uow.assignments``), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from dialogs.domain import AssignmentStatus
from storage import admin
from storage.uow import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]
DAY = dt.timedelta(days=1)



async def test_open_assignments_lists_open_rounds_newest_first(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    async with uow_factory() as uow:
        sct = await new_agency(uow, "SCT")
        snv = await new_agency(uow, "SNV")
        _, [q1] = await make_round(uow, [sct.id], now=now - 60 * DAY, label="quý I")
        closed, _ = await make_round(uow, [sct.id], now=now - 30 * DAY, label="quý II")
        _, [q3] = await make_round(uow, [sct.id], now=now, label="quý III")
        await make_round(uow, [snv.id], now=now + DAY, label="quý IV")
        await admin.close_round(uow, closed.id, now=now)
        await uow.commit()

    async with uow_factory() as uow:
        assert [a.id for a in await uow.assignments.list_open(sct.id)] == [q3.id, q1.id]


async def test_rounds_and_answers_read_with_open_assignments_stay_current(
    uow_factory: UowFactory, new_agency, make_round, now: dt.datetime
) -> None:
    """open_assignments brings each assignment's round and answers along; a change
    made in the same transaction is what later reads return."""
    async with uow_factory() as uow:
        sct = await new_agency(uow, "SCT")
        round_, [assignment] = await make_round(uow, [sct.id], now=now)
        await uow.answers.set(assignment.id, "q1", 5, None, now)
        await uow.commit()
    async with uow_factory() as uow:
        [listed] = await uow.assignments.list_open(sct.id)
        assert (listed.id, listed.status) == (assignment.id, AssignmentStatus.IN_PROGRESS)
        assert await uow.rounds.get(round_.id) == round_
        assert await uow.answers.get(assignment.id) == {"q1": 5}
        await uow.answers.set(assignment.id, "q1", 6, None, now)
        assert await uow.answers.get(assignment.id) == {"q1": 6}
        later = now.date() + 10 * DAY
        await uow.rounds.update(round_.id, deadline=later)
        assert (await uow.rounds.get(round_.id)).deadline == later  # type: ignore[union-attr]
        renamed = await uow.agencies.save({"abbreviation": "SCT", "name": "Sở Công Thương mới"})
        assert await uow.agencies.get(sct.id) == renamed
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.answers.get(assignment.id) == {"q1": 6}
        assert (await uow.rounds.get(round_.id)).deadline == later  # type: ignore[union-attr]
